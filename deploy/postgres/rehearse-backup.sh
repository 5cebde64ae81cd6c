#!/usr/bin/env bash
# Rehearses the whole-instance backup of deploy/backup.md on this machine:
#   A. logical dump, on the local PostgreSQL (127.0.0.1:5432 as postgres, trust auth; PGHOST/PGPORT/PGUSER):
#      scratch database -> migrate + demo city -> attachment store -> pg_dump -Fc + tar of the store
#      -> DROP the database and the store -> restore both under new names -> compare every table
#      (row count and an md5 of its rows) and every attachment's sha256.
#   B. base backup + WAL archiving, on a private throw-away server (initdb in the scratch directory, port
#      PITR_PORT, default 5499, unix socket only) with archive_mode on: the dump restored into it ->
#      pg_basebackup -> a change -> the moment T -> a bad change -> WAL switched and archived -> server
#      stopped, data directory replaced by the base backup, recovery with restore_command and
#      recovery_target_time = T -> compare every table with the state at T (the change in, the bad one out).
# Scratch names end in the process id; everything is dropped or stopped on exit (even on failure).
#
#   deploy/postgres/rehearse-backup.sh            # from the repository root (as root, B runs as user postgres)
#   SKIP_PITR=1 deploy/postgres/rehearse-backup.sh  # A only
#   KEEP=1 deploy/postgres/rehearse-backup.sh     # keep the dump and the restored database for a look
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY="$ROOT/.venv/bin/python"
REDPROP="$ROOT/.venv/bin/redprop"
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
SRC="redprop_rehearse_src_$$"
DST="redprop_rehearse_dst_$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/redprop-rehearse.XXXXXX")
STORE="$WORK/files"              # the attachment store (REDPROP_STORAGE_URL=file://…)
RESTORED_STORE="$WORK/files-restored"

PITR_PORT=${PITR_PORT:-5499}
PITR="$WORK/pitr"                # the private server: data/, wal/ (archive), base/ (base backup), socket

as_pg() {  # PostgreSQL's server programs refuse to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    if [ -f "$PITR/data/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$PITR/data" -m immediate stop >/dev/null 2>&1 || true; fi
    "$BIN/dropdb" --if-exists --force "$SRC" 2>/dev/null || true
    if [ -z "${KEEP:-}" ]; then
        "$BIN/dropdb" --if-exists --force "$DST" 2>/dev/null || true
        rm -rf "$WORK"
    else
        echo "kept: database $DST, files in $WORK"
    fi
}
trap cleanup EXIT

