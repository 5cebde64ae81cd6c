"""Declarative base, mixins and the one place where data scope is enforced.

Every business row belongs to a compound (``CompoundScoped``: ``compound_id``
first in the primary key); a session carries a :class:`Scope` and a
``do_orm_execute`` hook adds the reachable-compound filter to every ORM
statement. On PostgreSQL the same scope is handed to row-level security with
``SET LOCAL`` at the start of every transaction. A cross-scope session
(``Scope.everything(reason)``) runs on a second engine that connects as the
cross-scope role (``redprop_worker``): membership of that role, never a
setting, is what the policies' "all compounds" branch tests. Its reason is
logged on ``redprop.scope``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, MetaData, Numeric, String, Uuid, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.types import TypeDecorator

from core.ids import uuid7

log = logging.getLogger("redprop.db")
scope_log = logging.getLogger("redprop.scope")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Now, in UTC; tests move it through :mod:`core.clock`."""
    from core.clock import now

    return now()


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL, text on SQLite: areas and money never pass through a float."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 2) -> None:
        super().__init__(precision=precision, scale=scale)
        self.scale = scale

    def load_dialect_impl(self, dialect):  # type: ignore[override]
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(self.impl.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):  # type: ignore[override]
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal(1).scaleb(-self.scale))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[override]
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    """Declarative base of every redprop table (core, tenants and plugins)."""

    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    """Audit columns: when a row was created and last changed (UTC)."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ScopeRoot:
    """Marks the compounds table itself: scoped by its own ``id``."""

    @declared_attr
    def id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(Uuid, primary_key=True, default=uuid7, sort_order=-10)


class CompoundScoped(Timestamped):
    """A business row of one compound: ``(compound_id, id)`` is its primary key.

    Foreign keys between compound-scoped tables carry ``compound_id`` too, so a
    Citus cluster distributed by ``compound_id`` keeps a compound's rows on one shard.
    """

    @declared_attr
    def compound_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(Uuid, ForeignKey("compounds.id", ondelete="CASCADE"), primary_key=True, sort_order=-20)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7, sort_order=-10)


class TenantScoped(Timestamped):
    """Per-tenant configuration (routing tables, templates, custom roles)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7, sort_order=-10)

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, sort_order=-9)


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """The compounds a unit of work may touch. ``compound_ids=None`` means all (an audited escape)."""

    compound_ids: frozenset[uuid.UUID] | None
    reason: str = ""

    @classmethod
    def of(cls, ids: Iterable[uuid.UUID]) -> Scope:
        return cls(frozenset(ids))

    @classmethod
    def nothing(cls) -> Scope:
        return cls(frozenset())

    @classmethod
    def everything(cls, reason: str) -> Scope:
        """Cross-scope access for platform jobs and administration: runs as the cross-scope role;
        the reason (a fixed phrase, never personal data) is logged when a session opens."""
        if not reason:
            raise ValueError("a cross-scope session needs a reason")
        return cls(None, reason)

    @property
    def is_all(self) -> bool:
        return self.compound_ids is None

    def allows(self, compound_id: uuid.UUID) -> bool:
        return self.compound_ids is None or compound_id in self.compound_ids


class ScopeViolation(PermissionError):
    """A write tried to touch a compound outside the session's scope."""


def session_scope(session: Session) -> Scope:
    return session.info.get("scope") or Scope.nothing()


WITHIN = "within"
"""Execution option naming the compounds a statement reads (``.execution_options(within=compound_ids)``, or
:func:`within`): the scope hook narrows the session's reach to them (never widens it) instead of the statement carrying its own
``compound_id IN (…)``. A figure over hundreds of compounds then has one compound filter, not two: PostgreSQL 15 costs
two ``= ANY`` arrays on one indexed column as every pair of their elements and falls back to a sequential scan
(bench/README.md, the staff home)."""


def within(statement, compound_ids: Iterable[uuid.UUID]):
    """``statement`` reading only ``compound_ids`` (of the session's reach): see :data:`WITHIN`."""
    return statement.execution_options(**{WITHIN: tuple(compound_ids)})


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_statements(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria below already propagate to loader queries
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope = session_scope(state.session)
    narrowed = state.execution_options.get(WITHIN)
    if narrowed is not None:
        ids = [i for i in dict.fromkeys(narrowed) if scope.allows(i)]  # never wider than the reach
    elif scope.is_all:
        return
    else:
        ids = list(scope.compound_ids or ())
    state.statement = state.statement.options(
        with_loader_criteria(CompoundScoped, lambda cls: cls.compound_id.in_(ids), include_aliases=True),
        with_loader_criteria(ScopeRoot, lambda cls: cls.id.in_(ids), include_aliases=True),
    )


@event.listens_for(Session, "before_flush")
def _scope_writes(session: Session, flush_context, instances) -> None:
    scope = session_scope(session)
    if scope.is_all:
        return
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, CompoundScoped):
            cid = obj.compound_id
        elif isinstance(obj, ScopeRoot):
            cid = obj.id
        else:
            continue
        if cid is None or not scope.allows(cid):
            raise ScopeViolation(f"{type(obj).__name__} in compound {cid} is outside this session's scope")


