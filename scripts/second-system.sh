#!/usr/bin/env bash
# A second system beside the one of `make dependencies`: its own broker set, databases, stream, ports and
# run directory, so that faults and benchmarks on it disturb nothing else (make test-chaos-cluster,
# make bench-cluster).
#
#   scripts/second-system.sh up          the broker set and PostgreSQL (scripts/infra.sh up), the databases,
#                                        then the services (scripts/services.sh up); returns when all are ready
#   scripts/second-system.sh down        stop its services (the broker set's nodes keep running)
#   scripts/second-system.sh reset       with its services stopped: drop its databases and delete its stream (a fresh
#                                        start; the broker set and PostgreSQL are started first if need be)
#   scripts/second-system.sh fresh       down, reset and up in one (the infrastructure provisioned once, not twice)
#   scripts/second-system.sh stop-broker stop the broker set's nodes
#   scripts/second-system.sh env         the tools' settings (CUSTOMER_URL, ORDER_URLS, ...), one NAME=value a line
#   scripts/second-system.sh run CMD...  CMD with those settings in its environment
#
#   SYSTEM              its name (default cluster): run directory .run-$SYSTEM, databases test_${SYSTEM}_customer_db
#                       and test_${SYSTEM}_order_db (make clean drops test_* databases), stream customer-$SYSTEM
#   BASE_PORT           customer-service's port; order-<n> listens on BASE_PORT + n (default 8280)
#   ORDER_INSTANCES     order-service instances (default 2)
#   STREAM_PARTITIONS   1 (default): a plain stream; more: a super stream of that many partitions
#   BROKER_NAME, BROKER_NODES, BROKER_PORT_OFFSET
#                       the broker set (scripts/infra/rabbitmq.sh; default the tests' own cluster: cluster, 3, 100)
#   PG_CLUSTER, PGPORT  the PostgreSQL cluster (scripts/infra/postgres.sh; default main, 5432)
#   STREAM_MAX_LENGTH_BYTES, STREAM_MAX_SEGMENT_SIZE_BYTES
#                       `up` declares its stream with this retention before its services start (they use it as
#                       it is), e.g. a small one whose history retention removes (the chaos fault retention-gap);
#                       a stream that exists with other values is refused: `reset` first (a plain stream only)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
SYSTEM=${SYSTEM:-cluster}
[[ "$SYSTEM" =~ ^[a-z0-9]+$ ]] || { echo "SYSTEM must be lower-case letters and digits (got $SYSTEM)" >&2; exit 2; }
BASE_PORT=${BASE_PORT:-8280}
ORDER_INSTANCES=${ORDER_INSTANCES:-2}
STREAM_PARTITIONS=${STREAM_PARTITIONS:-1}
[[ "$STREAM_PARTITIONS" =~ ^[1-9][0-9]?$ ]] || { echo "STREAM_PARTITIONS must be 1 to 64 (got $STREAM_PARTITIONS)" >&2; exit 2; }
BROKER_NAME=${BROKER_NAME:-cluster}
# The set of make dependencies (rabbit) keeps its size unless told: joining nodes to it would replicate
# every stream of the first system.
if [ "$BROKER_NAME" = rabbit ]; then BROKER_NODES=${BROKER_NODES:-1}; else BROKER_NODES=${BROKER_NODES:-3}; fi
if [ "$BROKER_NAME" = rabbit ]; then BROKER_PORT_OFFSET=${BROKER_PORT_OFFSET:-0}; else BROKER_PORT_OFFSET=${BROKER_PORT_OFFSET:-100}; fi
PG_CLUSTER=${PG_CLUSTER:-main}
PGPORT=${PGPORT:-5432}
RUN_DIR=.run-$SYSTEM
STREAM_NAME=customer-$SYSTEM
DATABASES=("test_${SYSTEM}_customer_db" "test_${SYSTEM}_order_db")
MANAGEMENT_URL=http://127.0.0.1:$((15672 + BROKER_PORT_OFFSET))

database_url() { echo "postgres://app:app@127.0.0.1:$PGPORT/$1"; }

