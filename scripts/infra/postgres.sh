# PostgreSQL 15 from the machine's packages (sourced by scripts/infra.sh; no Docker engine).
# PG_CLUSTER and PGPORT name another cluster of the machine (pg_createcluster), e.g. one whose crash
# disturbs nobody else: PG_CLUSTER=chaos PGPORT=5532 scripts/infra.sh postgres-crash.
PG_VERSION=15
PG_CLUSTER=${PG_CLUSTER:-main}
PG_PORT=${PGPORT:-5432}
DB_USER=${DB_USER:-app}
DB_PASSWORD=${DB_PASSWORD:-app}
DATABASES=(customer_db order_db)

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

# A crash, not a clean stop: no checkpoint, commits made with synchronous_commit=off may be lost.
pg_crash() {
  pg_ctlcluster $PG_VERSION $PG_CLUSTER stop -m immediate 2>/dev/null || true
  mkdir -p "$repo/.run" && touch "$repo/.run/postgres.started-by-infra"
}
