"""``redprop generate city``: a generated city in an empty PostgreSQL database (scale work, issue 17)."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import click

from core.settings import get_settings


@click.group("generate")
def generate_group() -> None:
    """Generated data for scale work (an empty PostgreSQL database only)."""


@generate_group.command("city")
@click.option(
    "--compounds", "count", required=True, type=click.IntRange(1, 20_000), help="How many compounds (~300 rooms, ~750 residents each)."
)
@click.option("--seed", default=1, show_default=True, type=int, help="The same seed gives the same city.")
@click.option(
    "--database-url",
    default=None,
    help="The database to fill (default: REDPROP_MIGRATE_DATABASE_URL, which defaults to REDPROP_DATABASE_URL): the owner "
    "copies every table with COPY; the cross-scope role inserts RLS tables in batches (PostgreSQL refuses COPY under RLS).",
)
@click.option("--quiet", is_flag=True, help="No progress line.")
def generate_city_cmd(count: int, seed: int, database_url: str | None, quiet: bool) -> None:
    """Fill an EMPTY, migrated PostgreSQL database with a city of COMPOUNDS compounds (refuses one with tenants)."""
    from core import access, clock
    from core.app import load_plugins
    from core.db import Database
    from tenants.access import ControlPlaneAccess
    from tenants.generate import CITY_PASSWORD, NotEmpty, Progress, generate_city

    settings = get_settings()
    if settings.is_production:
        raise click.ClickException("redprop generate does not run with REDPROP_ENV=production")
    url = database_url or settings.migrate_database_url
    settings = dataclasses.replace(settings, database_url=url, cross_scope_database_url=url)
    if not settings.cross_scope_database_url.startswith("postgresql"):
        raise click.ClickException("the city generator writes with COPY: give a PostgreSQL database (--database-url)")
    host = load_plugins(settings)
    access.install(host.pm.hook.redprop_access_rules() or ControlPlaneAccess())
    started = time.monotonic()

    # the city is dated from the start of today (UTC): the same seed gives the same rows, ids included, all day
    day_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)

    async def run():
        db = Database.from_settings(settings)
        try:
            return await generate_city(db, host, count, seed, now=day_start, progress=None if quiet else Progress(count))
        finally:
            await db.dispose()

    try:
        city = asyncio.run(run())
    except NotEmpty as exc:
        raise click.ClickException(str(exc)) from None
    elapsed = time.monotonic() - started
    rows = sum(city.counts.values())
    click.echo(f"generated {count} compounds (seed {seed}): {rows:,} rows in {elapsed:.0f} s")
    for table in ("compounds", "rooms", "residents", "users"):
        click.echo(f"  {table:<12} {city.counts.get(table, 0):>10,}")
    click.echo(f"password of every generated account: {CITY_PASSWORD}")
    click.echo("accounts: platform, district-01-admin, enterprise-001-admin, c0001-manager, c0001-staff, c0001-resident-1 …")
