#!/bin/sh
# /docker-entrypoint-initdb.d script of the postgres container (runs once, on an empty volume):
# one role and one database per service, taken from the same ASHYQ_<SVC>_DATABASE_URL values
# the services use (postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB).
set -eu
for url in "$ASHYQ_BUDGET_DATABASE_URL" "$ASHYQ_APPEALS_DATABASE_URL" \
           "$ASHYQ_MEDIA_DATABASE_URL" "$ASHYQ_NOTIFY_DATABASE_URL"; do
    rest="${url#*://}"
    creds="${rest%%@*}"
    user="${creds%%:*}"
    pass="${creds#*:}"
    db="${rest##*/}"
    db="${db%%\?*}"
    echo "ashyq: role $user, database $db"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
         -v user="$user" -v pass="$pass" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'user', :'pass')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
done
