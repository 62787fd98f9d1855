#!/usr/bin/env bash
# Provision the infrastructure the services need: PostgreSQL 15 and RabbitMQ 4 with streams.
#
#   scripts/infra.sh up        start (installing on first use); idempotent. BROKER_NODES=3: a cluster
#   scripts/infra.sh down      stop what this script started; data stays
#   scripts/infra.sh clean     stop and remove the data (databases, streams, cluster membership)
#   scripts/infra.sh status    one line per component (per node, with the stream's leader)
# For fault injection (NODE: 1..BROKER_NODES; without NODE, every node):
#   scripts/infra.sh rabbitmq-stop [NODE] | rabbitmq-start [NODE]     clean stop / start
#   scripts/infra.sh rabbitmq-kill NODE | rabbitmq-pause NODE | rabbitmq-resume NODE   kill -9 / SIGSTOP / SIGCONT
#   scripts/infra.sh postgres-stop | postgres-start | postgres-crash     clean stop / start / stop -m immediate
#   scripts/infra.sh restart-stream NAME    restart a stream's members, as the broker does when its leader moves
#   scripts/infra.sh stream-leader NAME     the node (1..N) that leads a stream
#   scripts/infra.sh stream-bytes NAME      bytes of a stream's segments on node 1's disk
#
# With a Docker engine that answers, it drives `docker compose` (scripts/infra/docker.sh). Without
# one (the development machines, CI) it runs PostgreSQL from the machine's packages
# (scripts/infra/postgres.sh) and RabbitMQ 4 from a Debian 13 root built once with debootstrap
# into a cache folder outside the repo (scripts/infra/rabbitmq.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '3,13p' "$0" >&2; exit 2; }

port_open() { timeout 1 bash -c ">/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

need_root() {
  [ "$(id -u)" = 0 ] || die "the local path (no Docker engine) installs and starts PostgreSQL and RabbitMQ and needs root; run as root or start a Docker engine"
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand or use Docker"
  if [ ! -f /var/lib/apt/periodic/.infra-updated ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/.infra-updated
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# shellcheck source=infra/docker.sh
. "$here/infra/docker.sh"

cmd=${1:-up}
if [ "${INFRA:-auto}" = docker ] || { [ "${INFRA:-auto}" = auto ] && docker_engine; }; then
  docker_main "$@"
  exit 0
fi

# Starting, stopping and removing take turns, machine-wide: make test provisions several systems at once, and
# they share PostgreSQL (its roles and grants), the RabbitMQ root (its mounts and files) and epmd. The faults'
# verbs do not wait: a fault's recovery time must not include another system's provisioning. The script runs
# again under flock(1), which holds the lock itself (-o: the script, and the servers it starts, do not inherit
# it: a broker node holding it would block every later `up` while it runs).
case "$cmd" in
  up | down | clean)
    if [ -z "${INFRA_LOCK_HELD:-}" ]; then
      lock_dir=/run/lock; [ -d "$lock_dir" ] && [ -w "$lock_dir" ] || lock_dir=${TMPDIR:-/tmp}
      INFRA_LOCK_HELD=1 exec flock -o "$lock_dir/rabbitmq-streams-demo-infra.lock" bash "$0" "$@"
    fi
    ;;
esac

# shellcheck source=infra/postgres.sh
. "$here/infra/postgres.sh"
# shellcheck source=infra/rabbitmq.sh
. "$here/infra/rabbitmq.sh"
# shellcheck source=infra/credentials.sh
. "$here/infra/credentials.sh"
ensure_credentials

# What the services and tests need to know about the infrastructure in use.
write_client_env() {
  mkdir -p "$repo/.run"
  (umask 077 && rmq_client_env >"$repo/.run/infra.env")
}

case "$cmd" in
  up) need_root; pg_up; rmq_up; if [ "$BROKER_NAME" = rabbit ]; then write_client_env; fi ;;
  down) rmq_down; pg_down; pg_down_own_clusters; log "stopped (data kept)" ;;
  clean) need_root; pg_clean; rmq_clean; pg_down; pg_drop_own_clusters; rm -f "$repo/.run/infra.env"; log "stopped and data removed" ;;
  status)
    if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then echo "postgresql: up (127.0.0.1:$PG_PORT)"; else echo "postgresql: down"; fi
    rmq_status
    ;;
  rabbitmq-stop) need_root; rmq_stop "${2:-}" ;;
  rabbitmq-start) need_root; rmq_start "${2:-}" ;;
  rabbitmq-kill) need_root; rmq_signal KILL "${2:-}" ;;
  rabbitmq-pause) need_root; rmq_signal STOP "${2:-}" ;;
  rabbitmq-resume) need_root; rmq_signal CONT "${2:-}" ;;
  postgres-stop) need_root; pg_down force; pg_mark_started ;;
  postgres-start) need_root; pg_up ;;
  postgres-crash) need_root; pg_crash ;;
  restart-stream) need_root; rmq_streams restart_stream "${2:?stream name}" >/dev/null ;;
  stream-leader) need_root; rmq_stream_leader "${2:?stream name}" ;;
  stream-bytes) rmq_stream_bytes "${2:?stream name}" ;;
  *) usage ;;
esac
