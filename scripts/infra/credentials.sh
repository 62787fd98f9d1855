# The infrastructure's accounts, made once and kept in .run/credentials.env (mode 600, sourced by
# scripts/infra.sh, scripts/services.sh and, for the tools, the Makefile):
#   customer-service: PostgreSQL role customer_service (owns customer_db, may not connect to order_db),
#                     RabbitMQ user customer-service (declares and writes the customer stream(s))
#   order-service:    PostgreSQL role order_service (owns order_db, may not connect to customer_db),
#                     RabbitMQ user order-service (reads the stream and stores its offsets; nothing else)
#   operator:         RabbitMQ administrator for people and tools (management UI, the test suites)
# The PostgreSQL role app/app (CREATEDB, reads every table) stays the developers' and the test
# suites' account on this loopback-only server; no service uses it. RabbitMQ's guest is deleted.
CREDENTIALS_FILE="$repo/.run/credentials.env"

random_secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

ensure_credentials() {
  mkdir -p "$repo/.run"
  [ -f "$CREDENTIALS_FILE" ] && . "$CREDENTIALS_FILE"
  local changed=
  for var in CUSTOMER_SERVICE_DB_PASSWORD ORDER_SERVICE_DB_PASSWORD CUSTOMER_SERVICE_RABBITMQ_PASSWORD ORDER_SERVICE_RABBITMQ_PASSWORD OPERATOR_RABBITMQ_PASSWORD; do
    if [ -z "${!var:-}" ]; then
      printf -v "$var" '%s' "$(random_secret)"
      changed=1
    fi
  done
  if [ -n "$changed" ] || [ ! -f "$CREDENTIALS_FILE" ]; then
    (
      umask 077
      cat >"$CREDENTIALS_FILE" <<CREDENTIALS
CUSTOMER_SERVICE_DB_PASSWORD=$CUSTOMER_SERVICE_DB_PASSWORD
ORDER_SERVICE_DB_PASSWORD=$ORDER_SERVICE_DB_PASSWORD
CUSTOMER_SERVICE_RABBITMQ_PASSWORD=$CUSTOMER_SERVICE_RABBITMQ_PASSWORD
ORDER_SERVICE_RABBITMQ_PASSWORD=$ORDER_SERVICE_RABBITMQ_PASSWORD
OPERATOR_RABBITMQ_PASSWORD=$OPERATOR_RABBITMQ_PASSWORD
CUSTOMER_SERVICE_DATABASE_URL=postgres://customer_service:$CUSTOMER_SERVICE_DB_PASSWORD@127.0.0.1:$PG_PORT/customer_db
ORDER_SERVICE_DATABASE_URL=postgres://order_service:$ORDER_SERVICE_DB_PASSWORD@127.0.0.1:$PG_PORT/order_db
CREDENTIALS
    )
    log "made the infrastructure's accounts: $CREDENTIALS_FILE"
  fi
}
