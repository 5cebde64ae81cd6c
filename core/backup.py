"""One tenant's data in a portable archive, and back into an empty instance (``redprop backup`` / ``redprop restore``).

Everything here is read from the SQLAlchemy metadata, never from a list of tables, so a plugin's new tables are in
the next backup without a change here. A row belongs to the tenant ``T`` when:

- its table is the compounds table (:class:`core.db.ScopeRoot`) and a column referring to ``tenants`` holds ``T``
  (the compounds it operates, or those in its jurisdiction for a district): these are the tenant's compounds ``C``;
- its table has a ``compound_id`` and the row's is in ``C`` — or it is empty and a tenant column holds ``T``;
- its table has no ``compound_id`` but a column referring to ``tenants`` (or named ``tenant_id``) holding ``T``;
- the kernel's own tables without such columns follow their own rule (:data:`SPECIAL`): the tenant's audit chain, the
  chains' heads, the tenant's and its compounds' role assignments and its custom roles' permissions;
- a row the rows above refer to by a foreign key (a user, the district's tenant row, a region, a plan …): taken as a
  reference row, with what it refers to in turn, so the archive restores on its own; and rows of a table without a
  compound or tenant column that refer to a row already taken (a notification's deliveries, a user's preferences).

Values are copied as the database stores them: column types that convert on the way in or out (``TypeDecorator``)
are read and written through their database type, so ciphertext and blind indexes (phone numbers, ID cards) are
copied byte for byte and never decrypted; the instance restored into must hold the same keys.

The archive (``.tar.gz``, :data:`FORMAT`, :data:`FORMAT_VERSION`; described in docs/operations.md)::

    manifest.json                  format, versions, alembic heads, tenant, compounds, per-table rows and sha256
    tables/<table>.jsonl           one JSON object a line, one line a row, columns by name
    attachments/<storage key>      the bytes of each attachment of the tenant's compounds
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import os
import tarfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, MetaData, Table, and_, func, inspect, or_, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from core.db import Base, ScopeRoot
from core.files.storage import Storage

FORMAT = "redprop-tenant-backup"
FORMAT_VERSION = 1
TENANTS = "tenants"  # the table TenantScoped's tenant_id refers to (core.db)
ATTACHMENTS = "attachments"  # core.files: its rows name the stored blobs (storage_key)
CHUNK = 500  # values in one IN list

EXCLUDED: dict[str, str] = {
    "auth_tokens": "sign-in sessions and API tokens: people sign in again on the restored instance",
    "one_time_codes": "short-lived login and registration codes, expired long before a restore",
    "login_failures": "lockout counters of the source instance",
    "dead_letters": "failed job messages of the source instance's workers; retry or inspect them there",
    "processed_events": "the workers' idempotency ledger of the source instance",
    "schedule_ticks": "the scheduler's last runs; the restored instance's scheduler starts its own",
    "policy_changes": "the change feed that tells running processes to reload policies; a new instance starts it empty",
}
"""Tables never backed up, and why (docs/operations.md repeats this list)."""

RENUMBERED: dict[str, str] = {"casbin_rules": "id"}
"""Surrogate keys left out of the archive: the target's sequence numbers the restored rows (nothing refers to them)."""


class BackupError(Exception):
    """An archive that cannot be made or restored: the message says why, for the operator."""


# --------------------------------------------------------------------------- raw columns


def _raw_type(typ: TypeEngine, dialect: Dialect) -> TypeEngine:
    """The type the database really stores: variants resolved, ``TypeDecorator`` conversions (and any decryption
    a plugin's type might do) skipped, JSON's ``None`` kept as SQL NULL."""
    for _ in range(10):
        mapping = getattr(typ, "_variant_mapping", None) or {}
        if dialect.name in mapping:
            typ = mapping[dialect.name]
            continue
        if isinstance(typ, TypeDecorator):
            typ = typ.load_dialect_impl(dialect)
            continue
        break
    if isinstance(typ, JSON):
        copy = typ.copy()
        copy.none_as_null = True
        return copy
    return typ


