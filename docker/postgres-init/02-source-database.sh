#!/usr/bin/env bash
# Creates the database that `postgres` data sources read (CT_SOURCE_DB_NAME) and the role the workers read it
# with (CT_SOURCE_READER_USER, the user of their CT_SOURCE_DATABASE_URL). The reader may connect to that
# database and SELECT from the tables of its public schema, nothing else: no writes, no new tables, no other
# database. The pipeline runs each query in a READ ONLY transaction as well; this role is what still holds if
# a query finds a way around that (a function that writes, say).
#
# Load the data as the superuser (POSTGRES_USER): tables it creates in public later are readable by the
# reader too (default privileges). Tables another role creates need `GRANT SELECT ... TO <reader>`.
#
# Like 01-databases.sh: run once, on an empty data volume; sourced, so no `exit` and no shell options here.

: "${CT_SOURCE_DB_NAME:?must be set}" "${CT_SOURCE_READER_USER:?must be set}"
: "${CT_SOURCE_READER_PASSWORD:?must be set}"

# psql variables (:"ident", :'literal') quote the values, also in \connect.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$CT_SOURCE_DB_NAME" -v reader="$CT_SOURCE_READER_USER" -v password="$CT_SOURCE_READER_PASSWORD" <<'SQL'
CREATE ROLE :"reader" LOGIN PASSWORD :'password';
-- Any transaction of the reader is read-only unless it asks otherwise.
ALTER ROLE :"reader" SET default_transaction_read_only = on;
CREATE DATABASE :"db";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"reader";
\connect :"db"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"reader";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
SQL
