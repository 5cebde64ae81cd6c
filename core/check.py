"""``redprop check``: is this process's configuration fit to serve? (issue 17, point 4)

Every check reads the settings a process would start with and asks the services themselves: the database as
the application's role (row-level security on and holding, migrations at their heads), the cross-scope role,
the broker, the attachment storage (a file written, read back and removed), the MQTT broker when
smart_property is installed. Outside the demo, the demo's secrets are refused. The answer is a table; any
``FAIL`` makes the command exit non-zero, so a deployment (an init container, a CI job) stops there.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from core.settings import DEMO_SECRET, Settings

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    detail: str


def _demo_data_key() -> bytes:
    return hashlib.sha256(b"data-key:" + DEMO_SECRET.encode()).digest()


def secrets_findings(settings: Settings) -> list[Finding]:
    """The demo's secrets, or a secret derived from them, only in the demo."""
    found = []
    demo_secret = settings.secret_key == DEMO_SECRET
    demo_key = (
        settings.data_key == _demo_data_key() or settings.data_key == hashlib.sha256(b"data-key:" + settings.secret_key.encode()).digest()
    )
    if settings.env == "demo":
        return [Finding("secrets", OK if not demo_secret else WARN, "demo environment: the demo's secrets are allowed")]
    if demo_secret:
        found.append(Finding("secrets", FAIL, f"REDPROP_SECRET_KEY is the demo's secret outside the demo (REDPROP_ENV={settings.env})"))
    elif len(settings.secret_key) < 32 and settings.is_production:
        found.append(Finding("secrets", FAIL, "REDPROP_SECRET_KEY is shorter than 32 characters"))
    if demo_key:
        level = FAIL if settings.is_production else WARN
        found.append(
            Finding("secrets", level, "REDPROP_DATA_KEY is not set: ID-card numbers would be encrypted with a key derived from the secret")
        )
    return found or [Finding("secrets", OK, "secret key and data key set, neither the demo's")]


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


async def _database_findings(settings: Settings, heads: set[str] | None) -> list[Finding]:
    from sqlalchemy import text

    from core.db import Database
    from core.rls import WORKER_ROLE

    if not _is_postgres(settings.database_url):
        level = FAIL if settings.is_production else WARN
        return [Finding("database", level, f"{settings.database_url.split('://')[0]}: an embedded database, no row-level security")]
    found: list[Finding] = []
    db = Database.from_settings(settings)
    try:
        try:
            async with db.engine.connect() as conn:
                role, superuser, bypass = (
                    await conn.execute(text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))
                ).one()
                security = await conn.scalar(text("SHOW row_security"))
                forced = await conn.scalar(
                    text("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = to_regclass('public.compounds')")
                )
                seen = await conn.scalar(text("SELECT count(*) FROM compounds")) if forced else None
                member = await conn.scalar(text(f"SELECT pg_has_role(current_user, '{WORKER_ROLE}', 'MEMBER')")) if forced else False
                citus = await conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'citus'"))
                timeout = await conn.scalar(text("SHOW statement_timeout"))
        except Exception as exc:  # reported in the table
            return [
                Finding("database", FAIL, f"cannot connect as the application: {exc.__class__.__name__}: {str(exc).splitlines()[0][:160]}")
            ]
        problems = []
        if superuser or bypass:
            problems.append(f"role {role} is {'a superuser' if superuser else 'BYPASSRLS'}: row-level security does not hold it")
        if security != "on":
            problems.append(f"row_security is {security}")
        if not forced:
            problems.append("row-level security is not enabled and forced on compounds (run redprop db upgrade)")
        elif seen:
            problems.append(f"role {role} sees {seen} compound(s) without a scope: the policies do not hold it")
        if member:
            problems.append(f"role {role} is a member of {WORKER_ROLE}: it would see every compound")
        detail = f"as {role}, row-level security on and holding, statement_timeout {timeout}" + (", Citus coordinator" if citus else "")
        found.append(Finding("database", FAIL if problems else OK, "; ".join(problems) or detail))
        if heads is not None:
            found.append(await _migrations_finding(settings, heads))
        if settings.cross_scope_database_url == settings.database_url:
            found.append(
                Finding("cross-scope role", FAIL if settings.is_production else WARN, "REDPROP_CROSS_SCOPE_DATABASE_URL is the app URL")
            )
        else:
            try:
                async with db.cross_engine.connect() as conn:
                    role, bypass = (
                        await conn.execute(text("SELECT current_user, rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"))
                    ).one()
                    member = await conn.scalar(text(f"SELECT pg_has_role(current_user, '{WORKER_ROLE}', 'MEMBER')"))
                if not member:
                    found.append(
                        Finding("cross-scope role", FAIL, f"{role} is not {WORKER_ROLE} (nor a member): jobs would see no compound")
                    )
                elif bypass:
                    found.append(
                        Finding("cross-scope role", WARN, f"{role} bypasses row-level security; {WORKER_ROLE} needs no such right")
                    )
                else:
                    found.append(Finding("cross-scope role", OK, f"as {role}"))
            except Exception as exc:  # reported in the table
                found.append(Finding("cross-scope role", FAIL, f"cannot connect: {exc.__class__.__name__}: {str(exc)[:160]}"))
    finally:
        await db.dispose()
    return found


