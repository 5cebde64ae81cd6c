"""Citus: which tables are spread over the cluster and how, and the command that does it.

redprop's data is distributed by compound: ``compounds`` by its ``id``, every
table with a ``compound_id`` column by ``compound_id`` in the same colocation
group (a compound's rows sit on one node, with its row of ``compounds``), and
every other table becomes a **reference table** (a copy on every node).

A table with a ``compound_id`` may instead be declared a reference table, with
the reason: the kernel's in :data:`REFERENCE`, a plugin's on its model
(``__citus_reference__ = "why"``). Those are records of a tenant or of the
platform that merely name a compound (a NULL ``compound_id`` cannot live in a
hash-distributed table), and they carry no foreign key to a distributed table.

:func:`rule_violations` states, on the SQLAlchemy metadata of the core and every
plugin, what Citus needs of the schema; a test runs it in the normal suite.
:func:`distribute` (``redprop db distribute``, and ``redprop db upgrade`` on a
Citus coordinator) distributes whatever is not yet distributed. Runbook:
deploy/citus.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ForeignKeyConstraint, Index, MetaData, Table, UniqueConstraint, text

from core import rls

DISTRIBUTION_COLUMN = "compound_id"
ROOT = "compounds"
"""Distributed by its own ``id``; the colocation group every compound table joins."""
LOCAL = frozenset({"alembic_version"})
"""Tables that stay ordinary tables of the coordinator."""

REFERENCE: dict[str, str] = {
    "audit_entries": "a tenant's hash chain spans its compounds and platform-level rows have no compound_id; one"
    " ordered chain per tenant, appended under a lock on its head",
    "outbox_events": "the platform's event queue: events of tenants and of the platform (compound_id NULL) read in"
    " order by every process's dispatcher",
    "notifications": "a user's inbox: platform and tenant notices have no compound_id, and a user reads one inbox"
    " across the compounds they live or work in",
    "invoice_lines": "the control plane's monthly bill of an enterprise: a line names a compound, the invoice is the"
    " tenant's and is read whole",
}
"""The kernel's tables with a ``compound_id`` column that are reference tables, and why."""


def declared_reference(tables: Iterable[Table], models: Iterable[type] = ()) -> dict[str, str]:
    """:data:`REFERENCE` and the plugins' declarations (``__citus_reference__`` on a model) for ``tables``."""
    names = {t.name for t in tables}
    found = {name: why for name, why in REFERENCE.items() if name in names}
    for model in models:
        reason = getattr(model, "__citus_reference__", None)
        table = getattr(model, "__tablename__", None)
        if reason and table in names:
            found[table] = reason
    return found


def models_of(metadata: MetaData) -> list[type]:
    """Every mapped class whose table is in ``metadata`` (the registry of :class:`core.db.Base`)."""
    from core.db import Base

    return [m.class_ for m in Base.registry.mappers if getattr(m.class_, "__table__", None) is not None]


@dataclass
class Layout:
    """Where each table goes: ``distributed`` (by compound_id, colocated with compounds) and ``reference``."""

    distributed: list[str] = field(default_factory=list)
    reference: list[str] = field(default_factory=list)
    declared: dict[str, str] = field(default_factory=dict)

    def kind(self, table: str) -> str:
        if table == ROOT:
            return "root"
        if table in self.distributed:
            return "distributed"
        return "reference" if table in self.reference else "local"


def layout(metadata: MetaData, declared: dict[str, str] | None = None) -> Layout:
    """The distribution of every table of ``metadata``."""
    declared = declared_reference(metadata.tables.values(), models_of(metadata)) if declared is None else declared
    out = Layout(declared=declared)
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        if table.name in LOCAL or table.name == ROOT:
            continue
        if DISTRIBUTION_COLUMN in table.c and table.name not in declared:
            out.distributed.append(table.name)
        else:
            out.reference.append(table.name)
    return out


def _columns(constraint) -> list[str]:
    return [c.name for c in constraint.columns]


