#!/usr/bin/env bash
# Provision the infrastructure the services need: PostgreSQL 15 and RabbitMQ 4 with streams.
#
#   scripts/infra.sh up      start (installing on first use); idempotent
#   scripts/infra.sh down    stop what this script started; data stays
#   scripts/infra.sh clean   stop and remove the data (databases, stream)
#   scripts/infra.sh status  one line per component
#   scripts/infra.sh rabbitmq-stop|rabbitmq-start|postgres-stop|postgres-start   for fault-injection tests
#   scripts/infra.sh restart-stream NAME   restart a stream's members, as the broker does when its leader moves
#
# With a Docker engine that answers, it delegates to `docker compose`. Without one (the
# development machines, CI) it runs PostgreSQL from the machine's packages and RabbitMQ 4
# from a Debian 13 root built once with debootstrap into a cache folder outside the repo.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

PG_VERSION=15
PG_CLUSTER=main
PG_PORT=${PGPORT:-5432}
DB_USER=${DB_USER:-app}
DB_PASSWORD=${DB_PASSWORD:-app}
DATABASES=(customer_db order_db)

CACHE_DIR=${RABBITMQ_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rabbitmq-streams-demo}
RMQ_ROOT="$CACHE_DIR/rabbitmq-root"
RMQ_NODE=rabbit@localhost
RMQ_SUITE=trixie

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

docker_engine() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

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

# ---------------------------------------------------------------- PostgreSQL
pg_psql() { runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }

pg_up() {
  if [ ! -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]; then
    apt_install postgresql-$PG_VERSION
  fi
  if [ ! -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]; then
    log "creating PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster $PG_VERSION $PG_CLUSTER -p "$PG_PORT" >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v=$PG_VERSION -v c=$PG_CLUSTER '$1==v && $2==c {print $4}' | grep -q online; then
    if port_open "$PG_PORT"; then
      die "port $PG_PORT is taken by something other than the PostgreSQL $PG_VERSION/$PG_CLUSTER cluster"
    fi
    log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER on port $PG_PORT"
    pg_ctlcluster $PG_VERSION $PG_CLUSTER start
    # Remember that we started it: `down` stops only what `up` started.
    mkdir -p "$repo/.run" && touch "$repo/.run/postgres.started-by-infra"
  fi
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL did not become ready on port $PG_PORT"
  if [ "$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
    pg_psql -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
  else
    pg_psql -c "ALTER ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
  fi
  for db in "${DATABASES[@]}"; do
    if [ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      pg_psql -c "CREATE DATABASE \"$db\" OWNER \"$DB_USER\""
    fi
  done
  # Password authentication over TCP, as the services use it.
  PGPASSWORD=$DB_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d customer_db -qAtc 'SELECT 1' >/dev/null \
    || die "cannot log in to PostgreSQL as $DB_USER with a password over TCP"
  log "PostgreSQL ready: postgres://$DB_USER:***@127.0.0.1:$PG_PORT/{customer_db,order_db}"
}

pg_down() {
  local marker="$repo/.run/postgres.started-by-infra"
  if [ "${1:-}" != force ] && [ ! -f "$marker" ]; then
    log "PostgreSQL was running before 'up'; leaving it running"
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]; then
    pg_ctlcluster $PG_VERSION $PG_CLUSTER stop 2>/dev/null || true
  fi
  rm -f "$marker"
}

pg_clean() {
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
    for db in "${DATABASES[@]}"; do pg_psql -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done
    # Databases the test suites create for themselves.
    for db in $(pg_psql -c "SELECT datname FROM pg_database WHERE datname LIKE 'test\_%'"); do
      pg_psql -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true
    done
  fi
}

# ---------------------------------------------------------------- RabbitMQ
rmq_ctl() { chroot "$RMQ_ROOT" env HOME=/var/lib/rabbitmq rabbitmqctl -n "$RMQ_NODE" "$@"; }
rmq_streams() { chroot "$RMQ_ROOT" env HOME=/var/lib/rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-streams -n "$RMQ_NODE" "$@"; }

rmq_build_root() {
  [ -x "$RMQ_ROOT/usr/sbin/rabbitmq-server" ] && return 0
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  mkdir -p "$CACHE_DIR"
  local tmp="$RMQ_ROOT.partial"
  rmq_unmount "$tmp"
  rm -rf "$tmp"
  log "building a Debian $RMQ_SUITE root with rabbitmq-server in $RMQ_ROOT (once; about a minute)"
  debootstrap --variant=minbase --include=rabbitmq-server "$RMQ_SUITE" "$tmp" >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"; }
  mv "$tmp" "$RMQ_ROOT"
}

rmq_mount() {
  mountpoint -q "$RMQ_ROOT/proc" || mount -t proc proc "$RMQ_ROOT/proc"
  mountpoint -q "$RMQ_ROOT/dev" || mount --bind /dev "$RMQ_ROOT/dev"
}

rmq_unmount() {
  local root=${1:-$RMQ_ROOT}
  [ -d "$root" ] || return 0
  for m in proc dev; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount "$root/$m" 2>/dev/null || umount -l "$root/$m"; fi
  done
}

rmq_configure() {
  install -d "$RMQ_ROOT/etc/rabbitmq"
  cp "$repo/infra/rabbitmq/rabbitmq.conf" "$RMQ_ROOT/etc/rabbitmq/rabbitmq.conf"
  cp "$repo/infra/rabbitmq/enabled_plugins" "$RMQ_ROOT/etc/rabbitmq/enabled_plugins"
  # A hostname the node can resolve inside the root.
  grep -q '^127.0.0.1[[:space:]].*localhost' "$RMQ_ROOT/etc/hosts" 2>/dev/null || echo '127.0.0.1 localhost' >>"$RMQ_ROOT/etc/hosts"
}

rmq_running() { [ -d "$RMQ_ROOT/proc/1" ] && rmq_ctl status >/dev/null 2>&1; }

rmq_wait_ready() {
  local deadline=$((SECONDS + ${1:-90}))
  while [ $SECONDS -lt $deadline ]; do
    if node "$here/stream-probe.mjs" --quiet; then return 0; fi
    sleep 1
  done
  node "$here/stream-probe.mjs" || true
  return 1
}

rmq_up() {
  if port_open 5552; then
    # Something already listens: accept it only if it is a stream broker this project can use.
    if node "$here/stream-probe.mjs"; then log "RabbitMQ stream port 5552 already answers"; return 0; fi
    die "port 5552 is taken by a broker this project cannot use (see the line above); stop it first"
  fi
  need_root
  rmq_build_root
  rmq_mount
  rmq_configure
  if ! rmq_running; then
    log "starting RabbitMQ 4 ($RMQ_NODE) from $RMQ_ROOT"
    chroot "$RMQ_ROOT" env RABBITMQ_NODENAME="$RMQ_NODE" HOME=/var/lib/rabbitmq rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
  rmq_wait_ready 120 || die "RabbitMQ did not accept stream connections on 5552 (logs: $RMQ_ROOT/var/log/rabbitmq)"
  log "RabbitMQ ready: stream 127.0.0.1:5552, management http://127.0.0.1:15672 (guest/guest), prometheus :15692"
}

rmq_down() {
  [ -d "$RMQ_ROOT" ] || return 0
  if [ -d "$RMQ_ROOT/proc/1" ]; then
    rmq_ctl stop >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do port_open 5552 || break; sleep 0.5; done
    # epmd stays behind after the node stops.
    pkill -f "$RMQ_ROOT" 2>/dev/null || true
    chroot "$RMQ_ROOT" sh -c 'pkill epmd' 2>/dev/null || true
  fi
  rmq_unmount
}

rmq_clean() {
  rmq_down
  rm -rf "$RMQ_ROOT/var/lib/rabbitmq/mnesia"
}

# ---------------------------------------------------------------- main
cmd=${1:-up}
if [ "${INFRA:-auto}" = docker ] || { [ "${INFRA:-auto}" = auto ] && docker_engine; }; then
  cd "$repo"
  case "$cmd" in
    up)
      docker compose up -d --wait postgres rabbitmq
      # The compose broker's account for clients outside the container (guest is loopback-only):
      # scripts/services.sh and the Makefile's test targets read this file.
      mkdir -p "$repo/.run"
      printf 'RABBITMQ_USER=app\nRABBITMQ_PASSWORD=app\n' >"$repo/.run/infra.env"
      ;;
    down) docker compose stop postgres rabbitmq ;;
    clean) docker compose down -v ;;
    status) docker compose ps ;;
    restart-stream) docker compose exec -T rabbitmq rabbitmq-streams restart_stream "${2:?stream name}" ;;
    *) die "usage: $0 up|down|clean|status|restart-stream NAME" ;;
  esac
  exit 0
fi

case "$cmd" in
  up) need_root; rm -f "$repo/.run/infra.env"; pg_up; rmq_up ;;
  down) rmq_down; pg_down; log "stopped (data kept)" ;;
  clean) need_root; pg_clean; rmq_clean; pg_down; log "stopped and data removed" ;;
  # For fault-injection tests: stop or start only the broker / only PostgreSQL (data kept).
  rabbitmq-stop) need_root; rmq_ctl stop >/dev/null 2>&1 || true; for _ in $(seq 1 60); do port_open 5552 || break; sleep 0.25; done ;;
  rabbitmq-start) need_root; rmq_up ;;
  postgres-stop) need_root; pg_down force; mkdir -p "$repo/.run" && touch "$repo/.run/postgres.started-by-infra" ;;
  postgres-start) need_root; pg_up ;;
  restart-stream) need_root; rmq_streams restart_stream "${2:?stream name}" >/dev/null ;;
  status)
    if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then echo "postgresql: up (127.0.0.1:$PG_PORT)"; else echo "postgresql: down"; fi
    if node "$here/stream-probe.mjs" --quiet; then echo "rabbitmq: up (stream 127.0.0.1:5552)"; else echo "rabbitmq: down"; fi
    ;;
  *) die "usage: $0 up|down|clean|status" ;;
esac