def _set_local_statements(scope: Scope) -> list[str]:
    """``SET LOCAL`` (transaction-local, never leaking through the pool) rather than ``set_config``:
    Citus copies SET LOCAL to the workers a transaction touches (citus.propagate_set_commands = 'local').
    SET takes no bind parameters; the values are built only from UUIDs, so quoting is safe.

    A cross-scope session sets nothing: its role, not a setting, opens every compound
    (``redprop_scope_all()``); on the application's role it would see no compound at all."""
    if scope.is_all:
        return []
    ids = "{" + ",".join(str(uuid.UUID(str(i))) for i in sorted(scope.compound_ids or ())) + "}"
    return [f"SET LOCAL redprop.compound_ids = '{ids}'"]


@event.listens_for(Session, "after_begin")
def _scope_to_postgres(session: Session, transaction, connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for statement in _set_local_statements(session_scope(session)):
        connection.exec_driver_sql(statement)


# --------------------------------------------------------------------------- engine


def _engine(url: str, echo: bool, pool: Pool) -> AsyncEngine:
    kwargs: dict = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool.size, max_overflow=pool.overflow, pool_timeout=pool.timeout_seconds, pool_pre_ping=True)
        if url.startswith("postgresql+asyncpg"):
            kwargs["connect_args"] = {"server_settings": _server_settings(pool)}
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _server_settings(pool: Pool) -> dict[str, str]:
    """Session settings sent when a connection opens (no extra round trip).

    ``citus.propagate_set_commands``: on a Citus coordinator, every ``SET LOCAL`` (the scope) is copied to the
    workers a transaction touches; without it the policies on a worker's shards see no scope and hide every row
    (deploy/citus.md). Plain PostgreSQL keeps it as an unused placeholder. ``statement_timeout``: a runaway query
    is cancelled instead of holding its connection (and the pool) forever; 0 turns it off.
    """
    return {"citus.propagate_set_commands": "local", "statement_timeout": str(pool.statement_timeout_ms)}


@dataclass(frozen=True)
class Pool:
    """An engine's connection pool and statement timeout (``REDPROP_DB_*``)."""

    size: int = 10
    overflow: int = 20
    timeout_seconds: float = 30
    statement_timeout_ms: int = 60_000


class Database:
    """The engines and session factories of a process: the application's and the cross-scope one.

    ``session(scope)`` picks the engine: a cross-scope scope (``Scope.everything``)
    runs on ``cross_scope_url`` (on PostgreSQL the ``redprop_worker`` role, the
    only one the policies let see every compound), any other on ``url`` (the
    application's role). Given one URL (SQLite, an owner connection) both are
    the same engine.
    """

    def __init__(
        self, url: str, *, cross_scope_url: str | None = None, echo: bool = False, pool: Pool | None = None, cross_pool: Pool | None = None
    ) -> None:
        self.url = url
        self.cross_scope_url = cross_scope_url or url
        self.engine: AsyncEngine = _engine(url, echo, pool or Pool())
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        if self.cross_scope_url == url:
            self.cross_engine, self.cross_sessions = self.engine, self.sessions
        else:
            self.cross_engine = _engine(self.cross_scope_url, echo, cross_pool or Pool(size=5, overflow=15, statement_timeout_ms=600_000))
            self.cross_sessions = async_sessionmaker(self.cross_engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings, *, echo: bool = False) -> Database:
        """The database a process is configured for (``REDPROP_DATABASE_URL``, ``REDPROP_CROSS_SCOPE_DATABASE_URL``,
        the pools and statement timeouts of ``REDPROP_DB_*``)."""
        pool = Pool(settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout_seconds, settings.db_statement_timeout_ms)
        cross = Pool(
            settings.db_cross_pool_size,
            settings.db_cross_max_overflow,
            settings.db_pool_timeout_seconds,
            settings.db_cross_statement_timeout_ms,
        )
        return cls(settings.database_url, cross_scope_url=settings.cross_scope_database_url, echo=echo, pool=pool, cross_pool=cross)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, scope: Scope) -> AsyncSession:
        if scope.is_all:
            scope_log.info("cross-scope session: %s", scope.reason)
            session = self.cross_sessions()
        else:
            session = self.sessions()
        session.info["scope"] = scope
        return session

    @asynccontextmanager
    async def transaction(self, scope: Scope) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error."""
        async with self.session(scope) as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.cross_engine is not self.engine:
            await self.cross_engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def widen_scope(session: AsyncSession, compound_id: uuid.UUID) -> None:
    """Add a compound the unit of work has just created to its scope (and to PostgreSQL's)."""
    scope = session_scope(session)
    if scope.is_all or compound_id in (scope.compound_ids or ()):
        return
    widened = Scope.of(set(scope.compound_ids or ()) | {compound_id})
    session.info["scope"] = widened
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        for statement in _set_local_statements(widened):
            await session.execute(text(statement))


async def serialise(session: AsyncSession, *key: object) -> None:
    """Hold a lock on ``key`` until the transaction ends, e.g. ``serialise(session, "co_building.request_number",
    compound_id)`` before counting a compound's records to number the next one: two requests filed at the same
    moment number one after the other instead of both counting N and writing N + 1 (a unique violation, a 500).

    PostgreSQL's transaction-level advisory lock on a 64-bit digest of the key (released at commit or rollback, on
    Citus taken on the coordinator); nothing on SQLite, which has no such lock and lets one writer in at a time."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(repr(tuple(str(part) for part in key)).encode(), digest_size=8).digest()
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, "big", signed=True)})
