"""Recording, chaining, verifying and exporting the audit log.

A session that carries an :class:`AuditContext` (every API request's does)
records each ORM insert, update and delete at flush; just before commit the
pending entries are linked into their tenant's chain —
``hash = sha256(prev_hash + canonical JSON of the entry)`` — under a lock on
the chain's head row, in the same transaction as the change.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.audit.models import AuditEntry, AuditHead
from core.clock import now
from core.db import CompoundScoped, ScopeRoot, session_scope
from core.notifications.channels import mask_address
from core.security import decrypt_pii, mask_phone
from core.xlsx import safe_row

GENESIS = "0" * 64
NOT_AUDITED = {
    "audit_entries",
    "audit_heads",
    "auth_tokens",
    "login_failures",
    "policy_changes",
    "outbox_events",
    "processed_events",
    "schedule_ticks",
    "dead_letters",
    "notifications",
    "notification_deliveries",
}
PRIVATE = "<private>"
"""What the log keeps of a column of a model declaring ``__audit_private__ = True``."""
REDACTED_COLUMNS = {
    "password_hash": "<secret>",
    "id_card_cipher": "<encrypted>",
    "id_card_index": "<blind index>",
    "phone_index": "<blind index>",
}
# personal data is masked by column, or by (table, column) where the same name is public elsewhere
MASKED_COLUMNS = {"phone": mask_phone, "contact_phone": mask_phone}
MASKED_TABLE_COLUMNS = {("notification_preferences", "address"): mask_address}


@dataclass(frozen=True)
class AuditContext:
    """Who is writing: attached to a session as ``session.info["audit"]``."""

    user_id: uuid.UUID | None
    tenant_id: uuid.UUID | None
    actor: str
    request: str = ""

    @property
    def chain(self) -> str:
        return str(self.tenant_id) if self.tenant_id else "residents"


def _plain(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "<binary>"
    return value


def _row(obj: Any, state: str) -> dict[str, Any]:
    """Column values of ``obj`` as they are (``after``) or were (``before``)."""
    out: dict[str, Any] = {}
    insp = inspect(obj)
    private = getattr(type(obj), "__audit_private__", False)
    keys = {c.key for c in insp.mapper.primary_key}
    for attr in insp.mapper.column_attrs:
        key = attr.key
        if state == "before":
            hist = insp.attrs[key].history
            value = hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
        else:
            value = getattr(obj, key)
        if private and key not in keys and not key.endswith("_at"):
            # a special category of personal data (party membership): the log keeps that the row changed, not what it holds
            value = PRIVATE if value is not None else None
        elif key.endswith("phone_cipher"):  # a sealed phone number (core.identity.phones): the log shows it masked
            key, value = key.removesuffix("_cipher"), mask_phone(decrypt_pii(value)) if value else None
        elif key.endswith("phone_index"):
            value = "<blind index>" if value is not None else None
        elif key.endswith("_cipher") and (obj.__table__.name, key.removesuffix("_cipher")) in MASKED_TABLE_COLUMNS:
            key = key.removesuffix("_cipher")  # a sealed value the log shows masked (a notification address)
            value = MASKED_TABLE_COLUMNS[(obj.__table__.name, key)](decrypt_pii(value)) if value else None
        elif key in REDACTED_COLUMNS:
            value = REDACTED_COLUMNS[key] if value is not None else None
        elif value and (key in MASKED_COLUMNS or (obj.__table__.name, key) in MASKED_TABLE_COLUMNS):
            value = (MASKED_COLUMNS.get(key) or MASKED_TABLE_COLUMNS[(obj.__table__.name, key)])(value)
        out[key] = _plain(value)
    return out


def _target(obj: Any) -> tuple[str, str, uuid.UUID | None]:
    table = obj.__table__.name
    ident = inspect(obj).identity or tuple(getattr(obj, c.key) for c in inspect(obj).mapper.primary_key)
    compound = getattr(obj, "compound_id", None) if isinstance(obj, CompoundScoped) else (obj.id if isinstance(obj, ScopeRoot) else None)
    return table, "/".join(str(i) for i in ident if i is not None), compound


def record(
    session: AsyncSession | Session,
    action: str,
    target_type: str,
    target_id: str,
    *,
    before: dict | None = None,
    after: dict | None = None,
    compound_id: uuid.UUID | None = None,
) -> None:
    """Add an entry by hand (bulk writes that bypass the ORM, e.g. an Excel import)."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    if sync.info.get("audit") is None:
        return
    sync.info.setdefault("audit_pending", []).append(
        {"action": action, "target_type": target_type, "target_id": target_id, "before": before, "after": after, "compound_id": compound_id}
    )


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    if session.info.get("audit") is None:
        return
    pending = session.info.setdefault("audit_pending", [])
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__table__", None)
            if table is None or table.name in NOT_AUDITED:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            target_type, _, compound = _target(obj)
            # ``after`` is read at commit, once defaults and generated keys exist
            pending.append(
                {
                    "action": action,
                    "obj": obj,
                    "target_type": target_type,
                    "compound_id": compound,
                    "before": None if action == "create" else _row(obj, "before"),
                    "after": None,
                }
            )


