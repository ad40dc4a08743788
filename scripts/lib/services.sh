# Redis, PostgreSQL and the MLflow tracking server as local processes on loopback ports.
# shellcheck shell=bash

redis_answers() { redis-cli -h 127.0.0.1 -p "$CT_REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  local log="$LOG_DIR/redis.log"
  if [[ -n "$REDIS_EXTERNAL" ]]; then
    wait_until "Redis at $REDIS_URL (external)" 30 /dev/null tcp_open $(url_host_port "$REDIS_URL")
    return 0
  fi
  if redis_answers; then
    pid_alive redis || die "port $CT_REDIS_PORT already serves a Redis that this stack did not start; stop it or set CT_REDIS_PORT"
    ok "Redis already runs on 127.0.0.1:$CT_REDIS_PORT"
    return 0
  fi
  mkdir -p "$DATA_DIR/redis"
  say "Starting Redis on 127.0.0.1:$CT_REDIS_PORT (log: ${log#"$ROOT"/})"
  # AOF keeps queued jobs across restarts; BullMQ needs noeviction so that Redis never drops its keys.
  start_daemon redis "$log" redis-server --port "$CT_REDIS_PORT" --bind 127.0.0.1 --dir "$DATA_DIR/redis" \
    --appendonly yes --maxmemory-policy noeviction --save '' --daemonize no
  wait_until "Redis on port $CT_REDIS_PORT" 30 "$log" redis_answers
}

# The cluster runs as the postgres user when we are root (initdb refuses root), so its folder must be
# reachable by that user; when the checkout sits under a private home folder it moves to /var/tmp.
postgres_dir() {
  local dir="$DATA_DIR/postgres"
  if is_root && ! runuser -u postgres -- test -x "$DATA_DIR" 2>/dev/null; then
    dir="/var/tmp/ct-postgres-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  fi
  echo "$dir"
}

as_postgres() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

postgres_answers() { as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$CT_POSTGRES_PORT"; }

psql_admin() {
  as_postgres "$PG_BIN/psql" -v ON_ERROR_STOP=1 -h "$PG_DIR/socket" -p "$CT_POSTGRES_PORT" -U postgres -d postgres -tAq "$@"
}

start_postgres() {
  local log
  if [[ -n "$POSTGRES_EXTERNAL" ]]; then
    wait_until "Postgres at ${DATABASE_URL%%@*}@… (external)" 30 /dev/null tcp_open $(url_host_port "$DATABASE_URL")
    return 0
  fi
  PG_BIN="$(postgres_bindir)" || die "PostgreSQL is not installed"
  PG_DIR="$(postgres_dir)"
  [[ "$PG_DIR" == "$DATA_DIR"/* ]] || note "the postgres user cannot enter $DATA_DIR: the cluster lives in $PG_DIR"
  # The server writes its log as the postgres user, so the log sits beside the cluster, linked from logs/.
  log="$PG_DIR/postgres.log"
  mkdir -p "$PG_DIR/data" "$PG_DIR/socket"
  touch "$log"
  ln -sfn "$log" "$LOG_DIR/postgres.log"
  if is_root; then chown -R postgres "$PG_DIR"; fi
  if [[ ! -f "$PG_DIR/data/PG_VERSION" ]]; then
    chmod 700 "$PG_DIR/data"
    step "Creating a PostgreSQL cluster in $PG_DIR/data" postgres-initdb \
      as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8
  fi
  if postgres_answers; then
    [[ -f "$PG_DIR/data/postmaster.pid" ]] || die "port $CT_POSTGRES_PORT already serves a PostgreSQL that this stack did not start; stop it or set CT_POSTGRES_PORT"
    ok "PostgreSQL already runs on 127.0.0.1:$CT_POSTGRES_PORT"
  else
    step "Starting PostgreSQL on 127.0.0.1:$CT_POSTGRES_PORT" postgres-start \
      as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$log" -w -t 60 start \
      -o "-p $CT_POSTGRES_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR/socket"
    wait_until "PostgreSQL on port $CT_POSTGRES_PORT" 30 "$log" postgres_answers
  fi
  # The app's role and database; CREATEDB lets tests make throw-away databases.
  if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'ct'")" != 1 ]]; then
    psql_admin -c "CREATE ROLE ct LOGIN CREATEDB PASSWORD 'ct'" >/dev/null || die "could not create the role ct" "$log"
  fi
  if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'ct'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE ct OWNER ct" >/dev/null || die "could not create the database ct" "$log"
  fi
  ok "database ct and role ct are ready"
}

stop_postgres() {
  [[ -n "$POSTGRES_EXTERNAL" ]] && return 0
  PG_BIN="$(postgres_bindir)" || return 0
  PG_DIR="$(postgres_dir)"
  if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
    say "Stopping PostgreSQL"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
  fi
}

mlflow_answers() { curl -fsS --max-time 2 "$MLFLOW_TRACKING_URI/health" >/dev/null 2>&1; }

start_mlflow() {
  local log="$LOG_DIR/mlflow.log" mlflow="$ROOT/pipeline/.venv/bin/mlflow"
  if [[ -n "$MLFLOW_EXTERNAL" ]]; then
    wait_until "MLflow at $MLFLOW_TRACKING_URI (external)" 60 /dev/null mlflow_answers
    return 0
  fi
  if mlflow_answers; then
    pid_alive mlflow || die "port $CT_MLFLOW_PORT already serves an MLflow that this stack did not start; stop it or set CT_MLFLOW_PORT"
    ok "MLflow already runs on 127.0.0.1:$CT_MLFLOW_PORT"
    return 0
  fi
  [[ -x "$mlflow" ]] || die "MLflow is not installed in pipeline/.venv; run: bash scripts/stack.sh setup"
  mkdir -p "$DATA_DIR/mlflow/artifacts"
  say "Starting the MLflow tracking server on 127.0.0.1:$CT_MLFLOW_PORT (log: ${log#"$ROOT"/})"
  # SQLite backend and local artifacts served through the server (mlflow-artifacts:/), so clients need no
  # access to the artifact folder.
  start_daemon mlflow "$log" "$mlflow" server --host 127.0.0.1 --port "$CT_MLFLOW_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$DATA_DIR/mlflow/mlflow.db" \
    --artifacts-destination "$DATA_DIR/mlflow/artifacts"
  wait_until "MLflow on port $CT_MLFLOW_PORT" 180 "$log" mlflow_answers
}

services_up() {
  start_redis
  start_postgres
  start_mlflow
}

services_down() {
  [[ -z "$MLFLOW_EXTERNAL" ]] && stop_daemon mlflow
  stop_postgres
  [[ -z "$REDIS_EXTERNAL" ]] && stop_daemon redis
  return 0
}

service_status() {
  local name="$1" url="$2"
  shift 2
  if "$@" >/dev/null 2>&1; then printf '  %-9s %sup%s    %s\n' "$name" "$GREEN" "$RESET" "$url"
  else printf '  %-9s %sdown%s  %s\n' "$name" "$RED" "$RESET" "$url"; fi
}
