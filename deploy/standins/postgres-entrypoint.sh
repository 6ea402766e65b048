#!/bin/sh
# The official postgres image's start, in short: as root, own the data folder and drop to
# the postgres user; on an empty PGDATA, initdb with POSTGRES_USER / POSTGRES_PASSWORD and
# create POSTGRES_DB (default: the user's name); then run the server on every address.
set -eu
BIN=/usr/lib/postgresql/bin
if [ "${1:-}" != postgres ]; then
  exec "$@"
fi
shift
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi
user=${POSTGRES_USER:-postgres}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}" > "$pwfile"
  "$BIN/initdb" -D "$PGDATA" --username="$user" --pwfile="$pwfile" --encoding=UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 > /dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  db=${POSTGRES_DB:-$user}
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | "$BIN/postgres" --single -D "$PGDATA" postgres > /dev/null
  fi
fi
exec "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