def rule_violations(metadata: MetaData, declared: dict[str, str] | None = None) -> list[str]:
    """What would stop Citus distributing ``metadata`` as :func:`layout` says, one line per table and constraint.

    Compound tables: ``compound_id`` NOT NULL and first in the primary key and in every unique constraint and
    unique index; a foreign key to another compound table starts with ``compound_id`` and maps it to
    ``compound_id`` (to ``compounds``: ``compound_id`` → ``id``) and neither sets NULL nor a default on delete (Citus refuses both
    when the distribution column is in the key). Reference tables: no foreign key to ``compounds`` or to a
    compound table. A plugin's table breaking one of them fails here, named, before it ever meets a cluster.
    """
    plan = layout(metadata, declared)
    found: list[str] = []
    for name in plan.distributed:
        table = metadata.tables[name]
        column = table.c[DISTRIBUTION_COLUMN]
        if column.nullable:
            found.append(
                f"{name}: column {DISTRIBUTION_COLUMN} is nullable; a compound table's rows each belong to one compound"
                " (declare it a reference table with __citus_reference__ if its rows are a tenant's)"
            )
        pk = _columns(table.primary_key)
        if not pk or pk[0] != DISTRIBUTION_COLUMN:
            found.append(
                f"{name}: primary key {table.primary_key.name or 'pk_' + name} is ({', '.join(pk)}); it must start with {DISTRIBUTION_COLUMN}"
            )
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and _columns(constraint)[:1] != [DISTRIBUTION_COLUMN]:
                found.append(
                    f"{name}: unique constraint {constraint.name} is ({', '.join(_columns(constraint))}); it must start with {DISTRIBUTION_COLUMN}"
                )
        for index in table.indexes:
            if isinstance(index, Index) and index.unique and _columns(index)[:1] != [DISTRIBUTION_COLUMN]:
                found.append(
                    f"{name}: unique index {index.name} is ({', '.join(_columns(index))}); it must start with {DISTRIBUTION_COLUMN}"
                )
        for fk in table.foreign_key_constraints:
            found.extend(_compound_fk_problems(plan, name, fk))
    for name in plan.reference:
        table = metadata.tables[name]
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if plan.kind(target) in ("root", "distributed"):
                found.append(
                    f"{name}: foreign key {fk.name} references {target}, a distributed table; a reference table"
                    f" ({'declared: ' + plan.declared[name] if name in plan.declared else 'no compound_id'}) may reference"
                    " only reference tables"
                )
    return found


def _compound_fk_problems(plan: Layout, name: str, fk: ForeignKeyConstraint) -> list[str]:
    target = fk.referred_table.name
    kind = plan.kind(target)
    if kind not in ("root", "distributed"):
        return []  # to a reference table: any action is fine
    pairs = dict(zip(_columns(fk), [e.column.name for e in fk.elements], strict=True))
    wanted = "id" if kind == "root" else DISTRIBUTION_COLUMN
    problems = []
    if _columns(fk)[0] != DISTRIBUTION_COLUMN:
        problems.append(f"{name}: foreign key {fk.name} ({', '.join(pairs)}) → {target} must start with {DISTRIBUTION_COLUMN}")
    if pairs.get(DISTRIBUTION_COLUMN) != wanted:
        problems.append(
            f"{name}: foreign key {fk.name} ({', '.join(pairs)}) → {target}({', '.join(pairs.values())}) must map"
            f" {DISTRIBUTION_COLUMN} to {target}.{wanted}: both rows live on one compound's shard"
        )
    if (fk.ondelete or "").upper() in ("SET NULL", "SET DEFAULT"):
        problems.append(
            f"{name}: foreign key {fk.name} → {target} is ON DELETE {fk.ondelete.upper()}; Citus refuses it when"
            f" {DISTRIBUTION_COLUMN} is in the key (use NO ACTION and clear the reference in the service)"
        )
    return problems


# --------------------------------------------------------------------------- the cluster


@dataclass
class Report:
    """What :func:`distribute` found and did."""

    citus: bool
    done: list[str] = field(default_factory=list)
    distributed: int = 0
    reference: int = 0

    def lines(self) -> list[str]:
        if not self.citus:
            return ["the citus extension is not installed in this database: nothing to distribute"]
        head = f"{self.distributed} table(s) distributed by compound, {self.reference} reference table(s)"
        return [*self.done, head if self.done else f"nothing to do: {head}"]


class DistributionError(RuntimeError):
    """The cluster holds a table distributed otherwise than the layout says; the message names it."""


async def citus_installed(conn) -> bool:
    """Is the citus extension present in the database ``conn`` (an SQLAlchemy async connection) is on?"""
    if conn.dialect.name != "postgresql":
        return False
    return (await conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).first() is not None


async def _catalog(conn) -> tuple[dict[str, bool], dict[str, str]]:
    """``{table: has a compound_id column}`` of the public schema, and ``{table: citus_table_type}`` already in Citus."""
    rows = await conn.exec_driver_sql(
        """SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'compound_id'
                                     AND NOT a.attisdropped)
           FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition"""
    )
    tables = {name: has for name, has in rows}
    rows = await conn.exec_driver_sql(
        """SELECT p.logicalrelid::regclass::text,
                  CASE WHEN p.partmethod = 'h' THEN 'distributed'
                       WHEN p.repmodel = 't' THEN 'reference' ELSE 'local' END
           FROM pg_dist_partition p"""
    )
    return tables, {name.strip('"'): kind for name, kind in rows}


