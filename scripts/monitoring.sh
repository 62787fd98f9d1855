#!/usr/bin/env bash
# Local monitoring without Docker: Debian's prometheus package with the repository's
# infra/prometheus/prometheus.yml (the same file docker compose uses), on loopback only.
#
#   scripts/monitoring.sh up      start Prometheus on 127.0.0.1:9090 (installs the package if missing); idempotent
#   scripts/monitoring.sh down    stop the Prometheus this script started (by pid); data stays in .run/prometheus
#   scripts/monitoring.sh status  one line
#
# Scrapes customer-service :8080, order-service :8081/:8082 and RabbitMQ :15692 every 5 s.
# Data: .run/prometheus/, log: .run/prometheus.log, pid: .run/prometheus.pid.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
run="$repo/.run"
config="$repo/infra/prometheus/prometheus.yml"
listen=${PROMETHEUS_LISTEN:-127.0.0.1:9090}
pidfile="$run/prometheus.pid"
logfile="$run/prometheus.log"
data="$run/prometheus"

log() { printf '[monitoring] %s\n' "$*" >&2; }
die() { printf '[monitoring] error: %s\n' "$*" >&2; exit 1; }

pid() { [ -f "$pidfile" ] && cat "$pidfile" || true; }
alive() { local p; p=$(pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
ready() { curl -fsS -o /dev/null --max-time 2 "http://$listen/-/ready" 2>/dev/null; }

install_prometheus() {
  command -v prometheus >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "prometheus is not installed and installing it needs root: apt-get install prometheus"
  command -v apt-get >/dev/null 2>&1 || die "prometheus is not installed and apt-get is missing: install Prometheus 2.x by hand"
  log "apt-get install prometheus"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  # The package's own service is not wanted: this script runs Prometheus with the repository's config.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

up() {
  if alive; then
    ready && { log "Prometheus already running (pid $(pid)): http://$listen"; return 0; }
  elif timeout 1 bash -c ">/dev/tcp/${listen%:*}/${listen##*:}" 2>/dev/null; then
    die "$listen is taken by a process this script did not start; stop it or set PROMETHEUS_LISTEN"
  fi
  install_prometheus
  mkdir -p "$data"
  if ! alive; then
    # setsid: Prometheus outlives this shell and a Ctrl-C in it. --web.enable-lifecycle allows POST /-/reload.
    setsid prometheus \
      --config.file="$config" \
      --storage.tsdb.path="$data" \
      --storage.tsdb.retention.time=7d \
      --web.listen-address="$listen" \
      --web.enable-lifecycle \
      >>"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
  fi
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    if ! alive; then
      tail -n 20 "$logfile" >&2
      die "Prometheus exited during start-up (log: $logfile)"
    fi
    if ready; then
      log "Prometheus ready: http://$listen (targets: http://$listen/targets, config: infra/prometheus/prometheus.yml)"
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "$logfile" >&2
  die "Prometheus did not become ready on $listen within 30 s (log: $logfile)"
}

down() {
  local p
  p=$(pid)
  if [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then rm -f "$pidfile"; return 0; fi
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then
    log "Prometheus did not stop within 10 s; killing it"
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "Prometheus stopped (data kept in $data)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    if alive; then echo "prometheus: running (pid $(pid), http://$listen)"; else echo "prometheus: stopped"; fi
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