# What scripts/infra.sh needs to reach the set and the PostgreSQL cluster, and what the services need
# to reach the set (scripts/services.sh sources $RUN_DIR/infra.env).
infra_env() {
  local k hosts=()
  for k in $(seq 1 "$BROKER_NODES"); do hosts+=("127.0.0.1:$((5551 + BROKER_PORT_OFFSET + k))"); done
  if [ "$BROKER_NODES" -gt 1 ]; then
    echo "RABBITMQ_HOSTS=$(IFS=,; echo "${hosts[*]}")"
  else
    echo "RABBITMQ_HOST=127.0.0.1"
    echo "RABBITMQ_STREAM_PORT=$((5552 + BROKER_PORT_OFFSET))"
  fi
  echo "RABBITMQ_MANAGEMENT_URL=$MANAGEMENT_URL"
  # The broker set's operator (scripts/infra/credentials.sh makes the accounts of every set alike).
  if [ -f "$repo/.run/credentials.env" ]; then
    echo "RABBITMQ_USER=operator"
    echo "RABBITMQ_PASSWORD=$(. "$repo/.run/credentials.env" && echo "$OPERATOR_RABBITMQ_PASSWORD")"
  fi
  echo "BROKER_NAME=$BROKER_NAME"
  echo "BROKER_NODES=$BROKER_NODES"
  echo "BROKER_PORT_OFFSET=$BROKER_PORT_OFFSET"
  echo "PG_CLUSTER=$PG_CLUSTER"
  echo "PGPORT=$PGPORT"
}

# Everything the tools (and scripts/services.sh) read to find this system.
system_env() {
  local n urls=()
  for n in $(seq 1 "$ORDER_INSTANCES"); do urls+=("http://127.0.0.1:$((BASE_PORT + n))"); done
  infra_env
  echo "RUN_DIR=$RUN_DIR"
  echo "BASE_PORT=$BASE_PORT"
  echo "ORDER_INSTANCES=$ORDER_INSTANCES"
  echo "STREAM_NAME=$STREAM_NAME"
  echo "STREAM_PARTITIONS=$STREAM_PARTITIONS"
  echo "CUSTOMER_URL=http://127.0.0.1:$BASE_PORT"
  echo "ORDER_URLS=$(IFS=,; echo "${urls[*]}")"
  echo "CUSTOMER_DATABASE_URL=$(database_url "${DATABASES[0]}")"
  echo "ORDER_DATABASE_URL=$(database_url "${DATABASES[1]}")"
  # Where its order instances bootstrap a replica from when the stream's history is gone: its own customer-service.
  echo "CUSTOMER_SNAPSHOT_URL=http://127.0.0.1:$BASE_PORT/internal/snapshot"
}

with_env() { env $(system_env) "$@"; }

