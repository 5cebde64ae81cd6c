#!/usr/bin/env bash
# Rehearses the whole-instance backup of deploy/backup.md on this machine's PostgreSQL:
#   scratch database -> migrate + demo city -> attachment store -> pg_dump -Fc + tar of the store
#   -> DROP the database and the store -> restore both under new names -> compare every table
#   (row count and an md5 of its rows) and every attachment's sha256 -> print the result.
# Uses only the local server (REDPROP_REHEARSE_PG, default 127.0.0.1:5432 as postgres, trust auth) and
# scratch names ending in the process id; everything it creates is dropped on exit (even on failure).
#
#   deploy/postgres/rehearse-backup.sh            # from the repository root
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

cleanup() {
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

# one line per table: name, rows, md5 of the rows in a fixed order
table_digest() {
    psql_q -d "$1" <<'SQL'
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

TOTAL=$(echo "$(date +%s.%N) - $START" | bc)
printf 'OK: %s tables, %s rows and %s attachment(s) identical after pg_dump -> drop -> pg_restore (%.1f s in all)\n' \
    "$TABLES" "$ROWS" "$(wc -l < "$WORK/files-after.txt")" "$TOTAL"