async def distribute_on(conn, declared: dict[str, str], shard_count: int | None = None) -> Report:
    """Distribute, on the connection ``conn`` (the tables' owner, on the coordinator, outside a transaction),
    every table of the public schema that is not yet distributed.

    Tables the metadata does not know (a table a plugin's migration created and its models do not map) are placed
    by the same rule: with a ``compound_id`` column, distributed. Foreign keys touching the pending tables are
    dropped, the tables distributed (reference tables, then ``compounds``, then the compound tables, colocated),
    and the keys created again, all in one transaction: a refusal leaves the database as it was.
    """
    if not await citus_installed(conn):
        return Report(citus=False)
    tables, current = await _catalog(conn)
    wanted: dict[str, str] = {}
    for name, has_compound in tables.items():
        if name in LOCAL:
            continue
        wanted[name] = "root" if name == ROOT else "distributed" if has_compound and name not in declared else "reference"
    report = Report(citus=True)
    report.distributed = sum(1 for k in wanted.values() if k in ("root", "distributed"))
    report.reference = sum(1 for k in wanted.values() if k == "reference")
    pending = []
    for name, kind in sorted(wanted.items()):
        now = current.get(name)
        if now in (None, "local"):
            pending.append(name)
        elif now != {"root": "distributed"}.get(kind, kind):
            raise DistributionError(f"{name} is a {now} table; redprop's layout makes it {kind} (undistribute_table it first)")
    if not pending:
        return report
    await conn.commit()  # the catalogue reads above autobegan a transaction; the work runs in one of its own
    async with conn.begin():
        await conn.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")  # FKs to reference tables
        await conn.exec_driver_sql("SET LOCAL citus.enable_unsafe_triggers TO on")  # append-only guards: they only refuse
        if shard_count:
            await conn.exec_driver_sql(f"SET LOCAL citus.shard_count TO {int(shard_count)}")
        keys = (
            await conn.execute(
                text(
                    """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                       FROM pg_constraint
                       WHERE contype = 'f' AND (conrelid::regclass::text = ANY (:pending) OR confrelid::regclass::text = ANY (:pending))
                       ORDER BY conrelid::regclass::text, conname"""
                ),
                {"pending": pending},
            )
        ).all()
        for table, name, _ in keys:
            await conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        # Citus refuses subqueries in policies on distributed tables: the scope policies go back to the bare form
        policies = (await conn.exec_driver_sql(rls.POLICIES_SQL)).all()
        for statement in rls.policy_rewrites(policies, once=False, tables=set(pending)):
            await conn.exec_driver_sql(statement)
        order = (
            [n for n in pending if wanted[n] == "reference"]
            + [n for n in pending if wanted[n] == "root"]
            + [n for n in pending if wanted[n] == "distributed"]
        )
        for name in order:
            if wanted[name] == "reference":
                await conn.exec_driver_sql(f"SELECT create_reference_table('{name}')")
            elif wanted[name] == "root":
                await conn.exec_driver_sql(f"SELECT create_distributed_table('{name}', 'id')")
            else:
                await conn.exec_driver_sql(f"SELECT create_distributed_table('{name}', '{DISTRIBUTION_COLUMN}', colocate_with => '{ROOT}')")
            report.done.append(f"{'reference' if wanted[name] == 'reference' else 'distributed'} {name}")
        for table, name, definition in keys:
            await conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return report


async def distribute_url(url: str, declared: dict[str, str], shard_count: int | None = None, broken: Iterable[str] = ()) -> Report:
    """:func:`distribute_on` at ``url``; refused on a cluster while plugins failed to load (``broken``): their
    declared reference tables would be taken for compound tables."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            if broken and await citus_installed(conn):
                raise DistributionError(f"plugins failed to load ({', '.join(broken)}): fix them before distributing")
            return await distribute_on(conn, declared, shard_count)
    finally:
        await engine.dispose()


def distribute(url: str, host, shard_count: int | None = None) -> Report:
    """``redprop db distribute``: the plugins of ``host`` loaded, distribute what is pending at ``url`` (owner)."""
    from core.db import Base

    declared = layout(Base.metadata).declared
    broken = sorted(n for n, why in getattr(host, "refused", {}).items() if not why.startswith("disabled"))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(distribute_url(url, declared, shard_count, broken))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, distribute_url(url, declared, shard_count)).result()