def raw_tables(metadata: MetaData, dialect: Dialect) -> dict[str, Table]:
    """A light copy of every table (names, database types, primary keys; no constraints) to read and write stored values."""
    loose = MetaData()
    return {
        t.name: Table(t.name, loose, *[Column(c.name, _raw_type(c.type, dialect), primary_key=c.primary_key) for c in t.columns])
        for t in metadata.sorted_tables
    }


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column: Column, dialect: Dialect):
    """From a JSON value back to what ``column`` (a raw column) binds on ``dialect``."""
    if isinstance(column.type, JSON):
        return lambda v: v
    try:
        python = column.type.python_type
    except NotImplementedError:
        return lambda v: v
    sqlite = dialect.name == "sqlite"
    if python is uuid.UUID:
        return lambda v: None if v is None else uuid.UUID(v)
    if python is dt.datetime:

        def moment(v):
            if v is None:
                return None
            value = dt.datetime.fromisoformat(v)
            if sqlite and value.tzinfo is not None:
                return value.astimezone(dt.UTC).replace(tzinfo=None)
            if not sqlite and value.tzinfo is None and getattr(column.type, "timezone", False):
                return value.replace(tzinfo=dt.UTC)
            return value

        return moment
    if python is dt.date:
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if python is dt.time:
        return lambda v: None if v is None else dt.time.fromisoformat(v)
    if python is decimal.Decimal:
        return lambda v: None if v is None else decimal.Decimal(v)
    if python is bytes:
        return lambda v: None if v is None else base64.b64decode(v)
    if python is str:
        return lambda v: None if v is None else str(v)
    return lambda v: v


# --------------------------------------------------------------------------- which rows


def _tenant_columns(table: Table) -> list[str]:
    """Columns naming a tenant: foreign keys to ``tenants`` and a plain ``tenant_id``."""
    names = [c.name for c in table.columns if any(fk.column.table.name == TENANTS for fk in c.foreign_keys)]
    if "tenant_id" in table.columns and "tenant_id" not in names:
        names.append("tenant_id")
    return names


class Present:
    """The metadata's tables that exist in the database, in dependency order: a process's metadata can hold models
    whose tables this instance never made (a plugin imported but not installed, a test's own plugin), and an archive
    is of the instance, not of the process."""

    def __init__(self, metadata: MetaData, names: set[str]) -> None:
        self.sorted_tables = [t for t in metadata.sorted_tables if t.name in names]
        self.tables = {t.name: t for t in self.sorted_tables}


async def present_tables(session_or_connection: Any, metadata: MetaData) -> Present:
    """:class:`Present` for the database the session (or connection) is on."""
    if isinstance(metadata, Present):
        return metadata

    def names(sync: Any) -> set[str]:
        connection = sync.connection() if isinstance(sync, Session) else sync
        return set(inspect(connection).get_table_names())

    return Present(metadata, await session_or_connection.run_sync(names))


def _scope_root(metadata: MetaData | Present) -> Table:
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, ScopeRoot) and metadata.tables.get(mapper.local_table.name) is mapper.local_table:
            return mapper.local_table  # type: ignore[return-value]
    raise BackupError("no compounds table (core.db.ScopeRoot) in the metadata")


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


@dataclass
class Selection:
    """The rows of a tenant's backup: ``rows[table][primary key] = {column: stored value}``."""

    tenant_id: uuid.UUID
    compound_ids: list[uuid.UUID]
    rows: dict[str, dict[tuple, dict[str, Any]]] = field(default_factory=dict)
    reference_tables: set[str] = field(default_factory=set)


def _pk(table: Table, row: dict[str, Any]) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


