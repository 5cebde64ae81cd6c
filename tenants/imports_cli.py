"""``redprop import …``: bulk import of housing and residents from Excel, with a progress bar."""

from __future__ import annotations

import asyncio
import getpass
import itertools
import pathlib
import sys
import uuid

import click
from sqlalchemy import select

from core.audit.services import AuditContext
from core.db import Database, Scope
from core.problems import Problem
from core.settings import get_settings
from tenants.imports import ERRORS_IN_BODY, ImportResult, Progress, error_report_workbook, import_housing, template_workbook
from tenants.models import Tenant


@click.group("import")
def import_group() -> None:
    """Import housing and residents from .xlsx files (all rows or none)."""


class ProgressBars:
    """One click progress bar per stage of an import: rows checked, then records written."""

    LABELS = {"validate": "checking rows   ", "write": "writing records "}

    def __init__(self) -> None:
        self.stage: str | None = None
        self.done = 0
        self.bar = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            # without a known total (a sheet that does not declare its size) the bar counts instead of filling
            source = {"length": total} if total else {"iterable": itertools.repeat(None)}
            self.bar = click.progressbar(label=self.LABELS.get(stage, stage), show_pos=True, **source).__enter__()
        if total:
            self.bar.length = total
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # a container may run as a uid without a name
        return "cli"


async def _import(path: pathlib.Path, compound_id: uuid.UUID, progress: Progress) -> ImportResult:
    db = Database(get_settings().database_url)
    try:
        async with db.transaction(Scope.of([compound_id])) as session:
            # an operator at the console acts for the platform: the import is audited in the platform's chain
            platform = await session.scalar(select(Tenant.id).where(Tenant.kind == "platform"))
            session.info["audit"] = AuditContext(None, platform, _operator(), f"redprop import residents {path.name}")
            return await import_housing(session, compound_id, path, progress)
    finally:
        await db.dispose()


@import_group.command("residents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@click.option("--compound", "compound_id", required=True, type=click.UUID, help="Id of the compound to import into.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=pathlib.Path),
    help="Where to write the error report (.xlsx) when the file is refused.",
)
def import_residents(file: pathlib.Path, compound_id: uuid.UUID, report_path: pathlib.Path | None) -> None:
    """Import buildings, rooms, households and residents from FILE (.xlsx) into a compound: every row, or none."""
    bars = ProgressBars()
    try:
        result = asyncio.run(_import(file, compound_id, bars))
    except Problem as problem:
        raise click.ClickException(problem.detail or problem.title) from None
    finally:
        bars.close()
    if result.errors:
        for e in result.errors[:ERRORS_IN_BODY]:
            click.echo(f"row {e.row}, {e.column or '-'}: {e.message}", err=True)
        more = len(result.errors) - ERRORS_IN_BODY
        if more > 0:
            click.echo(f"… and {more} more (--report FILE writes them all)", err=True)
        if report_path is not None:
            report_path.write_bytes(error_report_workbook(result.errors))
            click.echo(f"error report written to {report_path}", err=True)
        click.echo(f"{len(result.errors)} error(s); nothing was imported", err=True)
        sys.exit(1)
    click.echo(
        f"imported {result.rows} rows: {result.buildings} buildings, {result.units} units, {result.rooms} rooms, "
        f"{result.households} households and {result.residents} residents created; {result.existing_residents} residents were already registered"
        + (f"; {result.rooms_updated} registered rooms got a building area or delivery date" if result.rooms_updated else "")
    )


@import_group.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=pathlib.Path))
def template(out: pathlib.Path) -> None:
    """Write the empty ledger (导入模板) to OUT (.xlsx)."""
    out.write_bytes(template_workbook())
    click.echo(f"template written to {out}")
