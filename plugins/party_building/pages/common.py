"""What the pages share: labels, navigation entries and the compound page frame."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Controller, Request, Response

from core.context import RequestContext
from core.web.i18n import N_
from core.web.render import page
from tenants import services as tenant_services

C = "/console/compounds/{compound_id:uuid}/party_building"
D = "/console/party_building"

ORGANISATION_KINDS = {
    "community_committee": N_("Community party committee"),
    "compound_branch": N_("Compound party branch"),
    "enterprise_branch": N_("Property enterprise party branch"),
    "joint_branch": N_("Joint party branch"),
    "building_group": N_("Building party group"),
}
POSTS = {
    "secretary": N_("Secretary"),
    "deputy_secretary": N_("Deputy secretary"),
    "committee_member": N_("Committee member"),
    "group_leader": N_("Group leader"),
    "member": N_("Member"),
}
COMMITTEE_POSTS = {"chair": N_("Committee chair"), "vice_chair": N_("Committee vice chair"), "member": N_("Committee member")}
"""An owners' committee member's post (主任, 副主任, 委员), where a party member also sits on the committee."""
STATUSES = {"full": N_("Full member"), "probationary": N_("Probationary member")}
MEETING_KINDS = {
    "joint": N_("Joint meeting"),
    "branch_assembly": N_("Party members' assembly"),
    "branch_committee": N_("Branch committee meeting"),
    "group_meeting": N_("Party group meeting"),
    "party_lesson": N_("Party lesson"),
    "theme_day": N_("Theme party day"),
}
MEETING_STATUSES = {"planned": N_("Planned"), "held": N_("Held"), "cancelled": N_("Cancelled")}
SIDES = {
    "party": N_("Party organisation"),
    "committee": N_("Owners' committee"),
    "property": N_("Property company"),
    "department": N_("Department"),
    "member": N_("Party member"),
    "other": N_("Other"),
}
OWNER_KINDS = {
    "person": N_("A person"),
    "property_company": N_("Property company"),
    "owners_committee": N_("Owners' committee"),
    "party_organisation": N_("Party organisation"),
    "department": N_("Department"),
}
ITEM_STATUSES = {"open": N_("Open"), "closed": N_("Closed"), "cancelled": N_("Cancelled")}
PERIODS = {"month": N_("Monthly"), "quarter": N_("Quarterly"), "year": N_("Yearly"), "once": N_("Once")}
ROLES = {
    "organisation": N_("The organisation"),
    "secretary": N_("Secretary"),
    "committee_member": N_("Committee member"),
    "member": N_("Party member"),
    "property_company": N_("Property company"),
    "owners_committee": N_("Owners' committee"),
}
CATEGORIES = {
    "fee_standard": N_("Fee standards"),
    "income_expense": N_("Income and spending"),
    "maintenance_fund": N_("Maintenance fund use"),
    "contract": N_("Contracts"),
    "other": N_("Other"),
}
DISCLOSURE_STATUSES = {"draft": N_("Draft"), "published": N_("Published"), "withdrawn": N_("Withdrawn")}
LEVELS = {"community": N_("Community"), "street": N_("Street"), "district": N_("District")}
GAPS = {
    "compound": N_("Compound without a branch"),
    "enterprise": N_("Enterprise without a branch"),
    "building": N_("Building without a party group"),
}
LABELS = {
    "organisation_kinds": ORGANISATION_KINDS,
    "posts": POSTS,
    "committee_posts": COMMITTEE_POSTS,
    "statuses": STATUSES,
    "meeting_kinds": MEETING_KINDS,
    "meeting_statuses": MEETING_STATUSES,
    "sides": SIDES,
    "owner_kinds": OWNER_KINDS,
    "item_statuses": ITEM_STATUSES,
    "periods": PERIODS,
    "roles": ROLES,
    "categories": CATEGORIES,
    "disclosure_statuses": DISCLOSURE_STATUSES,
    "levels": LEVELS,
    "gaps": GAPS,
}
_MINUTES_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")

PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/party_building",
        "label_zh": "党建概览",
        "label_en": "Party building",
        "permission": "party_building.module:read",
        "portal": False,
    },
    {
        "path": "/console/compounds/{compound_id}/party_building/members",
        "label_zh": "党员名册",
        "label_en": "Party members",
        "permission": "party_building.member:read",
        "portal": False,
    },
    {
        "path": "/console/compounds/{compound_id}/party_building/meetings",
        "label_zh": "会议",
        "label_en": "Meetings",
        "permission": "party_building.meeting:read",
        "portal": False,
    },
    {
        "path": "/console/compounds/{compound_id}/party_building/action-items",
        "label_zh": "决议事项",
        "label_en": "Action items",
        "permission": "party_building.action_item:read",
        "portal": False,
    },
    {
        "path": "/console/compounds/{compound_id}/party_building/study",
        "label_zh": "学习培训",
        "label_en": "Study and training",
        "permission": "party_building.study:read",
        "portal": False,
    },
    {
        "path": "/console/compounds/{compound_id}/party_building/disclosures",
        "label_zh": "信息公开",
        "label_en": "Disclosure",
        "permission": "party_building.disclosure:read",
        "portal": False,
    },
    {
        "path": "/console/compounds/{compound_id}/party_building/pre-reviews",
        "label_zh": "前置把关",
        "label_en": "Pre-review",
        "permission": "party_building.pre_review:read",
        "portal": False,
    },
    {
        "path": D + "/organisations",
        "label_zh": "党组织",
        "label_en": "Party organisations",
        "permission": "party_building.organisation:read",
        "portal": False,
    },
    {
        "path": D + "/coverage",
        "label_zh": "两个覆盖",
        "label_en": "Coverage report",
        "permission": "party_building.coverage:read",
        "portal": False,
    },
    {
        "path": D + "/responsibilities",
        "label_zh": "责任清单",
        "label_en": "Responsibility lists",
        "permission": "party_building.responsibility:read",
        "portal": False,
    },
    {"path": D + "/targets", "label_zh": "考核目标", "label_en": "Targets", "permission": "party_building.settings:read", "portal": False},
    {
        "path": "/portal/party_building",
        "label_zh": "红色党建",
        "label_en": "Party building",
        "permission": "party_building.public:read",
        "portal": True,
    },
]


class PageController(Controller):
    """Base of this plugin's page controllers; ``PAGE_ROUTER`` mounts them the way pages need (``core.web.api.page_router``)."""


async def compound_page(request: Request, ctx: RequestContext, template: str, compound_id: uuid.UUID, **context: Any) -> Response[str]:
    """A compound page of the module, with the module's own tabs limited to what the user may read."""
    compound = await tenant_services.get_compound(ctx.session, compound_id)
    tabs = {
        obj: ctx.can(f"party_building.{obj}", "read") for obj in ("member", "meeting", "action_item", "study", "disclosure", "pre_review")
    }
    return await page(
        request,
        f"party_building/{template}",
        compound_id=compound_id,
        compound=compound,
        labels=LABELS,
        tabs=tabs,
        base=f"/console/compounds/{compound_id}/party_building",
        **context,
    )


def datetime_field(values: dict[str, Any], field: str) -> None:
    """``<input type=datetime-local>`` sends minutes only; the structs read seconds too."""
    value = values.get(field)
    if isinstance(value, str) and _MINUTES_ONLY.match(value):
        values[field] = value + ":00"
