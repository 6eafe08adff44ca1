#!/bin/sh
# Runs once, when the postgres service initializes its data directory: the visits table (loaded
# from /data/visits.csv if there is one) and the role mpcstats-party logs in as, which may only
# read that table.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -v reader_password="$(cat /run/mpcstats/reader_password)" <<'SQL'
CREATE TABLE visits (
  user_id text NOT NULL,
  store_category text NOT NULL,
  "timestamp" timestamptz NOT NULL,
  district text NOT NULL,
  is_weekend boolean NOT NULL,
  spend numeric(14, 4)
);
CREATE ROLE mpcstats_reader LOGIN PASSWORD :'reader_password';
GRANT SELECT ON visits TO mpcstats_reader;
SQL
if [ -f /data/visits.csv ]; then
  psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
    -c "\\copy visits FROM '/data/visits.csv' WITH (FORMAT csv, HEADER)"
fi
