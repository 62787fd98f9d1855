# PostgreSQL 15 from the machine's packages (sourced by scripts/infra.sh; no Docker engine).
# PG_CLUSTER and PGPORT name another cluster of the machine, e.g. one whose crash disturbs nobody else
# (make test-chaos-cluster): PG_CLUSTER=chaos PGPORT=5532 scripts/infra.sh up. `up` creates it when it
# does not exist (pg_createcluster) and marks it as the project's: `down` stops such clusters, `clean`
# removes them; main is only ever stopped (and then only when `up` started it), never removed.
PG_VERSION=15
PG_CLUSTER=${PG_CLUSTER:-main}
PG_PORT=${PGPORT:-5432}
PG_OWN_MARK=created-by-rabbitmq-streams-demo
DB_USER=${DB_USER:-app}
DB_PASSWORD=${DB_PASSWORD:-app}
DATABASES=(customer_db order_db)

pg_psql() { runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }

pg_up() {
  if [ ! -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]; then
    apt_install postgresql-$PG_VERSION
  fi
  # A cluster of ours removed by `clean` may have left its configuration directory (our files in it): made anew.
  if [ -f /etc/postgresql/$PG_VERSION/$PG_CLUSTER/$PG_OWN_MARK ] && [ ! -f /etc/postgresql/$PG_VERSION/$PG_CLUSTER/postgresql.conf ]; then
    rm -rf "/etc/postgresql/$PG_VERSION/$PG_CLUSTER"
  fi
  if [ ! -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]; then
    log "creating PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster $PG_VERSION $PG_CLUSTER -p "$PG_PORT" >/dev/null
    [ "$PG_CLUSTER" = main ] || touch /etc/postgresql/$PG_VERSION/$PG_CLUSTER/$PG_OWN_MARK
  fi
  # The project's server settings (infra/postgresql.conf), taken at the server's start: a cluster already
  # running takes a change at its next restart.
  local conf_d=/etc/postgresql/$PG_VERSION/$PG_CLUSTER/conf.d settings_changed=""
  rm -f "$conf_d/stat-statements.conf" # this file's first version held only pg_stat_statements
  if ! cmp -s "$repo/infra/postgresql.conf" "$conf_d/rabbitmq-streams-demo.conf"; then
    cp "$repo/infra/postgresql.conf" "$conf_d/rabbitmq-streams-demo.conf"
    settings_changed=1
  fi
  if ! pg_online; then
    if port_open "$PG_PORT"; then
      die "port $PG_PORT is taken by something other than the PostgreSQL $PG_VERSION/$PG_CLUSTER cluster"
    fi
    log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER on port $PG_PORT"
    pg_ctlcluster $PG_VERSION $PG_CLUSTER start
    # Remember that we started it: `down` stops only what `up` started.
    pg_mark_started
  elif [ -n "$settings_changed" ]; then
    log "PostgreSQL's settings changed (infra/postgresql.conf); they apply at its next start: make down && make up"
  fi
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL did not become ready on port $PG_PORT"
  pg_service_roles
  # Password authentication over TCP, as the services and the tools use it.
  PGPASSWORD=$DB_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d customer_db -qAtc 'SELECT 1' >/dev/null \
    || die "cannot log in to PostgreSQL as $DB_USER with a password over TCP"
  PGPASSWORD=$ORDER_SERVICE_DB_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U order_service -d order_db -qAtc 'SELECT 1' >/dev/null \
    || die "cannot log in to PostgreSQL as order_service with a password over TCP"
  log "PostgreSQL ready: customer_db (role customer_service), order_db (role order_service), 127.0.0.1:$PG_PORT; tools and tests: $DB_USER"
}

