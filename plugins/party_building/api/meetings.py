"""Meetings, missed-meeting periods and action items."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import C, page_of
from plugins.party_building.models import ACTION_STATUSES, MEETING_STATUSES, MeetingGap


class MeetingsController(Controller):
    path = C + "/meetings"
    tags = ["party_building"]

    @get("/", operation_id="partyListMeetings", guards=[requires("party_building.meeting", "read")])
    async def list_meetings(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        kind: s.MeetingKind | None = None,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.MeetingOut]:
        """Joint and branch meetings, newest first."""
        status = one_of("status", status, MEETING_STATUSES)
        rows, total = await paginate(ctx.session, services.meetings_query(kind=kind, status=status), limit, offset)
        return Page(items=[services.meeting_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="partyCreateMeeting", guards=[requires("party_building.meeting", "write")])
    async def create_meeting(self, compound_id: uuid.UUID, data: s.MeetingIn, ctx: RequestContext) -> s.MeetingOut:
        """Schedule a meeting; its invitees are notified (a joint meeting invites the committee and the property company)."""
        row = await services.create_meeting(ctx, compound_id, data)
        return await services.meeting_detail(ctx.session, compound_id, row.id, keeper=True)

    @get("/{meeting_id:uuid}", operation_id="partyGetMeeting", guards=[requires("party_building.meeting", "read")])
    async def get_meeting(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> s.MeetingOut:
        """Agenda, attendees and sign-ins, minutes, resolutions and their action items."""
        return await services.meeting_detail(ctx.session, compound_id, meeting_id, keeper=ctx.can("party_building.meeting", "write"))

    @post("/{meeting_id:uuid}/attendees", operation_id="partyInvite", guards=[requires("party_building.meeting", "write")])
    async def invite(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.AttendeeIn, ctx: RequestContext) -> s.AttendeeOut:
        """Invite one more person (notified when they have an account)."""
        a = await services.add_attendee(ctx.session, compound_id, meeting_id, data)
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
    async def sign_in(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.SignInIn, ctx: RequestContext) -> s.AttendeeOut:
        """Sign in with the code of the meeting's QR code."""
        a = await services.sign_in_by_code(ctx, compound_id, meeting_id, data.code)
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
        self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.StaffSignInIn, ctx: RequestContext
    ) -> s.AttendeeOut:
        """Sign an attendee in on their behalf."""
        a = await services.sign_in_by_staff(ctx.session, compound_id, meeting_id, data.attendee_id)
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
    async def minutes(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.MinutesIn, ctx: RequestContext) -> s.MeetingOut:
        """The meeting was held: minutes, resolutions and their action items (owners are notified)."""
        await services.record_minutes(ctx, compound_id, meeting_id, data)
        return await services.meeting_detail(ctx.session, compound_id, meeting_id, keeper=True)

    @post("/{meeting_id:uuid}/resolutions", operation_id="partyAddResolution", guards=[requires("party_building.meeting", "write")])
    async def resolution(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.ResolutionIn, ctx: RequestContext) -> s.MeetingOut:
        """Add a resolution with its action items to a held meeting."""
        await services.add_resolution(ctx, compound_id, meeting_id, data)
        return await services.meeting_detail(ctx.session, compound_id, meeting_id, keeper=True)

    @post(
        "/{meeting_id:uuid}/cancel",
        operation_id="partyCancelMeeting",
        guards=[requires("party_building.meeting", "write")],
        status_code=200,
    )
    async def cancel(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> s.MeetingOut:
        """Cancel a planned meeting."""
        return services.meeting_out(await services.cancel_meeting(ctx.session, compound_id, meeting_id))


class MeetingGapsController(Controller):
    path = C + "/meeting-gaps"
    tags = ["party_building"]

    @get("/", operation_id="partyMeetingGaps", guards=[requires("party_building.meeting", "read")])
    async def gaps(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.MeetingGapOut]:
        """Periods in which the compound held fewer required meetings than its district asks."""
        stmt = select(MeetingGap).order_by(MeetingGap.period_start.desc(), MeetingGap.kind)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
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
        ctx: RequestContext,
        status: str | None = None,
        overdue: bool | None = None,
        owner_kind: s.OwnerKind | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.ActionItemOut]:
        """The board of action items, earliest due first."""
        status = one_of("status", status, ACTION_STATUSES)
        today = await services.local_today(ctx.session, compound_id)
        rows, total = await paginate(
            ctx.session,
            services.action_items_query(today, status=status, overdue=overdue, owner_kind=owner_kind),
            limit,
            offset,
        )
        return Page(items=[services.action_item_out(r, today) for r in rows], total=total, limit=limit, offset=offset)

    @get("/tallies", operation_id="partyActionItemTallies", guards=[requires("party_building.action_item", "read")])
    async def tallies(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.OwnerTally]:
        """Per owner: open, overdue, closed on time and closed late (overdue and late count against them)."""
        today = await services.local_today(ctx.session, compound_id)
        return page_of(await services.owner_tallies(ctx.session, today), limit, offset)

    @post(
        "/{item_id:uuid}/close",
        operation_id="partyCloseActionItem",
        guards=[requires("party_building.action_item", "write")],
        status_code=200,
    )
    async def close(self, compound_id: uuid.UUID, item_id: uuid.UUID, data: s.CloseIn, ctx: RequestContext) -> s.ActionItemOut:
        """The owner closes an item with evidence of completion (photos go to the item's attachments)."""
        item = await services.close_action_item(ctx, compound_id, item_id, data.evidence)
        return services.action_item_out(item, await services.local_today(ctx.session, compound_id))

    @post(
        "/{item_id:uuid}/cancel",
        operation_id="partyCancelActionItem",
        guards=[requires("party_building.meeting", "write")],
        status_code=200,
    )
    async def cancel(self, compound_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext) -> s.ActionItemOut:
        """Whoever keeps the meetings withdraws an item that is no longer needed."""
        item = await services.cancel_action_item(ctx.session, compound_id, item_id)
        return services.action_item_out(item, await services.local_today(ctx.session, compound_id))
