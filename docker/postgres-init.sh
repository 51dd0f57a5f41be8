#!/bin/sh
# Runs once, when the postgres container initialises an empty volume
# (/docker-entrypoint-initdb.d). Creates the owner Cariosan migrates with: not a superuser,
# but CREATEROLE, so the server can create the login role it serves requests through
# (cariosan_app_<database>, its password derived from CARIOSAN_MASTER_KEY, unable to bypass
# row-level security). Only that role and the owner may connect to the database.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set owner_password="$CARIOSAN_OWNER_PASSWORD" <<'SQL'
create role cariosan login createrole password :'owner_password';
create database cariosan owner cariosan;
revoke connect, temporary on database cariosan from public;
SQL