psql_admin() { PGPASSWORD=app psql -h 127.0.0.1 -p "$PGPORT" -U app -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

create_databases() {
  local db
  for db in "${DATABASES[@]}"; do
    [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ] || psql_admin -c "CREATE DATABASE \"$db\""
  done
}

# The broker set's operator, for the management API.
operator_auth() { (. "$repo/.run/credentials.env" && echo "operator:$OPERATOR_RABBITMQ_PASSWORD"); }

# With STREAM_MAX_LENGTH_BYTES or STREAM_MAX_SEGMENT_SIZE_BYTES: the stream declared with them (management API),
# or found with them already.
declare_stream() {
  [ -n "${STREAM_MAX_LENGTH_BYTES:-}${STREAM_MAX_SEGMENT_SIZE_BYTES:-}" ] || return 0
  [ "$STREAM_PARTITIONS" = 1 ] || { echo "[second-system] STREAM_MAX_LENGTH_BYTES and STREAM_MAX_SEGMENT_SIZE_BYTES declare a plain stream; not with STREAM_PARTITIONS=$STREAM_PARTITIONS" >&2; exit 2; }
  [[ "${STREAM_MAX_LENGTH_BYTES:-1}${STREAM_MAX_SEGMENT_SIZE_BYTES:-1}" =~ ^[0-9]+$ ]] || { echo "[second-system] STREAM_MAX_LENGTH_BYTES and STREAM_MAX_SEGMENT_SIZE_BYTES are byte counts" >&2; exit 2; }
  local wanted='{"x-queue-type":"stream"' url="$MANAGEMENT_URL/api/queues/%2F/$STREAM_NAME" status actual
  [ -z "${STREAM_MAX_LENGTH_BYTES:-}" ] || wanted+=",\"x-max-length-bytes\":$STREAM_MAX_LENGTH_BYTES"
  [ -z "${STREAM_MAX_SEGMENT_SIZE_BYTES:-}" ] || wanted+=",\"x-stream-max-segment-size-bytes\":$STREAM_MAX_SEGMENT_SIZE_BYTES"
  wanted+='}'
  status=$(curl -sS -o /dev/null -w '%{http_code}' -u "$(operator_auth)" "$url")
  if [ "$status" = 404 ]; then
    status=$(curl -sS -o /dev/null -w '%{http_code}' -u "$(operator_auth)" -X PUT -H 'content-type: application/json' \
      -d "{\"durable\":true,\"arguments\":$wanted}" "$url")
    case "$status" in 201 | 204) echo "[second-system] declared stream $STREAM_NAME with $wanted" >&2 ;; *) echo "[second-system] declaring stream $STREAM_NAME answered $status" >&2; exit 1 ;; esac
    return 0
  fi
  actual=$(curl -sS -u "$(operator_auth)" "$url")
  node -e 'const wanted = JSON.parse(process.argv[1]); const actual = JSON.parse(process.argv[2]).arguments ?? {};
    const off = Object.keys(wanted).filter((key) => String(actual[key]) !== String(wanted[key]));
    if (off.length > 0) { console.error(`[second-system] stream ${process.argv[3]} exists with ${JSON.stringify(actual)}, not ${JSON.stringify(wanted)}: reset it first`); process.exit(1); }' \
    "$wanted" "$actual" "$STREAM_NAME"
}

services_running() { with_env bash "$repo/scripts/services.sh" status | grep -q ': running'; }

# Its databases dropped and its stream deleted (the broker set and PostgreSQL are up).
drop_data() {
  local db target status targets
  for db in "${DATABASES[@]}"; do psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
  # The stream, or the super stream's partitions and exchange; 404 when one does not exist: nothing to delete.
  targets=("queues/%2F/$STREAM_NAME" "exchanges/%2F/$STREAM_NAME")
  for p in $(seq 0 $((STREAM_PARTITIONS - 1))); do targets+=("queues/%2F/$STREAM_NAME-$p"); done
  for target in "${targets[@]}"; do
    status=$(curl -sS -o /dev/null -w '%{http_code}' -u "$(operator_auth)" -X DELETE "$MANAGEMENT_URL/api/$target")
    case "$status" in 204 | 404) ;; *) echo "[second-system] deleting $target answered $status" >&2; exit 1 ;; esac
  done
}

# Its databases, settings, stream and services (the broker set and PostgreSQL are up).
start_system() {
  create_databases
  mkdir -p "$repo/$RUN_DIR"
  infra_env >"$repo/$RUN_DIR/infra.env"
  declare_stream
  with_env bash "$repo/scripts/services.sh" up
}

case "${1:-}" in
  up)
    with_env bash "$repo/scripts/infra.sh" up
    start_system
    ;;
  down) with_env bash "$repo/scripts/services.sh" down ;;
  reset)
    if services_running; then echo "[second-system] stop its services first: $0 down" >&2; exit 1; fi
    with_env bash "$repo/scripts/infra.sh" up
    drop_data
    ;;
  fresh)
    with_env bash "$repo/scripts/services.sh" down
    with_env bash "$repo/scripts/infra.sh" up
    drop_data
    start_system
    ;;
  stop-broker) with_env bash "$repo/scripts/infra.sh" rabbitmq-stop ;;
  env) system_env ;;
  run) shift; with_env "$@" ;;
  *) sed -n '6,15p' "$0" >&2; exit 2 ;;
esac
