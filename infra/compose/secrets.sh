#!/usr/bin/env bash
# The compose path's secrets: one env file per container in .run/compose/ (mode 600, never in the repository),
# which docker-compose.yml hands to each container with `env_file`, so that each one gets only its own.
#
#   bash infra/compose/secrets.sh        (make compose-secrets; scripts/infra.sh up runs it on the Docker path)
#
# The values are those of the local path, made once and kept: the services' PostgreSQL and RabbitMQ passwords
# and RabbitMQ's operator in .run/credentials.env (scripts/infra/credentials.sh), the bearer tokens in
# .run/tokens.env (as scripts/services.sh makes them). So the services started on the host by
# `make dependencies` with a Docker engine and those in containers use the same accounts, and the tools
# (make run-e2e, ...) find the tokens where they always do. Only compose's own secrets are made here:
# PostgreSQL's superuser password, the Erlang cookie of the RabbitMQ nodes and Grafana's admin password.
#
#   .run/compose/postgres.env           POSTGRES_PASSWORD, CUSTOMER_SERVICE_DB_PASSWORD, ORDER_SERVICE_DB_PASSWORD
#                                       (infra/postgres/02-service-roles.sh makes the roles with them)
#   .run/compose/rabbitmq.env           RABBITMQ_ERLANG_COOKIE (every node and the accounts step)
#   .run/compose/rabbitmq-accounts.env  the three RabbitMQ users' passwords (infra/rabbitmq/accounts.sh)
#   .run/compose/customer.env           customer-service: DATABASE_URL, RABBITMQ_USER/PASSWORD, OPERATOR_TOKEN, READER_TOKEN
#   .run/compose/order.env              order-service: DATABASE_URL, RABBITMQ_USER/PASSWORD, OPERATOR_TOKEN
#   .run/compose/grafana.env            GF_SECURITY_ADMIN_PASSWORD (user admin)
#
# PROJECT_DIR (default: the repository) is where .run/ is; the tests point it elsewhere.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
project=${PROJECT_DIR:-$repo}
run="$project/.run"
out="$run/compose"

log() { printf '[compose-secrets] %s\n' "$*" >&2; }

# The accounts of the local path: credentials.sh keeps them in $repo/.run/credentials.env (its URLs name the port
# that compose publishes PostgreSQL on, as the local path's server listens on it).
(
  # shellcheck disable=SC2034 # read by credentials.sh
  repo=$project PG_PORT=5432
  # shellcheck source=../../scripts/infra/credentials.sh
  . "$here/../../scripts/infra/credentials.sh"
  ensure_credentials
)
# shellcheck disable=SC1091
. "$run/credentials.env"

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# NAME's value in FILE (an env file), or nothing.
value_in() { [ -f "$2" ] && sed -n "s/^$1=//p" "$2" | tail -n 1 || true; }

# The services' tokens: .run/tokens.env as scripts/services.sh makes it (kept when it exists).
tokens="$run/tokens.env"
if [ ! -s "$tokens" ]; then
  (umask 077 && printf 'OPERATOR_TOKEN=%s\nREADER_TOKEN=%s\n' "$(random_hex 32)" "$(random_hex 32)" >"$tokens")
  log "made the services' tokens: $tokens"
fi
OPERATOR_TOKEN=$(value_in OPERATOR_TOKEN "$tokens")
READER_TOKEN=$(value_in READER_TOKEN "$tokens")
[ -n "$OPERATOR_TOKEN" ] && [ -n "$READER_TOKEN" ] || { log "error: $tokens lacks OPERATOR_TOKEN or READER_TOKEN"; exit 1; }

# Compose's own secrets, kept once made (PostgreSQL and Grafana apply theirs when their volume is new).
POSTGRES_PASSWORD=$(value_in POSTGRES_PASSWORD "$out/postgres.env")
RABBITMQ_ERLANG_COOKIE=$(value_in RABBITMQ_ERLANG_COOKIE "$out/rabbitmq.env")
GRAFANA_PASSWORD=$(value_in GF_SECURITY_ADMIN_PASSWORD "$out/grafana.env")

(
  umask 077
  mkdir -p "$out"
  chmod 700 "$out"
  cat >"$out/postgres.env" <<EOF
POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-$(random_hex 24)}
CUSTOMER_SERVICE_DB_PASSWORD=$CUSTOMER_SERVICE_DB_PASSWORD
ORDER_SERVICE_DB_PASSWORD=$ORDER_SERVICE_DB_PASSWORD
EOF
  cat >"$out/rabbitmq.env" <<EOF
RABBITMQ_ERLANG_COOKIE=${RABBITMQ_ERLANG_COOKIE:-$(random_hex 24)}
EOF
  cat >"$out/rabbitmq-accounts.env" <<EOF
OPERATOR_RABBITMQ_PASSWORD=$OPERATOR_RABBITMQ_PASSWORD
CUSTOMER_SERVICE_RABBITMQ_PASSWORD=$CUSTOMER_SERVICE_RABBITMQ_PASSWORD
ORDER_SERVICE_RABBITMQ_PASSWORD=$ORDER_SERVICE_RABBITMQ_PASSWORD
EOF
  cat >"$out/customer.env" <<EOF
DATABASE_URL=postgres://customer_service:$CUSTOMER_SERVICE_DB_PASSWORD@postgres:5432/customer_db
RABBITMQ_USER=customer-service
RABBITMQ_PASSWORD=$CUSTOMER_SERVICE_RABBITMQ_PASSWORD
OPERATOR_TOKEN=$OPERATOR_TOKEN
READER_TOKEN=$READER_TOKEN
EOF
  cat >"$out/order.env" <<EOF
DATABASE_URL=postgres://order_service:$ORDER_SERVICE_DB_PASSWORD@postgres:5432/order_db
RABBITMQ_USER=order-service
RABBITMQ_PASSWORD=$ORDER_SERVICE_RABBITMQ_PASSWORD
OPERATOR_TOKEN=$OPERATOR_TOKEN
EOF
  cat >"$out/grafana.env" <<EOF
GF_SECURITY_ADMIN_PASSWORD=${GRAFANA_PASSWORD:-$(random_hex 16)}
EOF
)
log "wrote $out/{postgres,rabbitmq,rabbitmq-accounts,customer,order,grafana}.env (Grafana: user admin, password in grafana.env)"