psql_q() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# one line per table: name, rows, md5 of the rows in a fixed order (extra psql arguments after the database)
table_digest() {
    psql_q -d "$@" <<'SQL'
SELECT format('%s %s %s', c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text,
       (xpath('/row/h/text()', query_to_xml(format(
           'SELECT coalesce(md5(string_agg(t::text, %L ORDER BY t::text)), %L) AS h FROM public.%I t', '|', '-', c.relname),
           false, true, '')))[1]::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname;
SQL
}

step() { printf '%-58s' "$1"; }
ok() { printf '%6.1f s  %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "${1:-}"; }

echo "rehearsal of the whole-instance backup (deploy/backup.md) on $PGHOST:$PGPORT, $("$BIN/postgres" --version)"
START=$(date +%s.%N)

T0=$(date +%s.%N); step "1. create scratch database $SRC"
"$BIN/createdb" "$SRC"; ok

export REDPROP_ENV=${REDPROP_ENV:-demo} REDPROP_PASSWORD_HASH_PROFILE=${REDPROP_PASSWORD_HASH_PROFILE:-fast}
export REDPROP_DATABASE_URL="postgresql+asyncpg://$PGUSER@$PGHOST:$PGPORT/$SRC"
export REDPROP_MIGRATE_DATABASE_URL="$REDPROP_DATABASE_URL" REDPROP_CROSS_SCOPE_DATABASE_URL="$REDPROP_DATABASE_URL"
export REDPROP_STORAGE_URL="file://$STORE"

T0=$(date +%s.%N); step "2. migrate (redprop db upgrade)"
(cd "$ROOT" && "$REDPROP" --log-level WARNING db upgrade >/dev/null); ok

T0=$(date +%s.%N); step "3. seed the demo city + attachments"
(cd "$ROOT" && "$PY" - <<'PY'
import asyncio, hashlib, os, uuid
from sqlalchemy import select
from core.app import load_plugins
from core.db import Database, Scope
from core.files.models import Attachment
from core.files.storage import make_storage
from core.settings import get_settings

settings = get_settings()
host = load_plugins(settings)

async def main():
    db = Database(settings.database_url)
    try:
        city = await host.pm.hook.redprop_demo_city().build(db, host)
        store = make_storage(settings)
        async with db.transaction(Scope.everything("backup rehearsal seed")) as session:
            for key, rooms in sorted(city.rooms.items()):
                if not rooms:
                    continue
                data = b"%PDF-1.7\n" + os.urandom(2048)
                row = Attachment(compound_id=city.compounds[key], record_type="tenants.room", record_id=rooms[0],
                                 filename=f"{key}.pdf", content_type="application/pdf", size=len(data),
                                 sha256=hashlib.sha256(data).hexdigest(), storage_key=f"{city.compounds[key]}/{uuid.uuid4().hex}")
                session.add(row)
                await store.put(row.storage_key, data, row.content_type)
    finally:
        await db.dispose()

asyncio.run(main())
PY
); ok "$(find "$STORE" -type f | wc -l) attachment file(s)"

BEFORE="$WORK/before.txt"; AFTER="$WORK/after.txt"
table_digest "$SRC" > "$BEFORE"
(cd "$STORE" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$WORK/files-before.txt"

T0=$(date +%s.%N); step "4. pg_dump -Fc + tar of the attachment store"
"$BIN/pg_dump" -Fc --file "$WORK/redprop.dump" "$SRC"
tar -C "$STORE" -czf "$WORK/files.tar.gz" .
ok "dump $(du -h "$WORK/redprop.dump" | cut -f1), store $(du -h "$WORK/files.tar.gz" | cut -f1)"

T0=$(date +%s.%N); step "5. drop the database and the store"
"$BIN/dropdb" --force "$SRC"; rm -rf "$STORE"; ok

T0=$(date +%s.%N); step "6. pg_restore into $DST + untar the store"
"$BIN/createdb" "$DST"
"$BIN/pg_restore" --exit-on-error --dbname "$DST" "$WORK/redprop.dump"
mkdir -p "$RESTORED_STORE" && tar -C "$RESTORED_STORE" -xzf "$WORK/files.tar.gz"
ok

T0=$(date +%s.%N); step "7. compare every table and attachment"
table_digest "$DST" > "$AFTER"
(cd "$RESTORED_STORE" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$WORK/files-after.txt"
TABLES=$(wc -l < "$BEFORE"); ROWS=$(awk '{s += $2} END {print s}' "$BEFORE")
if ! diff -u "$BEFORE" "$AFTER" > "$WORK/diff.txt"; then
    ok "DIFFERENT"; cat "$WORK/diff.txt"; echo "FAILED: the restored database differs"; exit 1
fi
if ! diff -u "$WORK/files-before.txt" "$WORK/files-after.txt"; then
    ok "DIFFERENT"; echo "FAILED: the restored attachment store differs"; exit 1
fi
ok "identical"

# the restored database is at the heads of every migration branch, as the source was
T0=$(date +%s.%N); step "8. redprop db current on the restored database"
CURRENT=$(cd "$ROOT" && REDPROP_MIGRATE_DATABASE_URL="postgresql+asyncpg://$PGUSER@$PGHOST:$PGPORT/$DST" "$REDPROP" --log-level WARNING db current 2>&1 | grep -c "(head)" || true)
ok "$CURRENT branch(es) at head"

DUMP_RESULT=$(printf '%s tables, %s rows and %s attachment(s) identical after pg_dump -> drop -> pg_restore (%.1f s)' \
    "$TABLES" "$ROWS" "$(wc -l < "$WORK/files-after.txt")" "$(echo "$(date +%s.%N) - $START" | bc)")

if [ -n "${SKIP_PITR:-}" ]; then
    echo "OK: $DUMP_RESULT"
    exit 0
fi

# --------------------------------------------------------------------------- B. base backup + WAL, recovery to T
PITR_START=$(date +%s.%N)
pq() { psql_q -h "$PITR" -p "$PITR_PORT" "$@"; }

T0=$(date +%s.%N); step "9. private server with WAL archiving (port $PITR_PORT)"
mkdir -p "$PITR/wal" "$PITR/base"
if [ "$(id -u)" = 0 ]; then chmod 711 "$WORK"; chown -R postgres "$PITR"; fi
as_pg "$BIN/initdb" -D "$PITR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >> "$PITR/data/postgresql.conf" <<CONF
port = $PITR_PORT
listen_addresses = ''
unix_socket_directories = '$PITR'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $PITR/wal/%f && cp %p $PITR/wal/%f'
CONF
as_pg "$BIN/pg_ctl" -D "$PITR/data" -l "$PITR/server.log" -w start >/dev/null
pq -d postgres -c "CREATE ROLE redprop_app LOGIN NOSUPERUSER NOBYPASSRLS" -c "CREATE ROLE redprop_worker LOGIN NOSUPERUSER NOBYPASSRLS"
"$BIN/createdb" -h "$PITR" -p "$PITR_PORT" redprop
"$BIN/pg_restore" -h "$PITR" -p "$PITR_PORT" --exit-on-error --dbname redprop "$WORK/redprop.dump"
ok "the dump of step 4 restored into it"

T0=$(date +%s.%N); step "10. pg_basebackup (tar, WAL streamed)"
as_pg "$BIN/pg_basebackup" -h "$PITR" -p "$PITR_PORT" -U postgres -D "$PITR/base" -Ft -z -X stream -c fast
ok "$(du -sh "$PITR/base" | cut -f1)"

T0=$(date +%s.%N); step "11. a change, the moment T, a bad change"
pq -d redprop -c "UPDATE tenants SET name = name || ' (after the base backup)' WHERE kind = 'platform'"
sleep 1
TARGET=$(pq -d redprop -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
table_digest redprop -h "$PITR" -p "$PITR_PORT" > "$WORK/at-target.txt"
sleep 1
pq -d redprop -c "UPDATE users SET display_name = 'overwritten by mistake'" -c "DELETE FROM notifications"
ARCHIVED=$(pq -d postgres -c "SELECT archived_count FROM pg_stat_archiver")
pq -d postgres -c "SELECT pg_switch_wal()" >/dev/null
for _ in $(seq 1 120); do  # until the segment holding the bad change is archived
    [ "$(pq -d postgres -c "SELECT archived_count FROM pg_stat_archiver")" -gt "$ARCHIVED" ] && break
    sleep 0.5
done
ok "T = $TARGET, $(find "$PITR/wal" -type f | wc -l) WAL segment(s) archived"

T0=$(date +%s.%N); step "12. stop, data directory from the base backup"
as_pg "$BIN/pg_ctl" -D "$PITR/data" -m fast -w stop >/dev/null
mv "$PITR/data" "$PITR/data-damaged"
as_pg mkdir -m 700 "$PITR/data"
as_pg tar -C "$PITR/data" -xzf "$PITR/base/base.tar.gz"
as_pg tar -C "$PITR/data/pg_wal" -xzf "$PITR/base/pg_wal.tar.gz"
cat >> "$PITR/data/postgresql.auto.conf" <<CONF
restore_command = 'cp $PITR/wal/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
CONF
as_pg touch "$PITR/data/recovery.signal"
ok

T0=$(date +%s.%N); step "13. recover to T (restore_command, recovery_target_time)"
as_pg "$BIN/pg_ctl" -D "$PITR/data" -l "$PITR/server.log" -w -t 120 start >/dev/null
for _ in $(seq 1 120); do
    [ "$(pq -d postgres -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && break
    sleep 0.5
done
ok "$(grep -o 'recovery stopping before[^,]*' "$PITR/server.log" | tail -1)"

T0=$(date +%s.%N); step "14. compare every table with the state at T"
table_digest redprop -h "$PITR" -p "$PITR_PORT" > "$WORK/recovered.txt"
if ! diff -u "$WORK/at-target.txt" "$WORK/recovered.txt"; then
    ok "DIFFERENT"; echo "FAILED: the database recovered to T differs from the database at T"; exit 1
fi
REPLAYED=$(pq -d redprop -c "SELECT count(*) FROM tenants WHERE name LIKE '%(after the base backup)'")
MISTAKES=$(pq -d redprop -c "SELECT count(*) FROM users WHERE display_name = 'overwritten by mistake'")
if [ "$REPLAYED" != 1 ] || [ "$MISTAKES" != 0 ]; then
    ok "WRONG"; echo "FAILED: the change after the base backup is not in ($REPLAYED) or the bad change is ($MISTAKES)"; exit 1
fi
ok "identical: the change after the base backup in, the bad change out"
PITR_TABLES=$(wc -l < "$WORK/recovered.txt"); PITR_ROWS=$(awk '{s += $2} END {print s}' "$WORK/recovered.txt")
PITR_RESULT=$(printf '%s tables, %s rows identical to the moment T after base backup + WAL replay (%.1f s)' \
    "$PITR_TABLES" "$PITR_ROWS" "$(echo "$(date +%s.%N) - $PITR_START" | bc)")

echo "OK: $DUMP_RESULT"
echo "OK: $PITR_RESULT"
