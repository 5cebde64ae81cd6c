"""A tenant's backup restored into an empty instance holds every row of the tenant's data, table by table and column
by column, and the attachments' bytes; a damaged archive, a non-empty target and another schema version are refused
(issue 16, point 12). On PostgreSQL the target is a second scratch database, read and written as the cross-scope role."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import itertools
import json
import os
import tarfile
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from core import cli
from core.audit.services import AuditContext, verify_chain
from core.backup import (
    EXCLUDED,
    RENUMBERED,
    BackupError,
    alembic_heads,
    backup_tenant,
    present_tables,
    raw_tables,
    read_archive,
    restore_archive,
)
from core.db import Base, Database, Scope
from core.files.models import Attachment
from core.files.storage import LocalStorage
from core.migrate import upgrade
from tests.conftest import APP_ROLE, BACKEND, WORKER_ROLE, _pg_admin, _pg_url

_counter = itertools.count()


@pytest.fixture
def empty_instance(tmp_path, plugin_host, template_db):
    """A second database, migrated and empty: ``{"owner": url, "cross": url, "app": url}``."""
    if BACKEND == "postgresql":
        name = f"redprop_bk_{os.getpid()}_{next(_counter)}"
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        upgrade(_pg_url(name), plugin_host)
        yield {"owner": _pg_url(name), "cross": _pg_url(name, WORKER_ROLE), "app": _pg_url(name, APP_ROLE)}
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
        upgrade(url, plugin_host)
        yield {"owner": url, "cross": url, "app": url}


async def _all_rows(url: str) -> dict[str, dict[tuple, dict]]:
    """Every table's rows as stored (owner connection: no row-level security), by primary key."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            raw = raw_tables(await present_tables(conn, Base.metadata), conn.dialect)
            found = {}
            for name, table in raw.items():
                keys = [c.name for c in table.primary_key.columns]
                found[name] = {tuple(r[k] for k in keys): dict(r) for r in (await conn.execute(select(table))).mappings()}
            return found
    finally:
        await engine.dispose()


def _without(row: dict, column: str | None) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in row.items() if k != column))


async def _add_attachments(db: Database, storage: LocalStorage, city) -> dict[str, bytes]:
    blobs = {}
    compound = city.compounds["A1"]
    async with db.transaction(Scope.everything("test attachments")) as session:
        # written as enterprise A's administrator: the uploads are entries of A's audit chain
        session.sync_session.info["audit"] = AuditContext(city.users["ent-a-admin"], city.tenants["A"], "ent-a-admin")
        for i, (content, kind) in enumerate(
            ((b"\x89PNG\r\n\x1a\n" + os.urandom(300), "image/png"), (b"%PDF-1.7\n" + os.urandom(500), "application/pdf"))
        ):
            row = Attachment(
                compound_id=compound,
                record_type="tenants.room",
                record_id=city.rooms["A1"][i],
                filename=f"photo-{i}.png" if kind == "image/png" else "minutes.pdf",
                content_type=kind,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                storage_key=f"{compound}/{uuid.uuid4().hex}",
            )
            session.add(row)
            await storage.put(row.storage_key, content, kind)
            blobs[row.storage_key] = content
    # another tenant's compound has one too: it must stay out of A's archive
    async with db.transaction(Scope.everything("test attachments")) as session:
        session.sync_session.info["audit"] = AuditContext(city.users["ent-b-admin"], city.tenants["B"], "ent-b-admin")
        other = Attachment(
            compound_id=city.compounds["B1"],
            record_type="tenants.room",
            record_id=city.rooms["B1"][0],
            filename="b.png",
            content_type="image/png",
            size=3,
            sha256=hashlib.sha256(b"b-1").hexdigest(),
            storage_key=f"{city.compounds['B1']}/{uuid.uuid4().hex}",
        )
        session.add(other)
        await storage.put(other.storage_key, b"b-1", "image/png")
    return blobs