# The tools' role ($DB_USER: CREATEDB, reads every table, for the developers and the test suites) and
# one role per service, owning only its own database (and so able to migrate it), unable to connect
# to the other's; the same statements as the compose path's infra/postgres/02-service-roles.sh, made
# idempotent. Tables the services made before these roles existed change hands. One psql session
# (psql variables quote the names and passwords; PGOPTIONS quiets the NOTICEs of every connection, \connect's
# too): `up` runs on every second system's start.
pg_service_roles() {
  PGOPTIONS="-c client_min_messages=warning" pg_psql -v app="$DB_USER" -v app_password="$DB_PASSWORD" \
    -v customer_password="$CUSTOMER_SERVICE_DB_PASSWORD" -v order_password="$ORDER_SERVICE_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY[:'app', 'customer_service', 'order_service']) AS r
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE :"app" LOGIN CREATEDB PASSWORD :'app_password';
ALTER ROLE customer_service LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'customer_password';
ALTER ROLE order_service LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'order_password';
SELECT format('CREATE DATABASE %I', d) FROM unnest(ARRAY['customer_db', 'order_db']) AS d
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec
ALTER DATABASE customer_db OWNER TO customer_service;
ALTER DATABASE order_db OWNER TO order_service;
REVOKE CONNECT, TEMPORARY ON DATABASE customer_db FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE order_db FROM PUBLIC;
GRANT CONNECT ON DATABASE customer_db TO customer_service, :"app";
GRANT CONNECT ON DATABASE order_db TO order_service, :"app";
-- The tools (e2e, load test, chaos) read both databases, and the statements' statistics. pg_signal_backend: the
-- tests drop their databases WITH (FORCE), which must end every session in them, an autovacuum worker's too.
GRANT pg_read_all_data, pg_read_all_stats, pg_signal_backend TO :"app";
\connect customer_db
ALTER SCHEMA public OWNER TO customer_service;
SELECT format('ALTER TABLE public.%I OWNER TO customer_service', tablename) FROM pg_tables
  WHERE schemaname = 'public' AND tableowner <> 'customer_service' \gexec
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
\connect order_db
ALTER SCHEMA public OWNER TO order_service;
SELECT format('ALTER TABLE public.%I OWNER TO order_service', tablename) FROM pg_tables
  WHERE schemaname = 'public' AND tableowner <> 'order_service' \gexec
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
}

# The marker of a cluster `up` started (main's keeps its first name).
pg_started_marker() {
  if [ "$PG_CLUSTER" = main ]; then echo "$repo/.run/postgres.started-by-infra"; else echo "$repo/.run/postgres-$PG_CLUSTER.started-by-infra"; fi
}
pg_mark_started() { mkdir -p "$repo/.run" && touch "$(pg_started_marker)"; }

# The clusters other than main that `up` created (PG_CLUSTER), e.g. make test-chaos-cluster's.
pg_own_clusters() {
  local conf
  for conf in /etc/postgresql/$PG_VERSION/*/$PG_OWN_MARK; do [ -f "$conf" ] && basename "$(dirname "$conf")"; done
  return 0
}

# Whether the project's cluster is up (pg_lsclusters: version, cluster, port, status, ...).
pg_online() {
  command -v pg_lsclusters >/dev/null 2>&1 &&
    pg_lsclusters -h | awk -v v=$PG_VERSION -v c=$PG_CLUSTER '$1==v && $2==c {print $4}' | grep -q online
}

pg_down_own_clusters() {
  local cluster
  for cluster in $(pg_own_clusters); do pg_ctlcluster $PG_VERSION "$cluster" stop 2>/dev/null || true; rm -f "$repo/.run/postgres-$cluster.started-by-infra"; done
}

pg_drop_own_clusters() {
  local cluster
  for cluster in $(pg_own_clusters); do
    log "removing PostgreSQL cluster $PG_VERSION/$cluster"
    pg_dropcluster --stop $PG_VERSION "$cluster" || true
    # pg_dropcluster leaves the files it did not make (conf.d's settings, the mark).
    rm -rf "/etc/postgresql/$PG_VERSION/$cluster"
    rm -f "$repo/.run/postgres-$cluster.started-by-infra"
  done
}

pg_down() {
  local marker
  marker=$(pg_started_marker)
  if [ "${1:-}" != force ] && [ ! -f "$marker" ]; then
    if pg_online; then log "PostgreSQL was running before 'up'; leaving it running"; fi
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]; then
    pg_ctlcluster $PG_VERSION $PG_CLUSTER stop 2>/dev/null || true
  fi
  rm -f "$marker"
}

pg_clean() {
  local started=""
  # A stopped cluster still holds the databases: started for the drop, stopped again after. Left
  # behind, a replica in order_db would point into a stream that the RabbitMQ clean removed.
  if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null && [ -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]; then
    pg_ctlcluster $PG_VERSION $PG_CLUSTER start && started=1
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.5; done
  fi
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
    for db in "${DATABASES[@]}"; do pg_psql -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done
    # Databases the test suites create for themselves.
    for db in $(pg_psql -c "SELECT datname FROM pg_database WHERE datname LIKE 'test\_%'"); do
      pg_psql -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true
    done
  fi
  if [ -n "$started" ]; then pg_ctlcluster $PG_VERSION $PG_CLUSTER stop; fi
}

# A crash, not a clean stop: no checkpoint, commits made with synchronous_commit=off may be lost.
pg_crash() {
  pg_ctlcluster $PG_VERSION $PG_CLUSTER stop -m immediate 2>/dev/null || true
  pg_mark_started
}