def entry_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": _plain(entry.at),
        "tenant_id": _plain(entry.tenant_id),
        "compound_id": _plain(entry.compound_id),
        "actor_user_id": _plain(entry.actor_user_id),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "request": entry.request,
    }


def _request(session: Session, context: AuditContext) -> str:
    """The entry's request; a cross-scope session's changes also carry the reason it was opened."""
    scope = session_scope(session)
    if not (scope.is_all and scope.reason):
        return context.request[:300]
    suffix = f" (cross-scope: {scope.reason})"[:300]
    return (context.request[: 300 - len(suffix)] + suffix).strip()


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    context: AuditContext | None = session.info.get("audit")
    if context is None:
        return
    session.flush()  # collect the last changes; ids are known after the flush
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    head_query = select(AuditHead).where(AuditHead.chain == context.chain)
    if session.get_bind().dialect.name == "postgresql":
        head_query = head_query.with_for_update()
    head = session.execute(head_query).scalar_one_or_none()
    if head is None:
        head = AuditHead(chain=context.chain, seq=0, hash=GENESIS)
        session.add(head)
    moment = now()
    request = _request(session, context)
    for item in pending:
        obj = item.pop("obj", None)
        target_id = item.get("target_id") or (_target(obj)[1] if obj is not None else "")
        if obj is not None and item["action"] != "delete":
            item["after"] = _row(obj, "after")
        entry = AuditEntry(
            chain=context.chain,
            seq=head.seq + 1,
            at=moment,
            tenant_id=context.tenant_id,
            compound_id=item["compound_id"],
            actor_user_id=context.user_id,
            actor=context.actor,
            action=item["action"],
            target_type=item["target_type"],
            target_id=target_id,
            before=item["before"],
            after=item["after"],
            request=request,
            prev_hash=head.hash,
            hash="",
        )
        entry.hash = entry_digest(entry.prev_hash, _hashed_fields(entry))
        session.add(entry)
        head.seq, head.hash = entry.seq, entry.hash
    session.flush()


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop("audit_pending", None)


@dataclass
class ChainReport:
    chain: str
    entries: int
    ok: bool
    first_broken_seq: int | None = None
    problem: str = ""


async def verify_chain(session: AsyncSession, chain: str) -> ChainReport:
    """Recompute every link of ``chain``; report the first row altered, removed or out of place."""
    prev, expected_seq, count = GENESIS, 1, 0
    result = await session.stream_scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq))
    async for entry in result:
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(chain, count, False, expected_seq, f"row {expected_seq} is missing")
        if entry.prev_hash != prev:
            return ChainReport(chain, count, False, entry.seq, "link to the previous row does not match")
        if entry_digest(prev, _hashed_fields(entry)) != entry.hash:
            return ChainReport(chain, count, False, entry.seq, "row content does not match its hash")
        prev, expected_seq = entry.hash, expected_seq + 1
    head = await session.get(AuditHead, chain)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        return ChainReport(chain, count, False, expected_seq, f"rows after {expected_seq - 1} were removed (head is at {head.seq})")
    return ChainReport(chain, count, True)


async def verify_all(session: AsyncSession, chain: str | None = None) -> list[ChainReport]:
    chains = [chain] if chain else sorted(set((await session.scalars(select(AuditHead.chain))).all()))
    return [await verify_chain(session, c) for c in chains]


EXPORT_COLUMNS = (
    "chain",
    "seq",
    "at",
    "tenant_id",
    "compound_id",
    "actor_user_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "request",
    "prev_hash",
    "hash",
)


READ_ALL = ("core.audit_all", "read")
"""The permission to read every tenant's entries and verify every chain (the platform's, in core/policies.csv)."""


def readable_tenant(ctx, tenant_id: uuid.UUID | None = None) -> uuid.UUID | None:
    """Whose entries the caller (a ``RequestContext``) reads: with ``core.audit_all`` any tenant's (or all, with
    None); everyone else their own."""
    return tenant_id if ctx.can(*READ_ALL) else ctx.tenant_id


def readable_chain(ctx) -> str | None:
    """The chain the caller may verify: all with ``core.audit_all`` (None), else their tenant's (or the residents')."""
    if ctx.can(*READ_ALL):
        return None
    return str(ctx.tenant_id) if ctx.tenant_id else "residents"


def entries_query(tenant_id: uuid.UUID | None, compound_id: uuid.UUID | None = None, target_type: str | None = None):
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.seq.desc())
    if tenant_id is not None:
        stmt = stmt.where(AuditEntry.tenant_id == tenant_id)
    if compound_id is not None:
        stmt = stmt.where(AuditEntry.compound_id == compound_id)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    return stmt


async def export_csv(session: AsyncSession, tenant_id: uuid.UUID | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for entry in (await session.scalars(entries_query(tenant_id).order_by(None).order_by(AuditEntry.chain, AuditEntry.seq))).all():
        writer.writerow(
            safe_row(
                json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict) else ("" if v is None else _plain(v))
                for v in (getattr(entry, c) for c in EXPORT_COLUMNS)
            )
        )
    return buffer.getvalue()
