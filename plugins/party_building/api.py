"""HTTP handlers of party_building (thin: parse, call a service, shape the answer).

Compound resources live under ``/api/v1/compounds/{compound_id}/party_building``
(gated per compound by the host); the district's own views — organisations,
the coverage report, targets, responsibility lists — under ``/api/v1/party_building``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import Controller, Request, Response, delete, get, patch, post, put
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import can, requires
from core.clock import now
from core.identity.principal import Principal
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.party_building import exports, services
from plugins.party_building import schemas as s
from plugins.party_building.models import MeetingGap
from plugins.party_building.pages import PAGE_ROUTER
from tenants.models import Compound

C = "/api/v1/compounds/{compound_id:uuid}/party_building"
D = "/api/v1/party_building"


def _can(request: Request, principal: Principal, obj: str, act: str, compound_id: uuid.UUID | None = None) -> bool:
    return can(principal, request.app.state.policy.enforcer, obj, act, compound_id)


async def _tenant_today(session: AsyncSession, principal: Principal) -> dt.date:
    return await services.tenant_today(session, principal.tenant_id)


# --------------------------------------------------------------------------- the district's views


class OrganisationsController(Controller):
    path = D + "/organisations"
    tags = ["party_building"]

    @get("/", operation_id="partyListOrganisations", guards=[requires("party_building.organisation", "read")])
    async def list_organisations(
        self, principal: Principal, session: AsyncSession, kind: s.OrganisationKind | None = None
    ) -> list[s.OrganisationOut]:
        """Party organisations the caller sees (its own and those covering its compounds), parents before children."""
        return await services.organisations(session, principal, kind=kind)

    @post("/", operation_id="partyCreateOrganisation", guards=[requires("party_building.organisation", "write")])
    async def create_organisation(self, data: s.OrganisationIn, principal: Principal, session: AsyncSession) -> s.OrganisationOut:
        """Found an organisation: a district its community committees, branches and groups; an enterprise its branch."""
        org = await services.create_organisation(session, principal, data)
        return services.organisation_out(org, principal, [])

    @patch("/{organisation_id:uuid}", operation_id="partyUpdateOrganisation", guards=[requires("party_building.organisation", "write")])
    async def update_organisation(
        self, organisation_id: uuid.UUID, data: s.OrganisationPatch, principal: Principal, session: AsyncSession
    ) -> s.OrganisationOut:
        """Rename, move in the tree, or record the dissolution of an organisation the caller's tenant owns."""
        org = await services.update_organisation(session, principal, organisation_id, data)
        return services.organisation_out(org, principal, [])

    @post("/{organisation_id:uuid}/coverage", operation_id="partyAddCoverage", guards=[requires("party_building.organisation", "write")])
    async def add_coverage(
        self, organisation_id: uuid.UUID, data: s.CoverageIn, principal: Principal, session: AsyncSession
    ) -> s.CoverageOut:
        """The organisation covers a compound (a building group: a building)."""
        row = await services.add_coverage(session, principal, organisation_id, data)
        compound = await session.get(Compound, row.compound_id)
        return s.CoverageOut(
            id=row.id,
            compound_id=row.compound_id,
            compound_name=compound.name if compound else "",
            building_id=row.building_id,
            building_name=None,
        )

    @delete(
        "/{organisation_id:uuid}/coverage/{compound_id:uuid}/{coverage_id:uuid}",
        operation_id="partyRemoveCoverage",
        guards=[requires("party_building.organisation", "write")],
    )
    async def remove_coverage(
        self, organisation_id: uuid.UUID, compound_id: uuid.UUID, coverage_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> None:
        """The organisation no longer covers this compound or building."""
        await services.remove_coverage(session, principal, organisation_id, compound_id, coverage_id)


class CoverageController(Controller):
    path = D + "/coverage"
    tags = ["party_building"]

    @get("/", operation_id="partyCoverageReport", guards=[requires("party_building.coverage", "read")])
    async def report(self, principal: Principal, session: AsyncSession, region_id: uuid.UUID | None = None) -> s.CoverageReport:
        """两个覆盖 per community, street and district, with every gap named."""
        return await services.coverage_report(session, principal, region_id)

    @get("/export", operation_id="partyCoverageExport", guards=[requires("party_building.coverage", "read")])
    async def export(
        self, principal: Principal, session: AsyncSession, format: exports.Format = "xlsx", region_id: uuid.UUID | None = None
    ) -> Response[bytes]:
        """The coverage report as an Excel workbook (two sheets: figures and gaps) or CSV."""
        report = await services.coverage_report(session, principal, region_id)
        return exports.coverage_response(report, format, now())


class TargetsController(Controller):
    path = D + "/targets"
    tags = ["party_building"]

    @get("/", operation_id="partyTargets", guards=[requires("party_building.settings", "read")])
    async def get_targets(self, principal: Principal, session: AsyncSession) -> s.TargetsOut:
        """The district's targets and required meeting frequencies (defaults where it set none)."""
        return await services.targets(session, principal.tenant_id if principal.tenant_kind == "district" else None)

    @put("/", operation_id="partySetTargets", guards=[requires("party_building.settings", "write")])
    async def set_targets(self, data: s.TargetsIn, principal: Principal, session: AsyncSession) -> s.TargetsOut:
        """Set the targets of the district's indicators (committee party share, coverage, on-time rate, study hours)."""
        return await services.set_targets(session, principal, data)

    @put("/requirements", operation_id="partySetRequirement", guards=[requires("party_building.settings", "write")])
    async def set_requirement(self, data: s.RequirementIn, principal: Principal, session: AsyncSession) -> s.TargetsOut:
        """How often a kind of meeting must be held (e.g. a joint meeting once a month)."""
        return await services.set_requirement(session, principal, data)


class ResponsibilitiesController(Controller):
    path = D + "/responsibilities"
    tags = ["party_building"]

    @get("/", operation_id="partyListResponsibilities", guards=[requires("party_building.responsibility", "read")])
    async def list_responsibilities(
        self, principal: Principal, session: AsyncSession, organisation_id: uuid.UUID | None = None
    ) -> list[s.ResponsibilityOut]:
        """Responsibility lists (责任清单) of the organisations the caller sees, with this period's completion."""
        return await services.responsibilities(session, principal, await _tenant_today(session, principal), organisation_id)

    @post("/", operation_id="partyCreateResponsibility", guards=[requires("party_building.responsibility", "write")])
    async def create(self, data: s.ResponsibilityIn, principal: Principal, session: AsyncSession) -> s.ResponsibilityOut:
        """Add an item to an organisation's responsibility list, for a role and a period."""
        row = await services.create_responsibility(session, principal, data)
        today = await _tenant_today(session, principal)
        return next(r for r in await services.responsibilities(session, principal, today, row.organisation_id) if r.id == row.id)

    @post(
        "/{responsibility_id:uuid}/completions",
        operation_id="partyRecordCompletion",
        guards=[requires("party_building.responsibility", "write")],
    )
    async def complete(
        self, responsibility_id: uuid.UUID, data: s.CompletionIn, principal: Principal, session: AsyncSession
    ) -> s.CompletionOut:
        """Record that a responsibility was fulfilled for a period (once per period)."""
        row = await services.record_completion(session, principal, responsibility_id, data, await _tenant_today(session, principal))
        return s.CompletionOut(period_label=row.period_label, completed_on=row.completed_on, note=row.note)


# --------------------------------------------------------------------------- one compound


class CompoundPartyController(Controller):
    path = C
    tags = ["party_building"]

    @get("/", operation_id="party_buildingOverview", guards=[requires("party_building.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> s.ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)

    @get("/organisations", operation_id="partyCompoundOrganisations", guards=[requires("party_building.organisation", "read")])
    async def organisations(self, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> list[s.OrganisationOut]:
        """The organisations serving this compound: covering it, and the operator's branch."""
        return await services.organisations(session, principal, compound_id=compound_id)

    @get("/public", operation_id="partyPublic", guards=[requires("party_building.public", "read")])
    async def public(self, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> s.PublicView:
        """What residents see: organisations, members who show identity, central households, current disclosures."""
        return await services.public_view(session, principal, compound_id)

    @get("/cross-appointment", operation_id="partyCrossAppointment", guards=[requires("party_building.member", "read")])
    async def cross_appointment(self, compound_id: uuid.UUID, session: AsyncSession) -> s.CrossAppointment:
        """双向进入、交叉任职: posts across party, owners' committee and property company; the committee's party share."""
        return await services.cross_appointment(session, compound_id)


class MembersController(Controller):
    path = C + "/members"
    tags = ["party_building"]

    @get("/", operation_id="partyListMembers", guards=[requires("party_building.member", "read")])
    async def list_members(
        self,
        request: Request,
        compound_id: uuid.UUID,
        principal: Principal,
        session: AsyncSession,
        organisation_id: uuid.UUID | None = None,
        status: s.MemberStatus | None = None,
        serving: bool | None = None,
        q: str | None = None,
        include_left: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.MemberOut]:
        """The member register of the compound; phones masked unless the caller keeps the register."""
        stmt = services.members_query(
            compound_id, organisation_id=organisation_id, status=status, serving=serving, q=q, current=not include_left
        )
        rows, total = await paginate(session, stmt, limit, offset)
        ms = await services.memberships_of(session, compound_id, [r.id for r in rows])
        show = _can(request, principal, "party_building.member", "write", compound_id)
        return Page(items=[services.member_out(r, ms.get(r.id, []), show_pii=show) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="partyCreateMember", guards=[requires("party_building.member", "write")])
    async def create_member(self, compound_id: uuid.UUID, data: s.MemberIn, session: AsyncSession) -> s.MemberOut:
        """Register a member with their organisations (at most one per level) and post."""
        row = await services.create_member(session, compound_id, data)
        return services.member_out(row, (await services.memberships_of(session, compound_id, [row.id])).get(row.id, []), show_pii=True)

    @get("/{member_id:uuid}", operation_id="partyGetMember", guards=[requires("party_building.member", "read")])
    async def get_member(
        self, request: Request, compound_id: uuid.UUID, member_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> s.MemberOut:
        """One member of the register."""
        row = await services.get_member(session, compound_id, member_id)
        show = _can(request, principal, "party_building.member", "write", compound_id)
        return services.member_out(row, (await services.memberships_of(session, compound_id, [row.id])).get(row.id, []), show_pii=show)

    @patch("/{member_id:uuid}", operation_id="partyUpdateMember", guards=[requires("party_building.member", "write")])
    async def update_member(self, compound_id: uuid.UUID, member_id: uuid.UUID, data: s.MemberPatch, session: AsyncSession) -> s.MemberOut:
        """Change status, registration, the show-identity flag or record that the member left."""
        row = await services.update_member(session, compound_id, member_id, data)
        return services.member_out(row, (await services.memberships_of(session, compound_id, [row.id])).get(row.id, []), show_pii=True)

    @post("/{member_id:uuid}/memberships", operation_id="partyAddMembership", guards=[requires("party_building.member", "write")])
    async def add_membership(
        self, compound_id: uuid.UUID, member_id: uuid.UUID, data: s.MembershipIn, session: AsyncSession
    ) -> s.MemberOut:
        """Place the member in an organisation of another level, or change their post in one."""
        await services.add_membership(session, compound_id, member_id, data)
        row = await services.get_member(session, compound_id, member_id)
        return services.member_out(row, (await services.memberships_of(session, compound_id, [row.id])).get(row.id, []), show_pii=True)

    @delete(
        "/{member_id:uuid}/memberships/{organisation_id:uuid}",
        operation_id="partyRemoveMembership",
        guards=[requires("party_building.member", "write")],
    )
    async def remove_membership(
        self, compound_id: uuid.UUID, member_id: uuid.UUID, organisation_id: uuid.UUID, session: AsyncSession
    ) -> None:
        """Take the member out of an organisation."""
        await services.remove_membership(session, compound_id, member_id, organisation_id)


class CentralHouseholdsController(Controller):
    path = C + "/central-households"
    tags = ["party_building"]

    @get("/", operation_id="partyListCentralHouseholds", guards=[requires("party_building.member", "read")])
    async def list_central(self, compound_id: uuid.UUID, session: AsyncSession) -> list[s.CentralHouseholdOut]:
        """党员中心户 with the rooms each looks after."""
        return await services.central_households(session, compound_id)

    @post("/", operation_id="partyCreateCentralHousehold", guards=[requires("party_building.member", "write")])
    async def create_central(self, compound_id: uuid.UUID, data: s.CentralHouseholdIn, session: AsyncSession) -> s.CentralHouseholdOut:
        """Make a member's household a central household for (households of) a building."""
        row = await services.create_central_household(session, compound_id, data)
        return next(c for c in await services.central_households(session, compound_id) if c.id == row.id)


class MeetingsController(Controller):
    path = C + "/meetings"
    tags = ["party_building"]

    @get("/", operation_id="partyListMeetings", guards=[requires("party_building.meeting", "read")])
    async def list_meetings(
        self,
        compound_id: uuid.UUID,
        session: AsyncSession,
        kind: s.MeetingKind | None = None,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.MeetingOut]:
        """Joint and branch meetings, newest first."""
        rows, total = await paginate(session, services.meetings_query(compound_id, kind=kind, status=status), limit, offset)
        return Page(items=[services.meeting_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="partyCreateMeeting", guards=[requires("party_building.meeting", "write")])
    async def create_meeting(self, compound_id: uuid.UUID, data: s.MeetingIn, principal: Principal, session: AsyncSession) -> s.MeetingOut:
        """Schedule a meeting; its invitees are notified (a joint meeting invites the committee and the property company)."""
        row = await services.create_meeting(session, principal, compound_id, data)
        return await services.meeting_detail(session, compound_id, row.id, keeper=True)

    @get("/{meeting_id:uuid}", operation_id="partyGetMeeting", guards=[requires("party_building.meeting", "read")])
    async def get_meeting(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> s.MeetingOut:
        """Agenda, attendees and sign-ins, minutes, resolutions and their action items."""
        return await services.meeting_detail(
            session, compound_id, meeting_id, keeper=_can(request, principal, "party_building.meeting", "write", compound_id)
        )

    @post("/{meeting_id:uuid}/attendees", operation_id="partyInvite", guards=[requires("party_building.meeting", "write")])
    async def invite(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.AttendeeIn, session: AsyncSession) -> s.AttendeeOut:
        """Invite one more person (notified when they have an account)."""
        a = await services.add_attendee(session, compound_id, meeting_id, data)
        return s.AttendeeOut(
            id=a.id,
            side=a.side,
            name=a.name,
            user_id=a.user_id,
            invited=a.invited,
            signed_in_at=a.signed_in_at,
            sign_in_method=a.sign_in_method,
        )

    @post("/{meeting_id:uuid}/sign-in", operation_id="partySignIn", guards=[requires("party_building.public", "read")], status_code=200)
    async def sign_in(
        self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.SignInIn, principal: Principal, session: AsyncSession
    ) -> s.AttendeeOut:
        """Sign in with the code of the meeting's QR code."""
        a = await services.sign_in_by_code(session, principal, compound_id, meeting_id, data.code)
        return s.AttendeeOut(
            id=a.id,
            side=a.side,
            name=a.name,
            user_id=a.user_id,
            invited=a.invited,
            signed_in_at=a.signed_in_at,
            sign_in_method=a.sign_in_method,
        )

    @post(
        "/{meeting_id:uuid}/staff-sign-in",
        operation_id="partyStaffSignIn",
        guards=[requires("party_building.meeting", "write")],
        status_code=200,
    )
    async def staff_sign_in(
        self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.StaffSignInIn, session: AsyncSession
    ) -> s.AttendeeOut:
        """Sign an attendee in on their behalf."""
        a = await services.sign_in_by_staff(session, compound_id, meeting_id, data.attendee_id)
        return s.AttendeeOut(
            id=a.id,
            side=a.side,
            name=a.name,
            user_id=a.user_id,
            invited=a.invited,
            signed_in_at=a.signed_in_at,
            sign_in_method=a.sign_in_method,
        )

    @post(
        "/{meeting_id:uuid}/minutes",
        operation_id="partyRecordMinutes",
        guards=[requires("party_building.meeting", "write")],
        status_code=200,
    )
    async def minutes(
        self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.MinutesIn, principal: Principal, session: AsyncSession
    ) -> s.MeetingOut:
        """The meeting was held: minutes, resolutions and their action items (owners are notified)."""
        await services.record_minutes(session, principal, compound_id, meeting_id, data)
        return await services.meeting_detail(session, compound_id, meeting_id, keeper=True)

    @post("/{meeting_id:uuid}/resolutions", operation_id="partyAddResolution", guards=[requires("party_building.meeting", "write")])
    async def resolution(
        self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.ResolutionIn, principal: Principal, session: AsyncSession
    ) -> s.MeetingOut:
        """Add a resolution with its action items to a held meeting."""
        await services.add_resolution(session, principal, compound_id, meeting_id, data)
        return await services.meeting_detail(session, compound_id, meeting_id, keeper=True)

    @post(
        "/{meeting_id:uuid}/cancel",
        operation_id="partyCancelMeeting",
        guards=[requires("party_building.meeting", "write")],
        status_code=200,
    )
    async def cancel(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, session: AsyncSession) -> s.MeetingOut:
        """Cancel a planned meeting."""
        return services.meeting_out(await services.cancel_meeting(session, compound_id, meeting_id))


class MeetingGapsController(Controller):
    path = C + "/meeting-gaps"
    tags = ["party_building"]

    @get("/", operation_id="partyMeetingGaps", guards=[requires("party_building.meeting", "read")])
    async def gaps(
        self, compound_id: uuid.UUID, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.MeetingGapOut]:
        """Periods in which the compound held fewer required meetings than its district asks."""
        stmt = select(MeetingGap).where(MeetingGap.compound_id == compound_id).order_by(MeetingGap.period_start.desc(), MeetingGap.kind)
        rows, total = await paginate(session, stmt, limit, offset)
        items = [
            s.MeetingGapOut(
                id=g.id,
                compound_id=g.compound_id,
                kind=g.kind,
                period=g.period,
                period_start=g.period_start,
                period_end=g.period_end,
                required=g.required,
                held=g.held,
            )
            for g in rows
        ]
        return Page(items=items, total=total, limit=limit, offset=offset)


class ActionItemsController(Controller):
    path = C + "/action-items"
    tags = ["party_building"]

    @get("/", operation_id="partyListActionItems", guards=[requires("party_building.action_item", "read")])
    async def list_items(
        self,
        compound_id: uuid.UUID,
        session: AsyncSession,
        status: str | None = None,
        overdue: bool | None = None,
        owner_kind: s.OwnerKind | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.ActionItemOut]:
        """The board of action items, earliest due first."""
        today = await services.local_today(session, compound_id)
        rows, total = await paginate(
            session, services.action_items_query(compound_id, today, status=status, overdue=overdue, owner_kind=owner_kind), limit, offset
        )
        return Page(items=[services.action_item_out(r, today) for r in rows], total=total, limit=limit, offset=offset)

    @get("/tallies", operation_id="partyActionItemTallies", guards=[requires("party_building.action_item", "read")])
    async def tallies(self, compound_id: uuid.UUID, session: AsyncSession) -> list[s.OwnerTally]:
        """Per owner: open, overdue, closed on time and closed late (overdue and late count against them)."""
        return await services.owner_tallies(session, compound_id, await services.local_today(session, compound_id))

    @post(
        "/{item_id:uuid}/close",
        operation_id="partyCloseActionItem",
        guards=[requires("party_building.action_item", "write")],
        status_code=200,
    )
    async def close(
        self, request: Request, compound_id: uuid.UUID, item_id: uuid.UUID, data: s.CloseIn, principal: Principal, session: AsyncSession
    ) -> s.ActionItemOut:
        """The owner closes an item with evidence of completion (photos go to the item's attachments)."""
        keeper = _can(request, principal, "party_building.meeting", "write", compound_id)
        item = await services.close_action_item(session, principal, compound_id, item_id, data.evidence, keeper=keeper)
        return services.action_item_out(item, await services.local_today(session, compound_id))

    @post(
        "/{item_id:uuid}/cancel",
        operation_id="partyCancelActionItem",
        guards=[requires("party_building.meeting", "write")],
        status_code=200,
    )
    async def cancel(self, compound_id: uuid.UUID, item_id: uuid.UUID, session: AsyncSession) -> s.ActionItemOut:
        """Whoever keeps the meetings withdraws an item that is no longer needed."""
        item = await services.cancel_action_item(session, compound_id, item_id)
        return services.action_item_out(item, await services.local_today(session, compound_id))


class StudyController(Controller):
    path = C
    tags = ["party_building"]

    @get("/study-sessions", operation_id="partyListStudySessions", guards=[requires("party_building.study", "read")])
    async def list_sessions(self, compound_id: uuid.UUID, session: AsyncSession) -> list[s.StudySessionOut]:
        """Study and training sessions (思想引领), newest first."""
        return await services.study_sessions(session, compound_id)

    @post("/study-sessions", operation_id="partyCreateStudySession", guards=[requires("party_building.study", "write")])
    async def create_session(self, compound_id: uuid.UUID, data: s.StudySessionIn, session: AsyncSession) -> s.StudySessionOut:
        """Record a session with its hours and, once held, who attended (materials go to its attachments)."""
        row = await services.create_study_session(session, compound_id, data, await services.local_today(session, compound_id))
        return next(x for x in await services.study_sessions(session, compound_id) if x.id == row.id)

    @post(
        "/study-sessions/{session_id:uuid}/attendance",
        operation_id="partyRecordAttendance",
        guards=[requires("party_building.study", "write")],
        status_code=200,
    )
    async def attendance(
        self, compound_id: uuid.UUID, session_id: uuid.UUID, data: s.AttendanceIn, session: AsyncSession
    ) -> s.StudySessionOut:
        """Add members present at a session."""
        await services.record_attendance(
            session, compound_id, session_id, data.member_ids, await services.local_today(session, compound_id)
        )
        return next(x for x in await services.study_sessions(session, compound_id) if x.id == session_id)

    @get("/study-hours", operation_id="partyStudyHours", guards=[requires("party_building.study", "read")])
    async def hours(self, compound_id: uuid.UUID, session: AsyncSession, year: int | None = None) -> list[s.StudyHoursOut]:
        """Study hours per member in a year (this year by default)."""
        return await services.study_hours(session, compound_id, year or (await services.local_today(session, compound_id)).year)


class DisclosuresController(Controller):
    path = C + "/disclosures"
    tags = ["party_building"]

    @get("/", operation_id="partyListDisclosures", guards=[requires("party_building.disclosure", "read")])
    async def list_disclosures(
        self,
        compound_id: uuid.UUID,
        session: AsyncSession,
        category: s.DisclosureCategory | None = None,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.DisclosureOut]:
        """Every disclosure of the compound, drafts and withdrawn ones included, with whether residents see it today."""
        today = await services.local_today(session, compound_id)
        rows, total = await paginate(session, services.disclosures_query(compound_id, category=category, status=status), limit, offset)
        return Page(items=[await services.disclosure_out(session, r, today) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="partyCreateDisclosure", guards=[requires("party_building.disclosure", "write")])
    async def create(self, compound_id: uuid.UUID, data: s.DisclosureIn, principal: Principal, session: AsyncSession) -> s.DisclosureOut:
        """Draft (or publish at once) a disclosure with its publication period."""
        row = await services.create_disclosure(session, principal, compound_id, data)
        return await services.disclosure_out(session, row, await services.local_today(session, compound_id), history=True)

    @get("/{disclosure_id:uuid}", operation_id="partyGetDisclosure", guards=[requires("party_building.disclosure", "read")])
    async def get_one(self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, session: AsyncSession) -> s.DisclosureOut:
        """A disclosure with its history of versions."""
        row = await services.get_disclosure(session, compound_id, disclosure_id)
        return await services.disclosure_out(session, row, await services.local_today(session, compound_id), history=True)

    @patch("/{disclosure_id:uuid}", operation_id="partyUpdateDisclosure", guards=[requires("party_building.disclosure", "write")])
    async def update(
        self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, data: s.DisclosurePatch, principal: Principal, session: AsyncSession
    ) -> s.DisclosureOut:
        """Correct a disclosure: a new version, the old one kept."""
        row = await services.update_disclosure(session, principal, compound_id, disclosure_id, data)
        return await services.disclosure_out(session, row, await services.local_today(session, compound_id), history=True)

    @post(
        "/{disclosure_id:uuid}/publish",
        operation_id="partyPublishDisclosure",
        guards=[requires("party_building.disclosure", "write")],
        status_code=200,
    )
    async def publish(
        self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> s.DisclosureOut:
        """Publish: residents see it within its period."""
        row = await services.set_disclosure_status(session, principal, compound_id, disclosure_id, "published")
        return await services.disclosure_out(session, row, await services.local_today(session, compound_id), history=True)

    @post(
        "/{disclosure_id:uuid}/withdraw",
        operation_id="partyWithdrawDisclosure",
        guards=[requires("party_building.disclosure", "write")],
        status_code=200,
    )
    async def withdraw(
        self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> s.DisclosureOut:
        """Withdraw: residents no longer see it; the history stays."""
        row = await services.set_disclosure_status(session, principal, compound_id, disclosure_id, "withdrawn")
        return await services.disclosure_out(session, row, await services.local_today(session, compound_id), history=True)


ROUTE_HANDLERS = [
    OrganisationsController,
    CoverageController,
    TargetsController,
    ResponsibilitiesController,
    CompoundPartyController,
    MembersController,
    CentralHouseholdsController,
    MeetingsController,
    MeetingGapsController,
    ActionItemsController,
    StudyController,
    DisclosuresController,
    PAGE_ROUTER,
]