class _Reader:
    def __init__(self, session: AsyncSession, raw: dict[str, Table], selection: Selection) -> None:
        self.session, self.raw, self.sel = session, raw, selection
        self.asked: dict[tuple[str, tuple[str, ...]], set[tuple]] = {}

    async def fetch(self, name: str, where) -> int:
        table = self.raw[name]
        found = self.sel.rows.setdefault(name, {})
        before = len(found)
        for row in (await self.session.execute(select(table).where(where))).mappings():
            found.setdefault(_pk(table, row), dict(row))
        return len(found) - before

    async def fetch_matching(self, name: str, columns: tuple[str, ...], keys: set[tuple]) -> int:
        """Rows of ``name`` whose ``columns`` hold one of ``keys`` (each key asked once per run)."""
        asked = self.asked.setdefault((name, columns), set())
        keys = {k for k in keys if None not in k} - asked
        if not keys:
            return 0
        asked |= keys
        table = self.raw[name]
        found = self.sel.rows.setdefault(name, {})
        before = len(found)
        lead = columns[0]
        for part in _chunks(sorted({k[0] for k in keys}, key=str)):
            for row in (await self.session.execute(select(table).where(table.c[lead].in_(part)))).mappings():
                if tuple(row[c] for c in columns) in keys:
                    found.setdefault(_pk(table, row), dict(row))
        return len(found) - before


async def select_tenant(session: AsyncSession, metadata: MetaData, tenant_id: uuid.UUID) -> Selection:
    """Every row of the tenant's backup (see the module's docstring), read in ``session`` (a cross-scope one)."""
    dialect = session.get_bind().dialect
    metadata = await present_tables(session, metadata)  # type: ignore[assignment]
    raw = raw_tables(metadata, dialect)
    tenants = raw[TENANTS]
    if (await session.execute(select(tenants.c.id).where(tenants.c.id == tenant_id))).first() is None:
        raise BackupError(f"no tenant with id {tenant_id}")
    root = _scope_root(metadata)
    root_raw = raw[root.name]
    cols = _tenant_columns(root)
    compound_ids = sorted(
        (await session.scalars(select(root_raw.c.id).where(or_(*[root_raw.c[c] == tenant_id for c in cols])))).all(), key=str
    )
    sel = Selection(tenant_id, compound_ids)
    reader = _Reader(session, raw, sel)
    domains = [f"tenant:{tenant_id}", *(f"compound:{c}" for c in compound_ids)]
    for table in metadata.sorted_tables:
        name = table.name
        if name in EXCLUDED:
            continue
        t = raw[name]
        sel.rows.setdefault(name, {})
        if name == TENANTS:
            await reader.fetch(name, t.c.id == tenant_id)
        elif table is root:
            for part in _chunks(compound_ids):
                await reader.fetch(name, t.c.id.in_(part))
        elif name == "audit_entries":  # the tenant's whole chain, and the shared chains' rows of its compounds
            await reader.fetch(name, t.c.chain == str(tenant_id))
            for part in _chunks(compound_ids):
                await reader.fetch(name, t.c.compound_id.in_(part))
        elif name == "casbin_rules":  # role assignments in the tenant and its compounds, the custom roles' permissions
            for part in _chunks(domains):
                await reader.fetch(name, and_(t.c.ptype == "g", t.c.v2.in_(part)))
            await reader.fetch(name, and_(t.c.ptype == "p", t.c.v0.like(f"custom:{tenant_id}:%")))
        elif "compound_id" in table.columns:
            tcols = [c for c in _tenant_columns(table) if c != "compound_id"]
            for part in _chunks(compound_ids):
                await reader.fetch(name, t.c.compound_id.in_(part))
            if tcols and table.c.compound_id.nullable:
                await reader.fetch(name, and_(t.c.compound_id.is_(None), or_(*[t.c[c] == tenant_id for c in tcols])))
        elif tcols := _tenant_columns(table):
            await reader.fetch(name, or_(*[t.c[c] == tenant_id for c in tcols]))
    # the heads of every chain whose rows are in, so the restored instance continues them without a clash
    chains = {row["chain"] for row in sel.rows.get("audit_entries", {}).values()}
    if "audit_heads" in raw and chains:
        await reader.fetch_matching("audit_heads", ("chain",), {(c,) for c in chains})
    # the people the role assignments name ("u:<id>")
    if "users" in raw:
        named = {
            (uuid.UUID(r["v0"][2:]),) for r in sel.rows.get("casbin_rules", {}).values() if r["ptype"] == "g" and r["v0"].startswith("u:")
        }
        await reader.fetch_matching("users", ("id",), named)
    await _close(metadata, reader, sel)
    return sel


