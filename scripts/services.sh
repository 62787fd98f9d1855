#!/usr/bin/env bash
# Runs the service processes detached, with logs and pid files in the run directory (.run/).
#
#   scripts/services.sh up            start customer (8080), order-1 (8081), order-2 (8082), ...; wait until ready
#   scripts/services.sh down          stop them (SIGTERM by pid, then SIGKILL after 15 s)
#   scripts/services.sh start NAME    start one of them (customer, order-1, order-2, ...)
#   scripts/services.sh stop NAME     stop one of them
#   scripts/services.sh logs          follow the logs
#   scripts/services.sh status        one line per process
#   scripts/services.sh ports         one line per service: its name and port
#
#   ORDER_INSTANCES   order-service instances (default 2: order-1, order-2)
#   STREAM_PARTITIONS 1 (default): the stream `customer`; more: a super stream of that many partitions
#   BASE_PORT         customer-service's port; order-<n> listens on BASE_PORT + n (default 8080)
#
# `up` remembers ORDER_INSTANCES and STREAM_PARTITIONS in the run directory's system.env, with the
# URLs the tools need (CUSTOMER_URL, ORDER_URLS): later commands (start one service, make run-load,
# make run-chaos, ...) see the same system unless told otherwise. make clean forgets it.
#   RUN_DIR           pid files and logs (default .run): a second system beside the first needs its own,
#                     with its own ports, CUSTOMER_DATABASE_URL, ORDER_DATABASE_URL and STREAM_NAME
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
run=$(cd "$repo" && mkdir -p "${RUN_DIR:-.run}" && cd "${RUN_DIR:-.run}" && pwd)
if [ -f "$run/system.env" ]; then
  while IFS='=' read -r key value; do
    case "$key" in ORDER_INSTANCES | STREAM_PARTITIONS) [ -n "${!key:-}" ] || export "$key=$value" ;; esac
  done <"$run/system.env"
fi
ORDER_INSTANCES=${ORDER_INSTANCES:-2}
export STREAM_PARTITIONS=${STREAM_PARTITIONS:-1}
[[ "$STREAM_PARTITIONS" =~ ^[1-9][0-9]?$ ]] || { echo "STREAM_PARTITIONS must be 1 to 64" >&2; exit 2; }
BASE_PORT=${BASE_PORT:-8080}
[[ "$ORDER_INSTANCES" =~ ^[1-9]$ ]] || { echo "ORDER_INSTANCES must be 1 to 9" >&2; exit 2; }

NAMES=(customer)
for n in $(seq 1 "$ORDER_INSTANCES"); do NAMES+=("order-$n"); done

port_of() {
  case "$1" in
    customer) echo "$BASE_PORT" ;;
    order-[1-9]) echo $((BASE_PORT + ${1#order-})) ;;
    *) echo "unknown service $1 (customer, order-1 ... order-$ORDER_INSTANCES)" >&2; exit 2 ;;
  esac
}
entry_of() {
  case "$1" in
    customer) echo "$repo/customer-service/dist/src/main.js" ;;
    order-*) echo "$repo/order-service/dist/src/main.js" ;;
  esac
}
# Each service's database (the one the tools' variables name, else its own account's) and its
# RabbitMQ account, as env assignments; none when neither is known (its defaults then apply).
accounts_of() {
  case "$1" in
    customer)
      echo "${CUSTOMER_DATABASE_URL:+DATABASE_URL=$CUSTOMER_DATABASE_URL}"
      [ -n "${CUSTOMER_DATABASE_URL:-}" ] || echo "${CUSTOMER_SERVICE_DATABASE_URL:+DATABASE_URL=$CUSTOMER_SERVICE_DATABASE_URL}"
      echo "${CUSTOMER_SERVICE_RABBITMQ_PASSWORD:+RABBITMQ_USER=customer-service RABBITMQ_PASSWORD=$CUSTOMER_SERVICE_RABBITMQ_PASSWORD}"
      ;;
    order-*)
      echo "${ORDER_DATABASE_URL:+DATABASE_URL=$ORDER_DATABASE_URL}"
      [ -n "${ORDER_DATABASE_URL:-}" ] || echo "${ORDER_SERVICE_DATABASE_URL:+DATABASE_URL=$ORDER_SERVICE_DATABASE_URL}"
      echo "${ORDER_SERVICE_RABBITMQ_PASSWORD:+RABBITMQ_USER=order-service RABBITMQ_PASSWORD=$ORDER_SERVICE_RABBITMQ_PASSWORD}"
      ;;
  esac
}

# The services' bearer tokens (OPERATOR_TOKEN: /admin, /replica, /internal; READER_TOKEN: the customer
# list): made once per run directory, readable by root only, handed to every service and, through the
# Makefile, to the tools. Delete the file (and restart) to change them.
ensure_tokens() {
  local file="$run/tokens.env"
  [ -s "$file" ] && return 0
  (
    umask 077
    printf 'OPERATOR_TOKEN=%s\nREADER_TOKEN=%s\n' \
      "$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')" \
      "$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')" >"$file"
  )
  echo "[services] made the services' tokens: $file (OPERATOR_TOKEN, READER_TOKEN)" >&2
}

