#!/bin/sh
# Creates redprop's database and its three roles on the first start of an empty
# PostgreSQL data volume (run by the postgres image from /docker-entrypoint-initdb.d).
set -e
: "${REDPROP_OWNER_PASSWORD:?}" "${REDPROP_APP_PASSWORD:?}" "${REDPROP_WORKER_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_pw="$REDPROP_OWNER_PASSWORD" \
     -v app_pw="$REDPROP_APP_PASSWORD" \
     -v worker_pw="$REDPROP_WORKER_PASSWORD" <<'SQL'
-- Owns every table; used only by `redprop db upgrade`.
CREATE ROLE redprop_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_pw';
-- Serves requests: not superuser, not owner, no BYPASSRLS, so row-level security applies.
CREATE ROLE redprop_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_pw';
-- Audited cross-scope sessions (REDPROP_CROSS_SCOPE_DATABASE_URL of app and worker): the
-- policies let a member of this role see every compound (core_0005), so it needs no BYPASSRLS.
-- Never make redprop_app a member of it (the migration refuses to run if it is).
CREATE ROLE redprop_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'worker_pw';

CREATE DATABASE redprop OWNER redprop_owner;

\connect redprop

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO redprop_app, redprop_worker;
-- Tables do not exist yet: grant on whatever redprop_owner creates later (the core's
-- migrations grant both roles again).
ALTER DEFAULT PRIVILEGES FOR ROLE redprop_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO redprop_app, redprop_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE redprop_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO redprop_app, redprop_worker;
SQL
