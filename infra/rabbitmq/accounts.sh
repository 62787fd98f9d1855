#!/usr/bin/env bash
# The compose path's RabbitMQ accounts, the same as scripts/infra/rabbitmq.sh makes on the local path
# (rmq_accounts): an administrator for people and tools, one user per service with only what it needs, no guest.
# Run by the one-shot compose service `rabbitmq-accounts` (the broker's image, reaching node 1 over Erlang
# distribution with the cluster's cookie) once every node is healthy, on every `docker compose up`: users and
# permissions are cluster-wide, and a changed password is applied again. The passwords come from the container's
# environment (.run/compose/rabbitmq-accounts.env, made by infra/compose/secrets.sh).
#
#   RABBITMQ_NODE (default rabbit@rabbitmq), RABBITMQ_ERLANG_COOKIE, and the three passwords below.
set -euo pipefail

for var in OPERATOR_RABBITMQ_PASSWORD CUSTOMER_SERVICE_RABBITMQ_PASSWORD ORDER_SERVICE_RABBITMQ_PASSWORD RABBITMQ_ERLANG_COOKIE; do
  [ -n "${!var:-}" ] || { echo "rabbitmq-accounts: $var is not set: run make compose-secrets (infra/compose/secrets.sh) before docker compose up" >&2; exit 1; }
done
node=${RABBITMQ_NODE:-rabbit@rabbitmq}

ctl() { rabbitmqctl --erlang-cookie "$RABBITMQ_ERLANG_COOKIE" -n "$node" "$@"; }

# A user with this password: created, or its password changed.
account() {
  local user=$1 password=$2
  if grep -qx "$user" <<<"$users"; then
    ctl change_password "$user" "$password" >/dev/null
  else
    ctl add_user "$user" "$password" >/dev/null
  fi
}

ctl await_startup --timeout 120 >/dev/null
users=$(ctl list_users --quiet --no-table-headers | awk '{print $1}')

account operator "$OPERATOR_RABBITMQ_PASSWORD"
ctl set_user_tags operator administrator >/dev/null
ctl set_permissions -p / operator '.*' '.*' '.*' >/dev/null
# customer-service declares its stream (or super stream: an exchange and its partitions) and writes to it;
# reading is what asking the broker for the last publishing id takes.
account customer-service "$CUSTOMER_SERVICE_RABBITMQ_PASSWORD"
ctl set_user_tags customer-service >/dev/null
ctl set_permissions -p / customer-service '^customer.*' '^customer.*' '^customer.*' >/dev/null
# order-service reads the stream and stores its offset (a read permission): nothing else.
account order-service "$ORDER_SERVICE_RABBITMQ_PASSWORD"
ctl set_user_tags order-service >/dev/null
ctl set_permissions -p / order-service '^$' '^$' '^customer.*' >/dev/null
if grep -qx guest <<<"$users"; then ctl delete_user guest >/dev/null && echo "rabbitmq-accounts: deleted the default user guest"; fi
echo "rabbitmq-accounts: operator, customer-service and order-service ready on $node"
