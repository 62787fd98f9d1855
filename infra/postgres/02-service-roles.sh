#!/usr/bin/env bash
# Runs once, after 01-databases.sql, when the compose volume is empty (docker-entrypoint-initdb.d), as the superuser.
# The same accounts scripts/infra/postgres.sh makes on the local path (pg_service_roles): one role per service,
# owning only its own database (and so able to migrate it), unable to connect to the other's; the role app keeps
# CONNECT on both and reads every table and every statement's counters (the tools and the test suites). The passwords come from the container's
# environment (.run/compose/postgres.env, made by infra/compose/secrets.sh), never from the repository.
set -euo pipefail

: "${CUSTOMER_SERVICE_DB_PASSWORD:?is not set: run make compose-secrets (infra/compose/secrets.sh) before docker compose up}"
: "${ORDER_SERVICE_DB_PASSWORD:?is not set: run make compose-secrets (infra/compose/secrets.sh) before docker compose up}"

# psql variables (:'name') quote the passwords; they are read from standard input, never from a command line.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v customer_password="$CUSTOMER_SERVICE_DB_PASSWORD" -v order_password="$ORDER_SERVICE_DB_PASSWORD" <<'SQL'
CREATE ROLE customer_service LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'customer_password';
CREATE ROLE order_service LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'order_password';
ALTER DATABASE customer_db OWNER TO customer_service;
ALTER DATABASE order_db OWNER TO order_service;
REVOKE CONNECT, TEMPORARY ON DATABASE customer_db FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE order_db FROM PUBLIC;
GRANT CONNECT ON DATABASE customer_db TO customer_service, app;
GRANT CONNECT ON DATABASE order_db TO order_service, app;
GRANT pg_read_all_data, pg_read_all_stats, pg_signal_backend TO app;
\connect customer_db
ALTER SCHEMA public OWNER TO customer_service;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
\connect order_db
ALTER SCHEMA public OWNER TO order_service;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
