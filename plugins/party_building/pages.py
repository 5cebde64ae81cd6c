"""Console and portal pages of party_building, and their navigation entries (``redprop_pages``).

Pages call the same services as the API; forms are validated by the same
structs. Compound pages carry ``{compound_id}`` in their path, so the guard
answers 404 for an unreachable compound and 403 where the module is off.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import can, requires
from core.clock import now
from core.files.api import storage_of
from core.files.services import max_upload_bytes, upload
from core.identity.principal import Principal
from core.pagination import OffsetParam, paginate
from core.problems import invalid
from core.web.api import page_router
from core.web.forms import form_values, parse_form, to_input
from core.web.i18n import N_, negotiate
from core.web.qr import qr_svg
from core.web.render import PAGE_SIZE, done, page, pager, principal_of
from plugins.party_building import exports, services
from plugins.party_building import indicators as figures
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from tenants import services as tenant_services
from tenants.access import module_status
from tenants.models import Building, Compound, Department, Region, Resident

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


def _can(request: Request, principal: Principal, obj: str, act: str, compound_id: uuid.UUID | None = None) -> bool:
    return can(principal, request.app.state.policy.enforcer, obj, act, compound_id)


async def _compound_page(request: Request, session: AsyncSession, template: str, compound_id: uuid.UUID, **context: Any) -> Response[str]:
    """A compound page of the module, with the module's own tabs limited to what the user may read."""
    compound = await tenant_services.get_compound(session, compound_id)
    principal = principal_of(request)
    tabs = {
        obj: _can(request, principal, f"party_building.{obj}", "read", compound_id)
        for obj in ("member", "meeting", "action_item", "study", "disclosure")
    }  # type: ignore[arg-type]
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


def _datetime_field(values: dict[str, Any], field: str) -> None:
    """``<input type=datetime-local>`` sends minutes only; the structs read seconds too."""
    value = values.get(field)
    if isinstance(value, str) and _MINUTES_ONLY.match(value):
        values[field] = value + ":00"


# --------------------------------------------------------------------------- overview


