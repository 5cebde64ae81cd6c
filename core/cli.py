"""The ``redprop`` command for operators: migrations, plugins, tenants, the demo and the server."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import pathlib
import sys

import click

from core.settings import get_settings


def run_cross_scope(reason: str, work, *, commit: bool = False):
    """Run ``await work(session)`` in one cross-scope session of the configured database (operator commands);
    ``commit`` makes it one transaction that commits when ``work`` returns."""
    from core.db import Database, Scope

    async def go():
        db = Database.from_settings(get_settings())
        try:
            opened = db.transaction if commit else db.session
            async with opened(Scope.everything(reason)) as session:
                return await work(session)
        finally:
            await db.dispose()

    from core.plugins.lifecycle import run_to_completion

    return run_to_completion(go)  # also from a caller that already runs an event loop (tests, notebooks)


class RedpropCLI(click.Group):
    """The kernel's commands, then those plugins add through ``redprop_cli_commands`` (the control plane's
    ``import``, say), loaded the first time a name is not the kernel's or the commands are listed."""

    _plugins_loaded = False

    def _add_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from core.app import load_plugins

        for rec, command in load_plugins(get_settings()).declared("redprop_cli_commands"):
            if command.name in self.commands:
                logging.getLogger("redprop.cli").error("plugin %s: command %r clashes with an existing one", rec.name, command.name)
                continue
            self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None:
            self._add_plugin_commands()
            found = super().get_command(ctx, cmd_name)
        return found


@click.group(cls=RedpropCLI)
@click.option("--log-level", default="INFO", show_default=True)
def main(log_level: str) -> None:
    """redprop — 红色物业 platform operations."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.group()
def db() -> None:
    """Database migrations (core and every plugin branch)."""


@db.command("upgrade")
@click.option("--target", default="heads", show_default=True)
def db_upgrade(target: str) -> None:
    """Migrate to the heads of every branch."""
    from core.app import load_plugins
    from core.migrate import upgrade

    settings = get_settings()
    host = load_plugins(settings)
    upgrade(settings.migrate_database_url, host, target)
    click.echo("database is at heads")
    if settings.migrate_database_url.startswith("postgresql"):
        _distribute(settings.migrate_database_url, host, None)  # on a Citus coordinator, the new tables too


@db.command("distribute")
@click.option("--shard-count", type=click.IntRange(1, 1024), default=None, help="Shards of a new colocation group (citus.shard_count).")
def db_distribute(shard_count: int | None) -> None:
    """On a Citus coordinator: distribute every table not yet distributed (compounds by id, compound tables by
    compound_id colocated with it, the rest reference tables). Idempotent; on plain PostgreSQL it does nothing."""
    from core.app import load_plugins

    settings = get_settings()
    _distribute(settings.migrate_database_url, load_plugins(settings), shard_count)


def _distribute(url: str, host, shard_count: int | None) -> None:
    from core.citus import DistributionError, distribute

    try:
        report = distribute(url, host, shard_count)
    except DistributionError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line)


@db.command("current")
def db_current() -> None:
    """Show the revision of each branch."""
    from core.app import load_plugins
    from core.migrate import current

    settings = get_settings()
    current(settings.migrate_database_url, load_plugins(settings))


@main.group("plugins", invoke_without_command=True)
@click.pass_context
def plugins_cmd(context: click.Context) -> None:
    """List installed plugins: state, version, hook API, hooks and the compounds where each is enabled."""
    if context.invoked_subcommand is not None:
        return
    from core import access
    from core.app import load_plugins
    from core.plugins.lifecycle import states

    settings = get_settings()
    host = load_plugins(settings)
    access.install(host.pm.hook.redprop_access_rules())
    try:
        enabled = run_cross_scope("redprop plugins listing", lambda session: _enabled_compounds(session, [r.name for r in host.modules]))
    except Exception as exc:  # a listing still works without a migrated database
        click.echo(f"(enablement unknown: {exc.__class__.__name__})", err=True)
        enabled = {}
    for line in states(host, enabled):
        if line.state == "refused":
            click.echo(f"{line.name} REFUSED: {line.note}")
            continue
        click.echo(f"{line.name} {line.version} [{line.state}] hook API {line.hook_api}")
        click.echo(f"  hooks: {', '.join(host.plugins[line.name].hooks)}")
        if line.state != "built-in":
            click.echo(f"  enabled in {len(line.compounds)} compound(s){': ' + ', '.join(line.compounds) if line.compounds else ''}")


@plugins_cmd.command("purge")
@click.argument("name")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=pathlib.Path), help="where its data goes (JSON)")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def plugins_purge(name: str, export_path: pathlib.Path | None, yes: bool) -> None:
    """Export a plugin's data to a file, then drop its tables (its migration branch down to base). Uninstall it after."""
    import datetime as dt

    from core.app import load_plugins
    from core.plugins import lifecycle

    settings = get_settings()
    host = load_plugins(settings)
    record = host.plugins.get(name)
    if record is None:
        raise click.ClickException(f"no loaded plugin named {name}" + (f" (refused: {host.refused[name]})" if name in host.refused else ""))
    if not record.is_module:
        raise click.ClickException(f"{name} is a built-in part of the platform and cannot be purged")
    tables = lifecycle.tables_of(record)
    target = export_path or pathlib.Path(f"{name}-export-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json")
    if not yes:
        click.confirm(f"Export and then DROP the tables of {name} ({', '.join(tables) or 'none'})?", abort=True)
    counts = lifecycle.export(settings.migrate_database_url, tables, target)
    click.echo(f"exported {sum(counts.values())} row(s) of {len(counts)} table(s) to {target}")
    lifecycle.purge(settings.migrate_database_url, host, name)
    from core import access

    access.install(host.pm.hook.redprop_access_rules())
    forgotten = run_cross_scope(f"redprop plugins purge {name}", lambda session: access.rules().forget_module(session, name), commit=True)
    lifecycle.append_to_export(target, {"_control_plane": forgotten})
    click.echo(
        f"dropped the tables of {name}, {len(forgotten['module_enablements'])} enablement(s) and its place in "
        f"{len(forgotten['plans'])} plan(s); uninstall its package now (pip uninstall), or `redprop db upgrade` brings "
        "the tables back empty"
    )