async def _close(metadata: MetaData, reader: _Reader, sel: Selection) -> None:
    """Until nothing changes: take the rows the selected rows refer to (references), and the rows of tables without a
    compound or tenant column that refer to selected rows (a notification's deliveries)."""
    root = _scope_root(metadata)
    children = [
        t
        for t in metadata.sorted_tables
        if t.name not in EXCLUDED
        and t.name not in (TENANTS, "audit_entries", "audit_heads", "casbin_rules")
        and t is not root
        and "compound_id" not in t.columns
        and not _tenant_columns(t)
    ]
    while True:
        added = 0
        for table in metadata.sorted_tables:
            rows = sel.rows.get(table.name)
            if not rows:
                continue
            for fk in table.foreign_key_constraints:
                parent = fk.referred_table
                if parent.name in EXCLUDED:
                    continue
                local = tuple(e.parent.name for e in fk.elements)
                remote = tuple(e.column.name for e in fk.elements)
                wanted = {tuple(r[c] for c in local) for r in rows.values()}
                have = {tuple(r[c] for c in remote) for r in sel.rows.get(parent.name, {}).values()}
                new = await reader.fetch_matching(parent.name, remote, wanted - have)
                if new:
                    sel.reference_tables.add(parent.name)
                added += new
        for child in children:
            for fk in child.foreign_key_constraints:
                parent_rows = sel.rows.get(fk.referred_table.name)
                if not parent_rows:
                    continue
                local = tuple(e.parent.name for e in fk.elements)
                remote = tuple(e.column.name for e in fk.elements)
                added += await reader.fetch_matching(child.name, local, {tuple(r[c] for c in remote) for r in parent_rows.values()})
        if not added:
            return


# --------------------------------------------------------------------------- versions