async def _migrations_finding(settings: Settings, heads: set[str]) -> Finding:
    """Every branch at its head, read as the migrations' owner (the application's roles may not read alembic_version)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    if settings.migrate_database_url == settings.database_url and settings.is_production:
        return Finding("migrations", WARN, "not checked: REDPROP_MIGRATE_DATABASE_URL (the owner) is not given to this process")
    engine = create_async_engine(settings.migrate_database_url)
    try:
        async with engine.connect() as conn:
            versions = set((await conn.scalars(text("SELECT version_num FROM alembic_version"))).all())
    except Exception as exc:  # reported in the table
        return Finding("migrations", FAIL, f"cannot read alembic_version: {exc.__class__.__name__}: {str(exc).splitlines()[0][:120]}")
    finally:
        await engine.dispose()
    missing = sorted(heads - versions)
    if missing:
        return Finding("migrations", FAIL, f"not at head: {', '.join(missing)} (run redprop db upgrade)")
    return Finding("migrations", OK, f"{len(versions)} branch(es) at head")


async def _broker_finding(settings: Settings) -> Finding:
    from core.health import check_broker

    if settings.broker_url.startswith("stub"):
        level = FAIL if settings.is_production else OK
        return Finding("broker", level, "stub:// — jobs run inside the app process (demo and tests only)")
    state = await check_broker(settings.broker_url)
    return Finding(
        "broker",
        OK if state == "ok" else FAIL,
        f"{urlparse(settings.broker_url).scheme}://{urlparse(settings.broker_url).hostname}: {state}",
    )


async def _storage_finding(settings: Settings) -> Finding:
    from core.files.storage import make_storage

    key = f"redprop-check/{uuid.uuid4().hex}"
    try:
        storage = make_storage(settings)
        await storage.put(key, b"redprop check", "text/plain")
        back = await storage.get(key)
        await storage.delete(key)
    except Exception as exc:  # reported in the table
        return Finding("storage", FAIL, f"cannot write, read and delete a file: {exc.__class__.__name__}: {str(exc)[:160]}")
    if back != b"redprop check":
        return Finding("storage", FAIL, "a file written read back different")
    where = settings.storage_url or f"file://{settings.var_dir / 'files'}"
    return Finding("storage", OK, f"{where.split('?')[0]} writable")


async def mqtt_handshake(url: str, timeout: float = 3) -> str:
    """``ok`` when an MQTT 3.1.1 broker at ``url`` answers CONNECT with a CONNACK; else what went wrong."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 1883
    client = b"redprop-check"
    variable = b"\x00\x04MQTT\x04\x02\x00\x0a"  # protocol name and level 4, clean session, keep-alive 10 s
    payload = len(client).to_bytes(2, "big") + client
    packet = b"\x10" + bytes([len(variable) + len(payload)]) + variable + payload
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        try:
            writer.write(packet)
            await writer.drain()
            answer = await asyncio.wait_for(reader.readexactly(4), timeout)
            writer.write(b"\xe0\x00")  # DISCONNECT
            await writer.drain()
        finally:
            writer.close()
    except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
        return f"unreachable: {exc.__class__.__name__}"
    if answer[0] != 0x20:
        return f"not an MQTT broker (answered {answer[:1].hex()})"
    return "ok" if answer[3] == 0 else f"refused the connection (code {answer[3]})"


async def _mqtt_finding(settings: Settings, host) -> Finding | None:
    if host is None or "smart_property" not in host.plugins:
        return None
    state = await mqtt_handshake(settings.mqtt_url)
    return Finding("mqtt", OK if state == "ok" else FAIL, f"{settings.mqtt_url}: {state}")


def _heads(host) -> set[str] | None:
    if host is None:
        return None
    from alembic.script import ScriptDirectory

    from core.migrate import alembic_config

    return set(ScriptDirectory.from_config(alembic_config("", host)).get_heads())


def _plugins_finding(host) -> Finding | None:
    if host is None:
        return None
    broken = {n: why for n, why in host.refused.items() if not why.startswith("disabled")}
    if broken:
        return Finding("plugins", FAIL, "; ".join(f"{n}: {why[:100]}" for n, why in sorted(broken.items())))
    return Finding("plugins", OK, f"{len(host.plugins)} loaded")


async def run_checks(settings: Settings, host=None) -> list[Finding]:
    """Every check, in order; never raises for a failing service (that is a ``FAIL`` row)."""
    found = [f for f in [_plugins_finding(host)] if f]
    found += secrets_findings(settings)
    found += await _database_findings(settings, _heads(host))
    found.append(await _broker_finding(settings))
    found.append(await _storage_finding(settings))
    mqtt = await _mqtt_finding(settings, host)
    if mqtt:
        found.append(mqtt)
    return found


def table(findings: list[Finding]) -> str:
    """The findings as an aligned text table."""
    width = max(len(f.check) for f in findings)
    lines = [f"{'check'.ljust(width)}  status  detail"]
    lines += [f"{f.check.ljust(width)}  {f.status.ljust(6)}  {f.detail}" for f in findings]
    return "\n".join(lines)