async def _enabled_compounds(session, modules: list[str]) -> dict[str, list[str]]:
    """Names of the compounds where each module is on, asked of the control plane (``core.access.rules``)."""
    from core.access import rules

    found = {m: await rules().compounds_with_module(session, m) for m in modules}
    names = await rules().compound_names(session, sorted({c for ids in found.values() for c in ids}))
    return {m: sorted(names[c] for c in ids if c in names) for m, ids in found.items()}


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API and console with uvicorn (a line per request only with REDPROP_ACCESS_LOG, and without personal data)."""
    from core.app import create_app

    settings = get_settings()
    _run_uvicorn(create_app(settings), settings, host, port)


class AccessLine(logging.Filter):
    """uvicorn's access line without what may be personal data: no client address, no query string (a search by a
    resident's name or phone number travels in it). Method, path and status stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _client, method, path, version, status = record.args
            record.args = ("-", method, str(path).split("?", 1)[0], version, status)
        return True


def _run_uvicorn(app, settings, host: str, port: int) -> None:
    """uvicorn at INFO, its access log as REDPROP_ACCESS_LOG says (off by default in production), filtered by :class:`AccessLine`."""
    import uvicorn

    # on SIGTERM uvicorn stops accepting, lets the requests in flight finish (up to the grace), then runs the app's
    # shutdown (the embedded worker, the pools)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=settings.access_log,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    logging.getLogger("uvicorn.access").addFilter(AccessLine())  # after the Config applied uvicorn's logging setup
    from core.app import freeze_startup_heap

    freeze_startup_heap()
    uvicorn.Server(config).run()