class OverviewPages(PageController):
    path = C

    @get("/", guards=[requires("party_building.module", "read")])
    async def overview(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """党建概览: the organisations serving the compound, this year's indicators, cross-appointment, missed meetings."""
        today = await services.local_today(session, compound_id)
        start, end = dt.date(today.year, 1, 1), today + dt.timedelta(days=1)
        values = []
        for item in figures.INDICATORS:
            value = await item["compute"](session, compound_id, start, end)
            values.append(
                {"label_zh": item["label_zh"], "label_en": item["label_en"], "value": value, "unit": item["unit"], "target": item["target"]}
            )
        cross = (
            await services.cross_appointment(session, compound_id, today)
            if _can(request, principal, "party_building.member", "read", compound_id)
            else None
        )
        gaps = (
            await session.scalars(
                select(m.MeetingGap).where(m.MeetingGap.compound_id == compound_id).order_by(m.MeetingGap.period_start.desc()).limit(12)
            )
        ).all()
        orgs = (
            await services.organisations(session, principal, compound_id=compound_id)
            if _can(request, principal, "party_building.organisation", "read", compound_id)
            else []
        )
        return await _compound_page(
            request, session, "overview.html", compound_id, indicators=values, cross=cross, gaps=gaps, organisations=orgs, year=today.year
        )


# --------------------------------------------------------------------------- members and central households


class MemberPages(PageController):
    path = C

    @get("/members", guards=[requires("party_building.member", "read")])
    async def members(
        self,
        request: Request,
        compound_id: uuid.UUID,
        principal: Principal,
        session: AsyncSession,
        q: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """党员名册: members with their organisations and posts; phones masked unless the user keeps the register."""
        query = (q or "").strip()
        rows, total = await paginate(session, services.members_query(compound_id, q=query or None), PAGE_SIZE, offset)
        ms = await services.memberships_of(session, compound_id, [r.id for r in rows])
        writable = _can(request, principal, "party_building.member", "write", compound_id)
        members = [services.member_out(r, ms.get(r.id, []), show_pii=writable) for r in rows]
        orgs = await services.organisations_serving(session, compound_id)
        buildings = (await session.scalars(select(Building).where(Building.compound_id == compound_id).order_by(Building.name))).all()
        residents = (
            (
                await session.execute(
                    select(Resident.id, Resident.name).where(Resident.compound_id == compound_id).order_by(Resident.name).limit(1000)
                )
            ).all()
            if writable
            else []
        )
        every = (await session.scalars(services.members_query(compound_id))).all() if writable else []
        return await _compound_page(
            request,
            session,
            "members.html",
            compound_id,
            members=members,
            pager=pager(request, total, offset),
            q=query,
            writable=writable,
            organisations=orgs,
            buildings=buildings,
            residents=residents,
            all_members=every,
            central=await services.central_households(session, compound_id),
        )

    @post("/members", guards=[requires("party_building.member", "write")])
    async def add_member(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Register a member."""
        values = await form_values(request, lists=("organisation_ids",))
        for flag in ("serving", "show_identity"):
            values[flag] = values.get(flag) in ("on", "true", "1")
        await services.create_member(session, compound_id, to_input(values, s.MemberIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/members", "created")

    @post("/members/{member_id:uuid}", guards=[requires("party_building.member", "write")])
    async def edit_member(self, request: Request, compound_id: uuid.UUID, member_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Change a member's status, registration or show-identity flag."""
        values = await form_values(request)
        for flag in ("serving", "show_identity"):
            values[flag] = values.get(flag) in ("on", "true", "1")
        await services.update_member(session, compound_id, member_id, to_input(values, s.MemberPatch))
        return done(request, f"/console/compounds/{compound_id}/party_building/members")

    @post("/members/{member_id:uuid}/memberships", guards=[requires("party_building.member", "write")])
    async def add_membership(self, request: Request, compound_id: uuid.UUID, member_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Place a member in an organisation (another level) or change their post."""
        await services.add_membership(session, compound_id, member_id, await parse_form(request, s.MembershipIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/members")

    @post("/central-households", guards=[requires("party_building.member", "write")])
    async def add_central(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Make a member's household a central household for a building."""
        await services.create_central_household(
            session, compound_id, await parse_form(request, s.CentralHouseholdIn, lists=("household_ids",))
        )
        return done(request, f"/console/compounds/{compound_id}/party_building/members", "created")


# --------------------------------------------------------------------------- meetings


class MeetingPages(PageController):
    path = C + "/meetings"

    @get("/", guards=[requires("party_building.meeting", "read")])
    async def meetings(
        self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession, offset: OffsetParam = 0
    ) -> Response[Any]:
        """Joint and branch meetings, newest first, with the form to schedule one."""
        rows, total = await paginate(session, services.meetings_query(compound_id), PAGE_SIZE, offset)
        compound = await session.get(Compound, compound_id)
        departments = (
            await session.scalars(select(Department).where(Department.tenant_id == compound.district_tenant_id).order_by(Department.name))
        ).all()  # type: ignore[union-attr]
        gaps = (
            await session.scalars(
                select(m.MeetingGap).where(m.MeetingGap.compound_id == compound_id).order_by(m.MeetingGap.period_start.desc()).limit(12)
            )
        ).all()
        return await _compound_page(
            request,
            session,
            "meetings.html",
            compound_id,
            meetings=rows,
            pager=pager(request, total, offset),
            gaps=gaps,
            writable=_can(request, principal, "party_building.meeting", "write", compound_id),
            organisations=await services.organisations_serving(session, compound_id),
            departments=departments,
        )

    @post("/", guards=[requires("party_building.meeting", "write")])
    async def schedule(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Schedule a meeting and send the invitations."""
        values = await form_values(request, lists=("departments",))
        _datetime_field(values, "scheduled_at")
        for flag in ("invite_property", "invite_committee"):
            values[flag] = values.get(flag) in ("on", "true", "1")
        meeting = await services.create_meeting(session, principal, compound_id, to_input(values, s.MeetingIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting.id}", "created")

    @get("/{meeting_id:uuid}", guards=[requires("party_building.meeting", "read")])
    async def meeting(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """A meeting: agenda, attendees and sign-in, minutes, resolutions and their action items."""
        keeper = _can(request, principal, "party_building.meeting", "write", compound_id)
        detail = await services.meeting_detail(session, compound_id, meeting_id, keeper=keeper)
        compound = await session.get(Compound, compound_id)
        departments = (
            await session.scalars(select(Department).where(Department.tenant_id == compound.district_tenant_id).order_by(Department.name))
        ).all()  # type: ignore[union-attr]
        sign_in_url = (
            f"/portal/compounds/{compound_id}/party_building/meetings/{meeting_id}/sign-in?code={detail.sign_in_code}"
            if detail.sign_in_code
            else None
        )
        sign_in_qr = qr_svg(str(request.base_url).rstrip("/") + sign_in_url) if sign_in_url and keeper else None
        return await _compound_page(
            request,
            session,
            "meeting.html",
            compound_id,
            meeting=detail,
            keeper=keeper,
            departments=departments,
            organisations=await services.organisations_serving(session, compound_id),
            sign_in_url=sign_in_url,
            sign_in_qr=sign_in_qr,
        )

    @post("/{meeting_id:uuid}/minutes", guards=[requires("party_building.meeting", "write")])
    async def minutes(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """Record the minutes: the meeting was held."""
        values = await form_values(request)
        _datetime_field(values, "held_at")
        await services.record_minutes(session, principal, compound_id, meeting_id, to_input(values, s.MinutesIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")

    @post("/{meeting_id:uuid}/resolutions", guards=[requires("party_building.meeting", "write")])
    async def resolution(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """Add a resolution, with the action item it creates when one is given."""
        values = await form_values(request)
        item = _item_from(values)
        data = to_input({"text": values.get("text", ""), "action_items": [item] if item else []}, s.ResolutionIn)
        await services.add_resolution(session, principal, compound_id, meeting_id, data)
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}", "created")

    @post("/{meeting_id:uuid}/resolutions/{resolution_id:uuid}/items", guards=[requires("party_building.meeting", "write")])
    async def action_item(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, resolution_id: uuid.UUID, session: AsyncSession
    ) -> Response[Any]:
        """One more action item of a resolution."""
        item = _item_from(await form_values(request))
        if item is None:
            raise invalid("item_title", "name the action item", status=400)
        await services.add_action_item(session, compound_id, resolution_id, to_input(item, s.ActionItemIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}", "created")

    @post("/{meeting_id:uuid}/attendees", guards=[requires("party_building.meeting", "write")])
    async def invite(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Invite one more person."""
        await services.add_attendee(session, compound_id, meeting_id, await parse_form(request, s.AttendeeIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")

    @post("/{meeting_id:uuid}/attendees/{attendee_id:uuid}/sign-in", guards=[requires("party_building.meeting", "write")])
    async def staff_sign_in(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, attendee_id: uuid.UUID, session: AsyncSession
    ) -> Response[Any]:
        """Sign an attendee in on their behalf."""
        await services.sign_in_by_staff(session, compound_id, meeting_id, attendee_id)
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")

    @post("/{meeting_id:uuid}/cancel", guards=[requires("party_building.meeting", "write")])
    async def cancel(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Cancel a planned meeting."""
        await services.cancel_meeting(session, compound_id, meeting_id)
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")


def _item_from(values: dict[str, Any]) -> dict[str, Any] | None:
    """The action item fields of a resolution form (``item_*``), or None when no title was given."""
    if not values.get("item_title"):
        return None
    item = {"title": values["item_title"], "owner_kind": values.get("item_owner_kind", ""), "due_on": values.get("item_due_on", "")}
    for key in ("owner_name", "owner_user_id", "owner_organisation_id", "owner_department_id"):
        if values.get(f"item_{key}"):
            item[key] = values[f"item_{key}"]
    return item


# --------------------------------------------------------------------------- action items


class ActionItemPages(PageController):
    path = C + "/action-items"

    @get("/", guards=[requires("party_building.action_item", "read")])
    async def board(
        self,
        request: Request,
        compound_id: uuid.UUID,
        principal: Principal,
        session: AsyncSession,
        status: str | None = None,
        overdue: bool | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The board: every action item with its owner and due date; per owner, what counts against them."""
        today = await services.local_today(session, compound_id)
        rows, total = await paginate(
            session, services.action_items_query(compound_id, today, status=status or None, overdue=overdue), PAGE_SIZE, offset
        )
        keeper = _can(request, principal, "party_building.meeting", "write", compound_id)
        writable = _can(request, principal, "party_building.action_item", "write", compound_id)
        items = [
            (services.action_item_out(r, today), writable and r.status == "open" and (keeper or services.owns(principal, r))) for r in rows
        ]
        titles = (
            dict(
                (
                    await session.execute(
                        select(m.Meeting.id, m.Meeting.title).where(
                            m.Meeting.compound_id == compound_id, m.Meeting.id.in_({r.meeting_id for r in rows})
                        )
                    )
                ).all()
            )
            if rows
            else {}
        )
        return await _compound_page(
            request,
            session,
            "action_items.html",
            compound_id,
            items=items,
            titles=titles,
            tallies=await services.owner_tallies(session, compound_id, today),
            pager=pager(request, total, offset),
            status_filter=status or "",
            overdue=overdue,
            keeper=keeper,
        )

    @post(
        "/{item_id:uuid}/close",
        guards=[requires("party_building.action_item", "write")],
        request_max_body_size=max_upload_bytes() + 64 * 1024,
    )
    async def close(
        self, request: Request, compound_id: uuid.UUID, item_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """Close an item with evidence: a note and, optionally, a photo or document."""
        form = await request.form()
        values = await form_values(request)
        values.pop("evidence_file", None)
        data = to_input(values, s.CloseIn)
        keeper = _can(request, principal, "party_building.meeting", "write", compound_id)
        item = await services.close_action_item(session, principal, compound_id, item_id, data.evidence, keeper=keeper)
        file = form.get("evidence_file")
        if isinstance(file, UploadFile) and file.filename:
            limit = max_upload_bytes()
            content = await file.read(limit + 1)
            state = request.app.state
            await upload(
                session,
                storage_of(state),
                principal,
                state.policy.enforcer,
                compound_id,
                "party_building.action_item",
                item.id,
                file.filename,
                file.content_type,
                content,
                limit,
            )
        return done(request, f"/console/compounds/{compound_id}/party_building/action-items", "saved")

    @post("/{item_id:uuid}/cancel", guards=[requires("party_building.meeting", "write")])
    async def cancel(self, request: Request, compound_id: uuid.UUID, item_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Withdraw an item that is no longer needed."""
        await services.cancel_action_item(session, compound_id, item_id)
        return done(request, f"/console/compounds/{compound_id}/party_building/action-items")


# --------------------------------------------------------------------------- study


class StudyPages(PageController):
    path = C + "/study"

    @get("/", guards=[requires("party_building.study", "read")])
    async def study(
        self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession, year: int | None = None
    ) -> Response[Any]:
        """Study and training sessions, and hours per member in a year."""
        today = await services.local_today(session, compound_id)
        chosen = year or today.year
        return await _compound_page(
            request,
            session,
            "study.html",
            compound_id,
            sessions=await services.study_sessions(session, compound_id),
            hours=await services.study_hours(session, compound_id, chosen),
            year=chosen,
            writable=_can(request, principal, "party_building.study", "write", compound_id),
            organisations=await services.organisations_serving(session, compound_id),
            all_members=(await session.scalars(services.members_query(compound_id))).all(),
        )

    @post("/", guards=[requires("party_building.study", "write")])
    async def add(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Record a session and who attended."""
        data = await parse_form(request, s.StudySessionIn, lists=("member_ids",))
        await services.create_study_session(session, compound_id, data, await services.local_today(session, compound_id))
        return done(request, f"/console/compounds/{compound_id}/party_building/study", "created")


# --------------------------------------------------------------------------- disclosure


class DisclosurePages(PageController):
    path = C + "/disclosures"

    @get("/", guards=[requires("party_building.disclosure", "read")])
    async def disclosures(
        self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession, offset: OffsetParam = 0
    ) -> Response[Any]:
        """Every disclosure, whether residents see it today, and the form for a new one."""
        today = await services.local_today(session, compound_id)
        rows, total = await paginate(session, services.disclosures_query(compound_id), PAGE_SIZE, offset)
        return await _compound_page(
            request,
            session,
            "disclosures.html",
            compound_id,
            disclosures=[await services.disclosure_out(session, r, today, history=True) for r in rows],
            pager=pager(request, total, offset),
            writable=_can(request, principal, "party_building.disclosure", "write", compound_id),
            today=today,
        )

    @post("/", guards=[requires("party_building.disclosure", "write")])
    async def add(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Draft or publish a disclosure."""
        values = await form_values(request)
        values["publish"] = values.get("publish") in ("on", "true", "1")
        await services.create_disclosure(session, principal, compound_id, to_input(values, s.DisclosureIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/disclosures", "created")

    @post("/{disclosure_id:uuid}", guards=[requires("party_building.disclosure", "write")])
    async def edit(
        self, request: Request, compound_id: uuid.UUID, disclosure_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """Correct a disclosure (a new version)."""
        await services.update_disclosure(session, principal, compound_id, disclosure_id, await parse_form(request, s.DisclosurePatch))
        return done(request, f"/console/compounds/{compound_id}/party_building/disclosures")

    @post("/{disclosure_id:uuid}/{action:str}", guards=[requires("party_building.disclosure", "write")])
    async def publish(
        self, request: Request, compound_id: uuid.UUID, disclosure_id: uuid.UUID, action: str, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """Publish or withdraw."""
        status = {"publish": "published", "withdraw": "withdrawn"}.get(action)
        if status is None:
            raise invalid("action", "publish or withdraw", status=400)
        await services.set_disclosure_status(session, principal, compound_id, disclosure_id, status)
        return done(request, f"/console/compounds/{compound_id}/party_building/disclosures")


# --------------------------------------------------------------------------- the district's pages


class DistrictPages(PageController):
    path = D

    @get("/organisations", guards=[requires("party_building.organisation", "read")])
    async def organisations(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """The tree of party organisations with what each covers; forms to found one and extend its coverage."""
        orgs = await services.organisations(session, principal)
        writable = _can(request, principal, "party_building.organisation", "write") and principal.tenant_kind in ("district", "enterprise")
        compounds = (await session.execute(select(Compound.id, Compound.name).order_by(Compound.name))).all()
        buildings = (
            (await session.execute(select(Building.id, Building.name, Building.compound_id).order_by(Building.name))).all()
            if writable
            else []
        )
        communities = (
            (
                await session.execute(
                    select(Region.id, Region.name)
                    .where(Region.tenant_id == principal.tenant_id, Region.kind == "community")
                    .order_by(Region.name)
                )
            ).all()
            if writable
            else []
        )
        kinds = m.DISTRICT_KINDS if principal.tenant_kind == "district" else m.ENTERPRISE_KINDS
        return await page(
            request,
            "party_building/organisations.html",
            organisations=orgs,
            writable=writable,
            compounds=compounds,
            buildings=buildings,
            communities=communities,
            kinds=kinds,
            labels=LABELS,
            depth=_depths(orgs),
        )

    @post("/organisations", guards=[requires("party_building.organisation", "write")])
    async def add_organisation(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Found an organisation."""
        await services.create_organisation(session, principal, await parse_form(request, s.OrganisationIn))
        return done(request, "/console/party_building/organisations", "created")

    @post("/organisations/{organisation_id:uuid}/coverage", guards=[requires("party_building.organisation", "write")])
    async def add_coverage(
        self, request: Request, organisation_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """The organisation covers one more compound or building."""
        await services.add_coverage(session, principal, organisation_id, await parse_form(request, s.CoverageIn))
        return done(request, "/console/party_building/organisations")

    @get("/coverage", guards=[requires("party_building.coverage", "read")])
    async def coverage(
        self, request: Request, principal: Principal, session: AsyncSession, region_id: uuid.UUID | None = None
    ) -> Response[Any]:
        """两个覆盖: the table per community, street and district, a chart, the gaps, and the exports."""
        report = await services.coverage_report(session, principal, region_id)
        locale = negotiate(request)
        chart = exports.coverage_chart(
            report,
            title="各社区小区党组织覆盖" if locale == "zh_CN" else "Compounds with a party branch, per community",
            covered="已覆盖" if locale == "zh_CN" else "covered",
            uncovered="未覆盖" if locale == "zh_CN" else "not covered",
        )
        return await page(request, "party_building/coverage.html", report=report, chart=chart, labels=LABELS, region_id=region_id)

    @get("/coverage/export", guards=[requires("party_building.coverage", "read")])
    async def coverage_export(
        self, principal: Principal, session: AsyncSession, format: exports.Format = "xlsx", region_id: uuid.UUID | None = None
    ) -> Response[bytes]:
        """The coverage report as Excel or CSV."""
        return exports.coverage_response(await services.coverage_report(session, principal, region_id), format, now())

    @get("/responsibilities", guards=[requires("party_building.responsibility", "read")])
    async def responsibilities(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """责任清单 per organisation and role, with this period's completion."""
        today = await services.tenant_today(session, principal.tenant_id)
        items = await services.responsibilities(session, principal, today)
        orgs = [o for o in await services.organisations(session, principal) if o.owned]
        return await page(
            request,
            "party_building/responsibilities.html",
            items=items,
            organisations=orgs,
            writable=_can(request, principal, "party_building.responsibility", "write") and bool(orgs),
            labels=LABELS,
            today=today,
        )

    @post("/responsibilities", guards=[requires("party_building.responsibility", "write")])
    async def add_responsibility(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Add an item to a responsibility list."""
        await services.create_responsibility(session, principal, await parse_form(request, s.ResponsibilityIn))
        return done(request, "/console/party_building/responsibilities", "created")

    @post("/responsibilities/{responsibility_id:uuid}/completions", guards=[requires("party_building.responsibility", "write")])
    async def complete(self, request: Request, responsibility_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Record a completion."""
        await services.record_completion(
            session,
            principal,
            responsibility_id,
            await parse_form(request, s.CompletionIn),
            await services.tenant_today(session, principal.tenant_id),
        )
        return done(request, "/console/party_building/responsibilities")

    @get("/targets", guards=[requires("party_building.settings", "read")])
    async def targets(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """The district's targets and required meeting frequencies."""
        goal = await services.targets(session, principal.tenant_id if principal.tenant_kind == "district" else None)
        return await page(
            request,
            "party_building/targets.html",
            goal=goal,
            writable=_can(request, principal, "party_building.settings", "write") and principal.tenant_kind == "district",
            labels=LABELS,
        )

    @post("/targets", guards=[requires("party_building.settings", "write")])
    async def set_targets(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Set the targets."""
        values = await form_values(request)
        values["secretary_on_committee"] = values.get("secretary_on_committee") in ("on", "true", "1")
        await services.set_targets(session, principal, to_input(values, s.TargetsIn))
        return done(request, "/console/party_building/targets")

    @post("/targets/requirements", guards=[requires("party_building.settings", "write")])
    async def set_requirement(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Set how often a kind of meeting must be held."""
        await services.set_requirement(session, principal, await parse_form(request, s.RequirementIn))
        return done(request, "/console/party_building/targets")


def _depths(orgs: list[s.OrganisationOut]) -> dict[uuid.UUID, int]:
    """How deep each organisation sits in the tree (the list comes parents first)."""
    depth: dict[uuid.UUID, int] = {}
    for o in orgs:
        depth[o.id] = depth.get(o.parent_id, -1) + 1 if o.parent_id in depth else 0
    return depth


# --------------------------------------------------------------------------- the resident portal


class PortalPartyPages(PageController):
    path = "/portal"

    @get("/party_building", guards=[requires("party_building.public", "read")])
    async def party(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """My compound's party organisation, members who show identity, my building's central households, disclosures."""
        ids = (await session.scalars(select(Resident.compound_id).where(Resident.user_id == principal.user_id).distinct())).all()
        views = []
        for compound_id in ids:
            if not (await module_status(session, compound_id, "party_building"))[0]:
                continue
            compound = await session.get(Compound, compound_id)
            views.append((compound, await services.public_view(session, principal, compound_id)))
        return await page(
            request, "party_building/portal.html", portal=True, views=views, labels=LABELS, compound_id=ids[0] if ids else None
        )

    @get(
        "/compounds/{compound_id:uuid}/party_building/meetings/{meeting_id:uuid}/sign-in",
        guards=[requires("party_building.public", "read")],
    )
    async def sign_in_page(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, principal: Principal, session: AsyncSession, code: str = ""
    ) -> Response[Any]:
        """Where the meeting's QR code leads: confirm the sign-in."""
        meeting = await session.get(m.Meeting, (compound_id, meeting_id))
        if meeting is None:
            raise invalid("meeting_id", "no such meeting", status=404)
        return await page(
            request,
            "party_building/sign_in.html",
            portal=True,
            meeting=meeting,
            code=code,
            labels=LABELS,
            compound_id=compound_id,
            signed=None,
        )

    @post(
        "/compounds/{compound_id:uuid}/party_building/meetings/{meeting_id:uuid}/sign-in",
        guards=[requires("party_building.public", "read")],
    )
    async def sign_in(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """Sign in as the logged-in user with the meeting's code."""
        data = await parse_form(request, s.SignInIn)
        attendee = await services.sign_in_by_code(session, principal, compound_id, meeting_id, data.code)
        meeting = await session.get(m.Meeting, (compound_id, meeting_id))
        return await page(
            request,
            "party_building/sign_in.html",
            portal=True,
            meeting=meeting,
            code="",
            labels=LABELS,
            compound_id=compound_id,
            signed=attendee,
        )


PAGE_HANDLERS = [OverviewPages, MemberPages, MeetingPages, ActionItemPages, StudyPages, DisclosurePages, DistrictPages, PortalPartyPages]
PAGE_ROUTER = page_router(PAGE_HANDLERS)