pid_of() { [ -f "$run/$1.pid" ] && cat "$run/$1.pid" || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$(port_of "$1")/health" 2>/dev/null; }

# A process that is alive but no longer answers /health is shutting down (it closes HTTP first,
# e.g. after a SIGTERM): wait for it to exit (bounded), so that it can be started again.
wait_stopping() {
  local name=$1 pid
  pid=$(pid_of "$name")
  echo "[services] $name (pid $pid) is shutting down; waiting for it to exit" >&2
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; answers "$name" && return 0; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null && ! answers "$name"; then
    echo "[services] $name did not exit within 20 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
}

start_one() {
  local name=$1 port entry
  port=$(port_of "$name")
  entry=$(entry_of "$name")
  if alive "$name" && ! answers "$name"; then wait_stopping "$name"; fi
  if alive "$name"; then echo "[services] $name already running (pid $(pid_of "$name"))" >&2; return 0; fi
  [ -f "$entry" ] || { echo "[services] $entry is missing: run npm run build first" >&2; exit 1; }
  if timeout 1 bash -c ">/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    echo "[services] port $port is taken by another process; not starting $name" >&2
    exit 1
  fi
  # Settings of the infrastructure in use (scripts/infra.sh writes them), the services' tokens, and
  # each service's own accounts (scripts/infra/credentials.sh).
  ensure_tokens
  if [ -f "$run/infra.env" ]; then set -a; . "$run/infra.env"; set +a; fi
  set -a; . "$run/tokens.env"; set +a
  if [ -f "$repo/.run/credentials.env" ]; then set -a; . "$repo/.run/credentials.env"; set +a; fi
  # setsid: the process outlives this shell and a Ctrl-C in it.
  # --max-old-space-size: a service's budget is 200 MB resident. V8 sizes its heap limit from the
  # machine's RAM (4 GB here) and then lets the old space grow to 4x the live data before a full
  # collection: ~125 MB of garbage under load. Below a 2 GB limit the factor is smaller (~1.6 at
  # 1 GB), so customer-service peaks at ~155 MB instead of ~235 MB; 1 GB stays far above the live data.
  # --max-semi-space-size=8 (what the 1 GB limit gives anyway; V8's default here is 16): two alternating
  # pairs of 100k load runs showed no cost in creates (3,087 and 3,679 req/s against 3,841 and 2,988 with 16)
  # or replay (47.3k and 46.5k events/s against 48.3k and 43.2k), and customer-service's high-water mark
  # 173-179 MB against 195-205 MB.
  # shellcheck disable=SC2046 # the assignments are words without spaces (URLs, hex secrets)
  env $(accounts_of "$name") PORT="$port" INSTANCE_ID="$name" NODE_ENV="${NODE_ENV:-production}" \
    setsid node --max-old-space-size=1024 --max-semi-space-size=8 "$entry" >>"$run/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
}

wait_ready() {
  local name=$1 port deadline
  port=$(port_of "$name")
  deadline=$((SECONDS + ${2:-60}))
  while [ $SECONDS -lt $deadline ]; do
    if ! alive "$name"; then
      echo "[services] $name exited during start-up; last lines of $run/$name.log:" >&2
      tail -n 20 "$run/$name.log" >&2
      return 1
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "[services] $name did not become ready on port $port; last lines of $run/$name.log:" >&2
  tail -n 20 "$run/$name.log" >&2
  return 1
}

stop_one() {
  local name=$1 pid
  pid=$(pid_of "$name")
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then rm -f "$run/$name.pid"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "[services] $name did not stop within 15 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
}

# The system's shape, for later commands and for the tools (the Makefile and the reliability suite read it).
remember_system() {
  local n urls=()
  for n in $(seq 1 "$ORDER_INSTANCES"); do urls+=("http://127.0.0.1:$((BASE_PORT + n))"); done
  {
    echo "ORDER_INSTANCES=$ORDER_INSTANCES"
    echo "STREAM_PARTITIONS=$STREAM_PARTITIONS"
    echo "CUSTOMER_URL=http://127.0.0.1:$BASE_PORT"
    echo "ORDER_URLS=$(IFS=,; echo "${urls[*]}")"
  } >"$run/system.env"
}

case "${1:-}" in
  up)
    remember_system
    for name in "${NAMES[@]}"; do start_one "$name"; done
    for name in "${NAMES[@]}"; do wait_ready "$name"; done
    [ "$STREAM_PARTITIONS" = 1 ] || echo "stream            super stream of $STREAM_PARTITIONS partitions (remembered in $run/system.env)"
    echo "customer-service  http://127.0.0.1:$BASE_PORT  (docs http://127.0.0.1:$BASE_PORT/docs)"
    for n in $(seq 1 "$ORDER_INSTANCES"); do
      echo "order-service #$n  http://127.0.0.1:$((BASE_PORT + n))  (docs http://127.0.0.1:$((BASE_PORT + n))/docs)"
    done
    echo "RabbitMQ          http://127.0.0.1:15672 (operator, password in .run/credentials.env), stream port 5552"
    echo "tokens: $run/tokens.env (OPERATOR_TOKEN for /admin, /replica, /internal; READER_TOKEN for GET /customers)"
    echo "logs: make logs   stop: make down"
    ;;
  down) for name in "${NAMES[@]}"; do stop_one "$name"; done ;;
  start) start_one "${2:?name}"; wait_ready "$2" ;;
  stop) stop_one "${2:?name}" ;;
  logs)
    logs=()
    for name in "${NAMES[@]}"; do logs+=("$run/$name.log"); done
    exec tail -n 50 -F "${logs[@]}"
    ;;
  ports) for name in "${NAMES[@]}"; do echo "$name $(port_of "$name")"; done ;;
  status)
    for name in "${NAMES[@]}"; do
      if alive "$name"; then echo "$name: running (pid $(pid_of "$name"), port $(port_of "$name"))"; else echo "$name: stopped"; fi
    done
    ;;
  *) echo "usage: $0 up|down|start NAME|stop NAME|logs|status|ports" >&2; exit 2 ;;
esac