async def alembic_heads(url: str) -> list[str]:
    """The revisions ``url`` is at (read as the owner: the application's roles may not read ``alembic_version``)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return sorted((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all())
    finally:
        await engine.dispose()


def redprop_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("redprop")
    except PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------- writing


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


async def backup_tenant(
    session: AsyncSession, metadata: MetaData, storage: Storage, tenant_id: uuid.UUID, output: Path, heads: list[str]
) -> dict[str, Any]:
    """Write the tenant's archive to ``output`` (through a temporary file, renamed when whole); return its manifest."""
    started = time.monotonic()
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":  # every table read in one snapshot, whatever the application writes meanwhile
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
    metadata = await present_tables(session, metadata)  # type: ignore[assignment]
    sel = await select_tenant(session, metadata, tenant_id)
    raw = raw_tables(metadata, dialect)
    tenant_row = next(iter(sel.rows[TENANTS].values()))
    tables: dict[str, Any] = {}
    output = Path(output)
    partial = output.with_name(output.name + ".partial")
    # names, addresses and party membership are in it: readable by its owner only, from the first byte
    handle = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    with handle, tarfile.open(fileobj=handle, mode="w:gz") as tar:
        for table in metadata.sorted_tables:
            if table.name in EXCLUDED:
                continue
            t = raw[table.name]
            drop = RENUMBERED.get(table.name)
            columns = [c.name for c in t.columns if c.name != drop]
            rows = sorted(sel.rows.get(table.name, {}).values(), key=lambda r: [str(r[c.name]) for c in t.primary_key.columns])
            body = "".join(json.dumps({c: _encode(r[c]) for c in columns}, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
            data = body.encode("utf-8")
            member = f"tables/{table.name}.jsonl"
            _add(tar, member, data)
            tables[table.name] = {"file": member, "rows": len(rows), "sha256": _sha(data), "columns": columns}
            if table.name in sel.reference_tables:
                tables[table.name]["references"] = True
        blobs = []
        for row in sorted(sel.rows.get(ATTACHMENTS, {}).values(), key=lambda r: r["storage_key"]):
            try:
                data = await storage.get(row["storage_key"])
            except FileNotFoundError:
                raise BackupError(f"attachment {row['id']} has no bytes in the store (key {row['storage_key']})") from None
            member = f"attachments/{row['storage_key']}"
            _add(tar, member, data)
            blobs.append(
                {"key": row["storage_key"], "file": member, "size": len(data), "sha256": _sha(data), "content_type": row["content_type"]}
            )
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "redprop_version": redprop_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "source_dialect": dialect.name,
            "alembic_heads": sorted(heads),
            "tenant": {"id": str(tenant_id), "name": tenant_row.get("name"), "kind": tenant_row.get("kind")},
            "compounds": [str(c) for c in sel.compound_ids],
            "tables": tables,
            "attachments": blobs,
            "excluded_tables": {k: v for k, v in EXCLUDED.items() if k in metadata.tables},
            "renumbered": {k: v for k, v in RENUMBERED.items() if k in metadata.tables},
            "seconds": round(time.monotonic() - started, 3),
        }
        _add(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    partial.replace(output)
    return manifest


# --------------------------------------------------------------------------- reading and restoring


@dataclass
class Archive:
    """An archive whose members all matched the manifest: the manifest, the table files' bytes, and where it is (the
    attachments are read again, one at a time, when they are restored)."""

    path: Path
    manifest: dict[str, Any]
    tables: dict[str, bytes]


def _members(path: Path):
    """``(name, file object)`` of each member, in one sequential pass over the (compressed) archive."""
    with tarfile.open(path, "r|*") as tar:
        for info in tar:
            if not info.isfile():
                raise BackupError(f"{path}: unexpected archive entry {info.name!r} (not a file)")
            handle = tar.extractfile(info)
            assert handle is not None
            yield info.name, handle


def _digest(handle) -> str:
    sha = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        sha.update(chunk)
    return sha.hexdigest()


def read_archive(path: Path) -> Archive:
    """Open an archive and check every member against the manifest's sha256 before anything is written; the
    attachments are checked as they stream past, not kept in memory."""
    path = Path(path)
    digests: dict[str, str] = {}
    tables: dict[str, bytes] = {}
    manifest_bytes = None
    try:
        for name, handle in _members(path):
            if name == "manifest.json":
                manifest_bytes = handle.read()
            elif name.startswith("tables/"):
                tables[name] = handle.read()
                digests[name] = _sha(tables[name])
            else:
                digests[name] = _digest(handle)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} is not a readable redprop backup: {exc}") from exc
    if manifest_bytes is None:
        raise BackupError(f"{path} has no manifest.json: not a redprop backup")
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} archive (format {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"archive format version {manifest.get('format_version')} is not {FORMAT_VERSION}, the one this redprop reads")
    listed = {v["file"]: v["sha256"] for v in manifest["tables"].values()} | {a["file"]: a["sha256"] for a in manifest["attachments"]}
    for name, expected in listed.items():
        if name not in digests:
            raise BackupError(f"archive is damaged: {name} is listed in the manifest but missing; nothing was restored")
        if digests[name] != expected:
            raise BackupError(f"archive is damaged or altered: sha256 of {name} does not match the manifest; nothing was restored")
    extra = sorted(set(digests) - set(listed))
    if extra:
        raise BackupError(f"archive holds entries its manifest does not list: {', '.join(extra[:5])}; nothing was restored")
    return Archive(path, manifest, tables)


def _template_rows(raw: dict[str, Table], name: str):
    """Rows an instance creates on its own at start-up (role templates and their permissions), allowed in an empty target."""
    t = raw[name]
    if name == "roles":
        return t.c.tenant_id.is_(None)
    if name == "casbin_rules":
        return and_(t.c.ptype == "p", t.c.v1 == "*", ~t.c.v0.like("custom:%"))
    return None


async def _occupied(session: AsyncSession, metadata: MetaData, raw: dict[str, Table]) -> list[str]:
    found = []
    for table in metadata.sorted_tables:
        if table.name in EXCLUDED:  # the instance's own operational state (a scheduler tick, say) does not count
            continue
        t = raw[table.name]
        query = select(func.count()).select_from(t)
        allowed = _template_rows(raw, table.name)
        if allowed is not None:
            query = query.where(~allowed)
        if await session.scalar(query):
            found.append(table.name)
    return found


def _parent_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (regions, organisations) ordered so a parent is written before its children."""
    own = [fk for fk in table.foreign_key_constraints if fk.referred_table is table]
    if not own:
        return rows
    pairs = [(tuple(e.parent.name for e in fk.elements), tuple(e.column.name for e in fk.elements)) for fk in own]
    ordered, placed, pending = [], set(), list(rows)
    keys = {tuple(r[c] for c in remote) for r in rows for _, remote in pairs}
    while pending:
        progress, rest = [], []
        for r in pending:
            ready = all(
                None in (key := tuple(r[c] for c in local)) or key not in keys or (remote, key) in placed for local, remote in pairs
            )
            (progress if ready else rest).append(r)
        if not progress:
            raise BackupError(f"{table.name}: rows refer to each other in a cycle")
        for r in progress:
            ordered.append(r)
            for _, remote in pairs:
                placed.add((remote, tuple(r[c] for c in remote)))
        pending = rest
    return ordered


async def restore_archive(
    session: AsyncSession, metadata: MetaData, storage: Storage, archive: Archive, heads: list[str]
) -> dict[str, Any]:
    """Write an archive into an empty instance at the same schema version, in dependency order; return a summary.
    The caller commits (one transaction: all or nothing)."""
    started = time.monotonic()
    manifest = archive.manifest
    if sorted(heads) != sorted(manifest["alembic_heads"]):
        theirs, ours = set(manifest["alembic_heads"]), set(heads)
        raise BackupError(
            "schema version mismatch: the archive was made at "
            + ", ".join(sorted(theirs - ours))
            + " but this database is at "
            + ", ".join(sorted(ours - theirs))
            + "; migrate this instance (redprop db upgrade) to the archive's revisions first"
        )
    metadata = await present_tables(session, metadata)  # type: ignore[assignment]
    unknown = sorted(set(manifest["tables"]) - set(metadata.tables))
    if unknown:
        raise BackupError(f"the archive holds tables this instance does not have: {', '.join(unknown)} (a plugin is missing?)")
    dialect = session.get_bind().dialect
    raw = raw_tables(metadata, dialect)
    occupied = await _occupied(session, metadata, raw)
    if occupied:
        raise BackupError(
            "the target instance is not empty (rows in " + ", ".join(occupied[:8]) + (" …" if len(occupied) > 8 else "") + "); "
            "restore only into a freshly migrated database"
        )
    written: dict[str, int] = {}
    for table in metadata.sorted_tables:
        entry = manifest["tables"].get(table.name)
        if not entry or not entry["rows"]:
            continue
        t = raw[table.name]
        decoders = {c: _decoder(t.c[c], dialect) for c in entry["columns"]}
        lines = archive.tables[entry["file"]].decode("utf-8").splitlines()
        rows = [{c: decoders[c](v) for c, v in json.loads(line).items()} for line in lines if line]
        rows = _parent_first(table, rows)
        for part in _chunks(rows):
            await session.execute(t.insert(), part)
        written[table.name] = len(rows)
    blobs = {blob["file"]: blob for blob in manifest["attachments"]}
    for name, handle in _members(archive.path) if blobs else ():
        blob = blobs.get(name)
        if blob is None:
            continue
        data = handle.read()
        if _sha(data) != blob["sha256"]:  # the file changed since it was checked
            raise BackupError(f"archive changed while restoring: sha256 of {name} does not match the manifest; nothing was restored")
        await storage.put(blob["key"], data, blob.get("content_type") or "application/octet-stream")
    return {
        "tenant": manifest["tenant"],
        "compounds": len(manifest["compounds"]),
        "tables": len(written),
        "rows": sum(written.values()),
        "attachments": len(manifest["attachments"]),
        "seconds": round(time.monotonic() - started, 3),
        "written": written,
    }


__all__ = [
    "Archive",
    "BackupError",
    "EXCLUDED",
    "FORMAT",
    "FORMAT_VERSION",
    "RENUMBERED",
    "alembic_heads",
    "backup_tenant",
    "raw_tables",
    "read_archive",
    "restore_archive",
    "select_tenant",
]
