"""What quality's pages share: paths, labels, navigation entries and the page frame."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response
from sqlalchemy import select

from core.context import RequestContext
from core.web.i18n import N_
from core.web.render import page
from tenants import services as tenant_services
from tenants.models import Compound

C = "/console/compounds/{compound_id:uuid}/quality"
D = "/console/quality"

DIMENSIONS = {
    "cleaning": N_("Cleaning"),
    "security": N_("Security"),
    "greening": N_("Greening"),
    "repairs": N_("Repairs"),
    "service_desk": N_("Service desk"),
    "party_building": N_("Party building"),
    "custom": N_("Other"),
}
PERIOD_STATES = {"draft": N_("Draft"), "computed": N_("Computed"), "reviewed": N_("Reviewed"), "published": N_("Published")}
PERIOD_MOVES = {"compute": N_("Compute"), "review": N_("Mark reviewed"), "reopen": N_("Reopen"), "publish": N_("Publish")}
NOTICE_STATES = {
    "issued": N_("Issued"),
    "responded": N_("Answered"),
    "returned": N_("Returned"),
    "verified": N_("Verified"),
    "closed": N_("Closed"),
}
ITEM_STATES = {"open": N_("Waiting for an answer"), "answered": N_("Answered"), "accepted": N_("Accepted"), "returned": N_("Returned")}
CAMPAIGN_STATES = {"open": N_("Open"), "closed": N_("Closed")}
KINDS = {
    "repair": N_("Repair"),
    "complaint": N_("Complaint"),
    "suggestion": N_("Suggestion"),
    "enquiry": N_("Enquiry"),
    "praise": N_("Praise"),
    "other": N_("Other"),
}
LABELS = {
    "dimensions": DIMENSIONS,
    "period_states": PERIOD_STATES,
    "period_moves": PERIOD_MOVES,
    "notice_states": NOTICE_STATES,
    "item_states": ITEM_STATES,
    "campaign_states": CAMPAIGN_STATES,
    "kinds": KINDS,
}


def _entry(path: str, zh: str, en: str, permission: str, portal: bool = False) -> dict[str, Any]:
    return {"path": path, "label_zh": zh, "label_en": en, "permission": permission, "portal": portal}


PAGES: list[dict] = [
    _entry("/console/compounds/{compound_id}/quality/loop", "服务闭环", "Service loop", "quality.improvement:read"),
    _entry("/console/compounds/{compound_id}/quality/surveys", "满意度测评", "Satisfaction surveys", "quality.survey:read"),
    _entry("/console/compounds/{compound_id}/quality/inspections", "检查考核", "Inspections", "quality.inspection:read"),
    _entry("/console/compounds/{compound_id}/quality/rectifications", "整改通知", "Rectification notices", "quality.rectification:read"),
    _entry("/console/compounds/{compound_id}/quality/plans", "改进计划", "Improvement plans", "quality.improvement:read"),
    _entry(D + "/schemes", "考核方案", "Evaluation schemes", "quality.scheme:read"),
    _entry(D + "/periods", "考核周期与排名", "Periods and rankings", "quality.scheme:read"),
    _entry(D + "/surveys", "发起测评", "Launch a survey", "quality.survey:write"),
    _entry(D + "/inspection-plans", "检查计划", "Inspection plans", "quality.inspection:write"),
    _entry(D + "/rectifications", "整改督办台", "Rectification desk", "quality.rectification:approve"),
    _entry(D + "/scores", "考核结果", "Evaluation results", "quality.score:read"),
    _entry(D + "/loop", "辖区服务闭环", "Service loop (all compounds)", "quality.improvement:read"),
    _entry("/portal/quality", "服务评价", "Rate our service", "quality.survey:read", portal=True),
]


class PageController(Controller):
    """Base of quality's page controllers; ``PAGE_ROUTER`` mounts them the way pages need (``core.web.api.page_router``)."""


async def compound_page(request: Request, ctx: RequestContext, template: str, compound_id: uuid.UUID, **context: Any) -> Response[str]:
    """A compound page of the module (the compound's name in the head)."""
    compound = await tenant_services.get_compound(ctx.session, compound_id)
    return await page(request, f"quality/{template}", compound_id=compound_id, compound=compound, labels=LABELS, **context)


async def compound_names(ctx: RequestContext) -> list[tuple[uuid.UUID, str]]:
    """The compounds the caller reaches, by name (the session's scope filters the table)."""
    return [(r.id, r.name) for r in (await ctx.session.execute(select(Compound.id, Compound.name).order_by(Compound.name))).all()]
