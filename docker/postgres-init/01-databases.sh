#!/usr/bin/env bash
# Creates ct's application database and MLflow's database, each owned by its own login role, so that neither
# service can read or change the other's tables.
#
# The postgres image runs this once, when the data volume is empty; later changes to the variables below have
# no effect on an existing volume. The image sources (rather than executes) a script without the execute bit,
# so this file neither calls `exit` nor changes shell options: failures stop the init through ON_ERROR_STOP and
# the entrypoint's own `set -e`.

# Check every variable before creating anything: a half-done init is not retried on the next start.
: "${CT_DB_NAME:?must be set}" "${CT_DB_USER:?must be set}" "${CT_DB_PASSWORD:?must be set}"
: "${MLFLOW_DB_NAME:?must be set}" "${MLFLOW_DB_USER:?must be set}" "${MLFLOW_DB_PASSWORD:?must be set}"

ct_create_database() {
  local db="$1" user="$2" password="$3"
  # psql variables (:"ident", :'literal') quote the values, so names and passwords need no escaping here.
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$db" -v user="$user" -v password="$password" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
-- New databases grant CONNECT to PUBLIC by default; keep each role to its own database.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
}

ct_create_database "$CT_DB_NAME" "$CT_DB_USER" "$CT_DB_PASSWORD"
ct_create_database "$MLFLOW_DB_NAME" "$MLFLOW_DB_USER" "$MLFLOW_DB_PASSWORD"
