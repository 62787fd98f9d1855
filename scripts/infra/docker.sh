# The Docker path (sourced by scripts/infra.sh when a Docker engine answers, or with INFRA=docker): the same verbs
# on the compose services `postgres` and `rabbitmq` (node 1), `rabbitmq-2`, `rabbitmq-3` (profile cluster, used when
# BROKER_NODES > 1). infra/test/docker-path.unit.test.ts checks each verb's compose call with a fake docker.
# `up` makes compose's env files first (infra/compose/secrets.sh; PROJECT_DIR: where .run/ is, the repository by
# default), so that the containers get the accounts of .run/credentials.env.

docker_engine() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

docker_rabbitmq_service() {
  case "${1:-1}" in
    1) echo rabbitmq ;;
    2 | 3) echo "rabbitmq-$1" ;;
    *) die "node $1: compose runs RabbitMQ nodes 1 to 3" ;;
  esac
}

# The services of the given node, or of every node of the broker in use.
docker_rabbitmq_services() {
  if [ -n "${1:-}" ]; then docker_rabbitmq_service "$1"; return; fi
  local k
  for k in $(seq 1 "${BROKER_NODES:-1}"); do docker_rabbitmq_service "$k"; done
}

docker_main() {
  cd "$repo"
  local profile=() nodes=()
  [ "${BROKER_NODES:-1}" -gt 1 ] && profile=(--profile cluster)
  # The compose services a node verb acts on, resolved first: a bad or missing node number stops the script
  # here (inside the compose command's arguments, the error would only end a subshell, and compose would run).
  case "$1" in
    rabbitmq-stop | rabbitmq-start) mapfile -t nodes < <(docker_rabbitmq_services "${2:-}") && [ "${#nodes[@]}" -gt 0 ] || die "no such node: ${2:-}" ;;
    rabbitmq-kill | rabbitmq-pause | rabbitmq-resume)
      : "${2:?node number}"
      mapfile -t nodes < <(docker_rabbitmq_service "$2") && [ "${#nodes[@]}" -gt 0 ] || die "no such node: $2"
      ;;
  esac
  case "$1" in
    up)
      if [ "${BROKER_NODES:-1}" -gt 1 ]; then
        # The nodes advertise their compose service names, which only containers resolve.
        die "a cluster with Docker runs entirely in containers: docker compose --env-file infra/rabbitmq/cluster.env up --build"
      fi
      # The accounts of .run/credentials.env (the local path's, made once) and the tokens, as compose's env files.
      bash "$repo/infra/compose/secrets.sh"
      docker compose up -d --wait postgres rabbitmq
      # The services' RabbitMQ users and the operator; guest deleted (one-shot, exits when done).
      docker compose run --rm rabbitmq-accounts
      # The broker's operator for the tools and tests on the host (the services find their own accounts in
      # .run/credentials.env): scripts/services.sh and the Makefile's test targets read this file (in RUN_DIR).
      local run_dir operator_password
      run_dir=$(mkdir -p "${RUN_DIR:-.run}" && cd "${RUN_DIR:-.run}" && pwd)
      # shellcheck disable=SC1091
      operator_password=$(. "${PROJECT_DIR:-$repo}/.run/credentials.env" && echo "$OPERATOR_RABBITMQ_PASSWORD")
      (umask 077 && printf 'RABBITMQ_USER=operator\nRABBITMQ_PASSWORD=%s\n' "$operator_password" >"$run_dir/infra.env")
      ;;
    down) docker compose "${profile[@]}" stop ;;
    clean) docker compose --profile cluster down -v ;;
    status) docker compose "${profile[@]}" ps ;;
    rabbitmq-stop) docker compose "${profile[@]}" stop "${nodes[@]}" ;;
    rabbitmq-start) docker compose "${profile[@]}" up -d --wait "${nodes[@]}" ;;
    rabbitmq-kill) docker compose "${profile[@]}" kill -s KILL "${nodes[@]}" ;;
    rabbitmq-pause) docker compose "${profile[@]}" pause "${nodes[@]}" ;;
    rabbitmq-resume) docker compose "${profile[@]}" unpause "${nodes[@]}" ;;
    postgres-stop) docker compose stop postgres ;;
    postgres-start) docker compose up -d --wait postgres ;;
    postgres-crash) docker compose kill -s KILL postgres ;;
    restart-stream) docker compose exec -T rabbitmq rabbitmq-streams restart_stream "${2:?stream name}" ;;
    stream-leader)
      docker compose exec -T rabbitmq rabbitmq-streams stream_status "${2:?stream name}" --formatter json |
        node -e 'const rows = JSON.parse(require("fs").readFileSync(0, "utf8")); const w = rows.find((r) => r.role === "writer"); const m = /^rabbit@rabbitmq(?:-(\d))?$/.exec(w?.node ?? ""); if (!m) process.exit(1); console.log(m[1] ?? "1");'
      ;;
    *) usage ;;
  esac
}