@main.command("demo")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--data-dir", default="var/demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-serve", is_flag=True, help="Build the demo city and exit.")
def demo(port: int, host: str, data_dir: str, no_serve: bool) -> None:
    """Build the demo city in an embedded database and serve it."""
    from core.app import create_app, load_plugins
    from core.db import Database
    from core.migrate import upgrade

    path = pathlib.Path(data_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{path / 'redprop.db'}"
    # every connection is the embedded database, whatever URLs the environment names
    settings = dataclasses.replace(get_settings(), var_dir=path, database_url=url, migrate_database_url=url, cross_scope_database_url=url)
    if settings.is_production:
        raise click.ClickException("the demo does not run with REDPROP_ENV=production")
    host_plugins = load_plugins(settings)
    city_of = host_plugins.pm.hook.redprop_demo_city()  # the control plane's demo city (redprop_demo_city)
    if city_of is None:
        raise click.ClickException("no plugin provides the demo city (redprop_demo_city)")
    upgrade(settings.migrate_database_url, host_plugins)

    async def seed():
        db = Database.from_settings(settings)
        try:
            return await city_of.build(db, host_plugins)
        finally:
            await db.dispose()

    city = asyncio.run(seed())
    click.echo("demo city built" if city else "demo city already present")
    url = f"http://{host}:{port}"
    click.echo(f"\nredprop demo: {url}  (API docs {url}/schema/swagger)\npassword for every account: {city_of.password}")
    for username, _, role in city_of.accounts:
        click.echo(f"  {username:<18} {role}")
    if no_serve:
        return
    sys.stdout.flush()
    _run_uvicorn(create_app(settings, host_plugins), settings, host, port)


@main.command("worker")
@click.option("--threads", type=int, default=None, help="Worker threads (default REDPROP_WORKER_THREADS).")
@click.option("--mqtt", is_flag=True, help="Also run the MQTT subscriber (REDPROP_MQTT_URL); with the stub broker, only it.")
def worker(threads: int | None, mqtt: bool) -> None:
    """Run a job worker: dramatiq actors, the outbox dispatcher and the scheduler (and the MQTT subscriber with --mqtt)."""
    import signal
    import threading

    from core.app import load_plugins, start_background_services
    from core.jobs.runtime import build_runtime

    settings = get_settings()
    if settings.broker_url.startswith("stub") and not mqtt:
        raise click.ClickException(
            "a separate worker needs REDPROP_BROKER_URL (redis://… or amqp://…); the stub broker runs inside the app"
        )
    host = load_plugins(settings)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    runtime = None
    if not settings.broker_url.startswith("stub"):  # with the stub broker the app's embedded worker handles the events
        runtime = build_runtime(settings, host)
        runtime.start_worker(threads)
        runtime.start_loops()
        click.echo(f"worker {runtime.identity} running: {len(runtime.actors)} actors, {len(runtime.schedules)} schedules")
    stops = start_background_services(settings, host, option="mqtt") if mqtt else []
    if mqtt:
        click.echo(f"MQTT subscriber: {len(stops)} service(s) on {settings.mqtt_url}")
    done.wait()
    for stop in stops:
        stop()
    if runtime is not None:
        if runtime.worker is not None:  # SIGTERM: no new message; running jobs get the grace period to finish
            runtime.worker.stop(timeout=settings.shutdown_grace_seconds * 1000)
            runtime.worker = None
        runtime.stop()


@main.command("check")
def check() -> None:
    """Check the configuration and every service this process needs: the database as the application's role
    (row-level security on and holding), the cross-scope role, migrations, broker, storage, MQTT (smart_property);
    refuse the demo's secrets outside the demo. Prints a table; exits 1 when a check fails."""
    from core.check import FAIL, Finding, run_checks, table
    from core.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        click.echo(table([Finding("settings", FAIL, str(exc))]))
        sys.exit(1)
    from core.app import load_plugins

    try:
        host = load_plugins(settings)
    except Exception as exc:  # a built-in part that cannot load: reported, the rest still checked
        click.echo(f"plugins: {exc}", err=True)
        host = None
    findings = asyncio.run(run_checks(settings, host))
    click.echo(table(findings))
    if any(f.status == FAIL for f in findings):
        sys.exit(1)


@main.group()
def audit() -> None:
    """The audit log: verify the hash chains, export."""


@audit.command("verify")
@click.option("--tenant", "tenant", default=None, help="A tenant id (chain); all chains by default.")
def audit_verify(tenant: str | None) -> None:
    """Recompute every chain; report the first broken link (exit 1 when one is broken)."""

    from core.audit.services import verify_all

    reports = run_cross_scope("audit verify", lambda session: verify_all(session, tenant))
    broken = [r for r in reports if not r.ok]
    for r in reports:
        click.echo(f"{r.chain}: {r.entries} entries, " + ("ok" if r.ok else f"BROKEN at row {r.first_broken_seq}: {r.problem}"))
    if broken:
        sys.exit(1)


@audit.command("export")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--tenant", "tenant", default=None)
def audit_export(out: str, tenant: str | None) -> None:
    """Write the log (or one tenant's) as CSV."""
    import uuid

    from core.audit.services import export_csv

    body = run_cross_scope("audit export", lambda session: export_csv(session, uuid.UUID(tenant) if tenant else None))
    pathlib.Path(out).write_text(body, encoding="utf-8")
    click.echo(f"wrote {out}")


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar that every time limit counts on."""


@calendar_group.command("show")
@click.argument("year", type=click.IntRange(1990, 2200))
def calendar_show(year: int) -> None:
    """Every day of YEAR: working or not, why, and where that came from (notice, library or statute)."""
    import datetime as dt

    from core.calendar import load_calendar

    cal = load_calendar(get_settings().holidays_file)
    rule = cal.rule(year)
    click.echo(f"{year}: {rule.source}")
    day = dt.date(year, 1, 1)
    while day.year == year:
        working, why, _ = cal.describe(day)
        click.echo(f"{day.isoformat()} {day.strftime('%a')} {'work' if working else 'off '} {why}")
        day += dt.timedelta(days=1)


@main.group("dead-letters")
def dead_letters() -> None:
    """Job messages that failed every retry."""


@dead_letters.command("list")
def dead_letters_list() -> None:
    """List dead letters not yet retried."""

    from sqlalchemy import select

    from core.events.models import DeadLetter

    async def pending(session):
        return (await session.scalars(select(DeadLetter).where(DeadLetter.retried_at.is_(None)).order_by(DeadLetter.id))).all()

    letters = run_cross_scope("dead letters", pending)
    for d in letters:
        click.echo(f"{d.id}\t{d.failed_at:%Y-%m-%d %H:%M:%S}\t{d.actor}\t{d.args}\t{d.error[:120]}")
    click.echo(f"{len(letters)} dead letter(s)")


@dead_letters.command("retry")
@click.argument("ids", nargs=-1, type=int)
def dead_letters_retry(ids: tuple[int, ...]) -> None:
    """Send dead letters again (all, or the given ids)."""
    from core.app import load_plugins
    from core.db import Database
    from core.jobs.runtime import build_runtime, retry_dead_letters

    settings = get_settings()
    runtime = build_runtime(settings, load_plugins(settings))

    async def run():
        db = Database.from_settings(settings)
        try:
            return await retry_dead_letters(runtime, db, list(ids) or None)
        finally:
            await db.dispose()

    click.echo(f"re-sent {asyncio.run(run())} message(s)")


def _operator() -> str:
    """Who runs an operator command, for the cross-scope reason (an account name of the machine, not personal data)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without passwd entry)
        return "unknown"