async def test_a_tenants_backup_restores_every_table_row_by_row_into_an_empty_instance(database_urls, empty_instance, city, tmp_path):
    tenant = city.tenants["A"]
    source = Database(database_urls["app"], cross_scope_url=database_urls["cross"])
    source_store, target_store = LocalStorage(tmp_path / "files-src"), LocalStorage(tmp_path / "files-dst")
    blobs = await _add_attachments(source, source_store, city)
    archive = tmp_path / "tenant-a.tar.gz"
    try:
        async with source.session(Scope.everything("test backup")) as session:
            manifest = await backup_tenant(
                session, Base.metadata, source_store, tenant, archive, await alembic_heads(database_urls["owner"])
            )
    finally:
        await source.dispose()

    compounds = {uuid.UUID(c) for c in manifest["compounds"]}
    assert compounds == {city.compounds[k] for k in city.compounds if k.startswith("A")}
    assert sorted(a["key"] for a in manifest["attachments"]) == sorted(blobs)
    made = set((await _all_rows(database_urls["owner"])).keys())  # the instance's tables (not a test plugin's models)
    assert set(manifest["tables"]) == made - set(EXCLUDED)

    target = Database(empty_instance["cross"])
    try:
        async with target.transaction(Scope.everything("test restore")) as session:
            summary = await restore_archive(
                session, Base.metadata, target_store, read_archive(archive), await alembic_heads(empty_instance["owner"])
            )
    finally:
        await target.dispose()
    assert summary["rows"] == sum(t["rows"] for t in manifest["tables"].values())

    before, after = await _all_rows(database_urls["owner"]), await _all_rows(empty_instance["owner"])
    compared_tables, compared_rows, sealed = 0, 0, 0
    for table in Base.metadata.sorted_tables:
        name = table.name
        if name not in before:  # a model of a test's own plugin, never made in this instance
            continue
        if name in EXCLUDED:
            assert after[name] == {}, f"{name} is never restored"
            continue
        compared_tables += 1
        assert len(after[name]) == manifest["tables"][name]["rows"], name
        renumbered = RENUMBERED.get(name)
        if renumbered:  # the target's sequence numbers these rows: compare them without it
            wanted = sorted(_without(r, renumbered) for r in before[name].values())
            got = sorted(_without(r, renumbered) for r in after[name].values())
            assert set(got) <= set(wanted), name
            compared_rows += len(got)
            continue
        for key, row in after[name].items():  # every restored row is the source's row, column for column
            assert key in before[name], f"{name}: {key} is not in the source"
            assert row == before[name][key], f"{name}: {key} differs"
            compared_rows += 1
            sealed += sum(1 for c, v in row.items() if c.endswith("_cipher") and v is not None)
        tenant_columns = [
            c.name for c in table.columns if c.name == "tenant_id" or any(fk.column.table.name == "tenants" for fk in c.foreign_keys)
        ]
        for key, row in before[name].items():  # and every source row of the tenant's compounds, or of the tenant, is restored
            mine = (row.get("compound_id") in compounds) or (name == "compounds" and row["id"] in compounds)
            mine = mine or (row.get("compound_id") is None and any(row[c] == tenant for c in tenant_columns))
            if name == "audit_entries":
                mine = row["chain"] == str(tenant) or row["compound_id"] in compounds
            if mine:
                assert key in after[name], f"{name}: {key} of tenant A was not restored"
    assert compared_tables == len(manifest["tables"])
    assert sealed > 0  # phone numbers' ciphertext came across as stored
    assert {r["id"] for r in after["compounds"].values()} == compounds
    assert city.tenants["B"] not in {r["id"] for r in after["tenants"].values()}
    for key, content in blobs.items():
        assert await target_store.get(key) == content
    assert not (tmp_path / "files-dst" / str(city.compounds["B1"])).exists()
    assert {r["chain"] for r in after["audit_entries"].values()} == {str(tenant)}  # B's upload stayed out
    assert len(after["audit_entries"]) == 2
    target = Database(empty_instance["cross"])
    try:
        async with target.session(Scope.everything("test verify")) as session:
            report = await verify_chain(session, str(tenant))
    finally:
        await target.dispose()
    assert report.ok and report.entries == 2  # the tenant's audit chain verifies in the restored instance
    print(f"backup round trip ({BACKEND}): {compared_tables} tables, {compared_rows} rows compared, {len(blobs)} attachments")

    # a second restore finds the instance no longer empty
    target = Database(empty_instance["cross"])
    try:
        with pytest.raises(BackupError, match="not empty"):
            async with target.transaction(Scope.everything("test restore")) as session:
                await restore_archive(
                    session, Base.metadata, target_store, read_archive(archive), await alembic_heads(empty_instance["owner"])
                )
    finally:
        await target.dispose()


def test_the_commands_refuse_an_altered_archive_another_schema_version_and_a_filled_target(
    settings, database_urls, empty_instance, city, tmp_path, monkeypatch
):
    """``redprop backup`` / ``redprop restore`` as an operator runs them; every refusal leaves the target empty."""
    archive = tmp_path / "tenant-b.tar.gz"
    source = dataclasses.replace(settings, storage_url=f"file://{tmp_path / 'files-src'}")
    monkeypatch.setattr(cli, "get_settings", lambda: source)
    done = CliRunner().invoke(cli.main, ["backup", "--tenant", str(city.tenants["B"]), "--output", str(archive)])
    assert done.exit_code == 0, done.output
    assert f"({city.tenants['B']}), 2 compound(s)" in done.output
    unknown = CliRunner().invoke(cli.main, ["backup", "--tenant", str(uuid.uuid4()), "--output", str(tmp_path / "x.tar.gz")])
    assert unknown.exit_code == 1 and "no tenant with id" in unknown.output
    assert not (tmp_path / "x.tar.gz").exists()

    # one resident's row changed inside the archive, the manifest left as it was
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(tampered, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            if info.name == "tables/residents.jsonl":
                first, _, rest = data.partition(b"\n")
                row = json.loads(first)
                row["name"] = "篡改"
                data = json.dumps(row, ensure_ascii=False).encode() + b"\n" + rest
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match=r"sha256 of tables/residents.jsonl does not match"):
        read_archive(tampered)

    target = dataclasses.replace(
        settings,
        database_url=empty_instance["app"],
        cross_scope_database_url=empty_instance["cross"],
        migrate_database_url=empty_instance["owner"],
        storage_url=f"file://{tmp_path / 'files-dst'}",
    )
    monkeypatch.setattr(cli, "get_settings", lambda: target)
    refused = CliRunner().invoke(cli.main, ["restore", str(tampered)])
    assert refused.exit_code == 1 and "archive is damaged or altered" in refused.output

    heads = asyncio.run(alembic_heads(empty_instance["owner"]))

    async def other_version():
        db = Database(empty_instance["cross"])
        try:
            async with db.transaction(Scope.everything("test restore")) as session:
                await restore_archive(
                    session, Base.metadata, LocalStorage(tmp_path / "g"), read_archive(archive), [*heads[1:], "core_9999"]
                )
        finally:
            await db.dispose()

    with pytest.raises(BackupError, match="schema version mismatch"):
        asyncio.run(other_version())
    assert all(not rows for rows in asyncio.run(_all_rows(empty_instance["owner"])).values())

    restored = CliRunner().invoke(cli.main, ["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "restored tenant" in restored.output
    again = CliRunner().invoke(cli.main, ["restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output
