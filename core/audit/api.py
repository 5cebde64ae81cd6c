"""HTTP handlers of the audit log: list, verify and export (CSV)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Response, get

from core.audit.services import entries_query, export_csv, readable_chain, readable_tenant, verify_all
from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, page_of, paginate
from core.schemas import Output


class AuditEntryOut(Output):
    chain: str
    seq: int
    at: dt.datetime
    tenant_id: uuid.UUID | None
    compound_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None
    actor: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request: str
    hash: str


class ChainReportOut(Output):
    chain: str
    entries: int
    ok: bool
    first_broken_seq: int | None
    problem: str


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/", operation_id="listAudit", guards=[requires("core.audit", "read")])
    async def list_entries(
        self,
        ctx: RequestContext,
        tenant_id: uuid.UUID | None = None,
        compound_id: uuid.UUID | None = None,
        target_type: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[AuditEntryOut]:
        """Recorded writes, newest first: who, when, what, before → after."""
        stmt = entries_query(readable_tenant(ctx, tenant_id), compound_id, target_type)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        items = [AuditEntryOut(**{f: getattr(e, f) for f in AuditEntryOut.__struct_fields__}) for e in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/verify", operation_id="verifyAudit", guards=[requires("core.audit", "read")])
    async def verify(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[ChainReportOut]:
        """Recompute the hash chain(s) the caller may read and report the first broken link."""
        reports = await verify_all(ctx.session, readable_chain(ctx))
        items = [
            ChainReportOut(chain=r.chain, entries=r.entries, ok=r.ok, first_broken_seq=r.first_broken_seq, problem=r.problem)
            for r in reports
        ]
        return page_of(items, limit, offset)

    @get("/export.csv", operation_id="exportAudit", guards=[requires("core.audit", "read")])
    async def export(self, ctx: RequestContext, tenant_id: uuid.UUID | None = None) -> Response[str]:
        """The log as CSV, chain by chain, with the hashes so it can be verified elsewhere."""
        body = await export_csv(ctx.session, readable_tenant(ctx, tenant_id))
        return Response(body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


ROUTE_HANDLERS: list = [AuditController]