@main.command("backup")
@click.option("--tenant", "tenant", required=True, help="The tenant's id: its compounds' data, its own rows and attachments.")
@click.option(
    "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=pathlib.Path), help="The archive to write (.tar.gz)."
)
def backup_cmd(tenant: str, output: pathlib.Path) -> None:
    """Back up one tenant into a portable archive (docs/operations.md): every table's rows of its compounds, read from
    the metadata (core, control plane and every plugin), encrypted fields as stored, and the attachment bytes."""
    import uuid

    from core.app import load_plugins
    from core.backup import BackupError, alembic_heads, backup_tenant
    from core.db import Base
    from core.files.storage import make_storage
    from core.plugins.lifecycle import run_to_completion

    try:
        tenant_id = uuid.UUID(tenant)
    except ValueError:
        raise click.ClickException(f"--tenant must be a tenant id (a UUID), not {tenant!r}") from None
    settings = get_settings()
    load_plugins(settings)  # every plugin's tables in the metadata
    heads = run_to_completion(lambda: alembic_heads(settings.migrate_database_url))
    storage = make_storage(settings)
    reason = f"redprop backup of tenant {tenant_id} by {_operator()}"
    try:
        manifest = run_cross_scope(reason, lambda session: backup_tenant(session, Base.metadata, storage, tenant_id, output, heads))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(
        f"wrote {output}: tenant {manifest['tenant']['name']} ({tenant_id}), {len(manifest['compounds'])} compound(s), "
        f"{rows} row(s) of {len(manifest['tables'])} table(s), {len(manifest['attachments'])} attachment(s) in {manifest['seconds']} s"
    )


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
def restore_cmd(archive: pathlib.Path) -> None:
    """Restore a tenant's archive into an EMPTY instance migrated to the archive's revisions and holding the same
    encryption keys (REDPROP_SECRET_KEY and the phone/ID keys): checks every sha256 first, writes in one transaction."""
    from core.app import load_plugins
    from core.backup import BackupError, alembic_heads, read_archive, restore_archive
    from core.db import Base
    from core.files.storage import make_storage
    from core.plugins.lifecycle import run_to_completion

    settings = get_settings()
    load_plugins(settings)
    try:
        opened = read_archive(archive)
        heads = run_to_completion(lambda: alembic_heads(settings.migrate_database_url))
        storage = make_storage(settings)
        reason = f"redprop restore of tenant {opened.manifest['tenant']['id']} by {_operator()}"
        summary = run_cross_scope(reason, lambda session: restore_archive(session, Base.metadata, storage, opened, heads), commit=True)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"restored tenant {summary['tenant']['name']} ({summary['tenant']['id']}): {summary['compounds']} compound(s), "
        f"{summary['rows']} row(s) in {summary['tables']} table(s), {summary['attachments']} attachment(s) in {summary['seconds']} s"
    )


@main.group("plugin")
def plugin_group() -> None:
    """Plugin development."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--dir", "directory", default=".", show_default=True, type=click.Path(file_okay=False))
@click.option("--title", default=None, help="Human-readable name (labels).")
def plugin_new(name: str, directory: str, title: str | None) -> None:
    """Scaffold a vendor plugin package with the standard files, a migration branch and its contract test."""
    from core.plugins.scaffold import scaffold

    try:
        files = scaffold(name, pathlib.Path(directory), title)
    except (ValueError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {files[0].parent} ({len(files)} files); pip install -e it, then redprop db upgrade")


if __name__ == "__main__":
    main()
