"""Meetings and the action-item board."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.files.api import storage_of
from core.files.services import max_upload_bytes, upload
from core.pagination import OffsetParam, paginate
from core.problems import invalid
from core.web.confirm import confirmation
from core.web.forms import form_values, parse_form, to_input
from core.web.i18n import N_
from core.web.qr import qr_svg
from core.web.render import PAGE_SIZE, done, pager
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.pages.common import (
    C,
    PageController,
    compound_page,
    datetime_field,
)
from tenants.models import Compound, Department

CANCEL_MEETING_SAYS = N_("The meeting is cancelled: it cannot be held or signed in to any more, and it stays on record as cancelled.")
WITHDRAW_ITEM_SAYS = N_("The action item is withdrawn: it is no longer followed up and stays on record as withdrawn.")

# --------------------------------------------------------------------------- meetings


class MeetingPages(PageController):
    path = C + "/meetings"

    @get("/", guards=[requires("party_building.meeting", "read")])
    async def meetings(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """Joint and branch meetings, newest first, with the form to schedule one."""
        rows, total = await paginate(ctx.session, services.meetings_query(), PAGE_SIZE, offset)
        compound = await ctx.session.get(Compound, compound_id)
        departments = (
            await ctx.session.scalars(
                select(Department).where(Department.tenant_id == compound.district_tenant_id).order_by(Department.name)
            )
        ).all()  # type: ignore[union-attr]
        gaps = (await ctx.session.scalars(select(m.MeetingGap).order_by(m.MeetingGap.period_start.desc()).limit(12))).all()
        return await compound_page(
            request,
            ctx,
            "meetings.html",
            compound_id,
            meetings=rows,
            pager=pager(request, total, offset),
            gaps=gaps,
            writable=ctx.can("party_building.meeting", "write"),
            organisations=await services.organisations_serving(ctx.session, compound_id),
            departments=departments,
        )

    @post("/", guards=[requires("party_building.meeting", "write")])
    async def schedule(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Schedule a meeting and send the invitations."""
        values = await form_values(request, lists=("departments",))
        datetime_field(values, "scheduled_at")
        for flag in ("invite_property", "invite_committee"):
            values[flag] = values.get(flag) in ("on", "true", "1")
        meeting = await services.create_meeting(ctx, compound_id, to_input(values, s.MeetingIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting.id}", "created")

    @get("/{meeting_id:uuid}", guards=[requires("party_building.meeting", "read")])
    async def meeting(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A meeting: agenda, attendees and sign-in, minutes, resolutions and their action items."""
        keeper = ctx.can("party_building.meeting", "write")
        detail = await services.meeting_detail(ctx.session, compound_id, meeting_id, keeper=keeper)
        compound = await ctx.session.get(Compound, compound_id)
        departments = (
            await ctx.session.scalars(
                select(Department).where(Department.tenant_id == compound.district_tenant_id).order_by(Department.name)
            )
        ).all()  # type: ignore[union-attr]
        sign_in_url = (
            f"/portal/compounds/{compound_id}/party_building/meetings/{meeting_id}/sign-in?code={detail.sign_in_code}"
            if detail.sign_in_code
            else None
        )
        sign_in_qr = qr_svg(str(request.base_url).rstrip("/") + sign_in_url) if sign_in_url and keeper else None
        return await compound_page(
            request,
            ctx,
            "meeting.html",
            compound_id,
            meeting=detail,
            keeper=keeper,
            departments=departments,
            organisations=await services.organisations_serving(ctx.session, compound_id),
            sign_in_url=sign_in_url,
            sign_in_qr=sign_in_qr,
        )

    @post("/{meeting_id:uuid}/minutes", guards=[requires("party_building.meeting", "write")])
    async def minutes(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Record the minutes: the meeting was held."""
        values = await form_values(request)
        datetime_field(values, "held_at")
        await services.record_minutes(ctx, compound_id, meeting_id, to_input(values, s.MinutesIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")

    @post("/{meeting_id:uuid}/resolutions", guards=[requires("party_building.meeting", "write")])
    async def resolution(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Add a resolution, with the action item it creates when one is given."""
        values = await form_values(request)
        item = _item_from(values)
        data = to_input({"text": values.get("text", ""), "action_items": [item] if item else []}, s.ResolutionIn)
        await services.add_resolution(ctx, compound_id, meeting_id, data)
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}", "created")

    @post("/{meeting_id:uuid}/resolutions/{resolution_id:uuid}/items", guards=[requires("party_building.meeting", "write")])
    async def action_item(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, resolution_id: uuid.UUID, ctx: RequestContext
    ) -> Response[Any]:
        """One more action item of a resolution."""
        item = _item_from(await form_values(request))
        if item is None:
            raise invalid("item_title", "name the action item", status=400)
        await services.add_action_item(ctx.session, compound_id, resolution_id, to_input(item, s.ActionItemIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}", "created")

    @post("/{meeting_id:uuid}/attendees", guards=[requires("party_building.meeting", "write")])
    async def invite(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Invite one more person."""
        await services.add_attendee(ctx.session, compound_id, meeting_id, await parse_form(request, s.AttendeeIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")

    @post("/{meeting_id:uuid}/attendees/{attendee_id:uuid}/sign-in", guards=[requires("party_building.meeting", "write")])
    async def staff_sign_in(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, attendee_id: uuid.UUID, ctx: RequestContext
    ) -> Response[Any]:
        """Sign an attendee in on their behalf."""
        await services.sign_in_by_staff(ctx.session, compound_id, meeting_id, attendee_id)
        return done(request, f"/console/compounds/{compound_id}/party_building/meetings/{meeting_id}")

    @post("/{meeting_id:uuid}/cancel", guards=[requires("party_building.meeting", "write")])
    async def cancel(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Cancel a planned meeting (asked to confirm first)."""
        step = await confirmation(request, CANCEL_MEETING_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.cancel_meeting(ctx.session, compound_id, meeting_id)
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
        ctx: RequestContext,
        status: str | None = None,
        overdue: bool | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The board: every action item with its owner and due date; per owner, what counts against them."""
        today = await services.local_today(ctx.session, compound_id)
        rows, total = await paginate(
            ctx.session, services.action_items_query(today, status=status or None, overdue=overdue), PAGE_SIZE, offset
        )
        keeper = ctx.can("party_building.meeting", "write")
        writable = ctx.can("party_building.action_item", "write")
        items = [(services.action_item_out(r, today), writable and r.status == "open" and (keeper or services.owns(ctx, r))) for r in rows]
        titles = (
            dict(
                (
                    await ctx.session.execute(
                        select(m.Meeting.id, m.Meeting.title).where(
                            m.Meeting.compound_id == compound_id, m.Meeting.id.in_({r.meeting_id for r in rows})
                        )
                    )
                ).all()
            )
            if rows
            else {}
        )
        return await compound_page(
            request,
            ctx,
            "action_items.html",
            compound_id,
            items=items,
            titles=titles,
            tallies=await services.owner_tallies(ctx.session, today),
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
    async def close(self, request: Request, compound_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Close an item with evidence: a note and, optionally, a photo or document."""
        form = await request.form()
        values = await form_values(request)
        values.pop("evidence_file", None)
        data = to_input(values, s.CloseIn)
        item = await services.close_action_item(ctx, compound_id, item_id, data.evidence)
        file = form.get("evidence_file")
        if isinstance(file, UploadFile) and file.filename:
            limit = max_upload_bytes()
            content = await file.read(limit + 1)
            state = request.app.state
            await upload(
                ctx.session,
                storage_of(state),
                ctx.principal,
                ctx.enforcer,
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
    async def cancel(self, request: Request, compound_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Withdraw an item that is no longer needed (asked to confirm first)."""
        step = await confirmation(request, WITHDRAW_ITEM_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.cancel_action_item(ctx.session, compound_id, item_id)
        return done(request, f"/console/compounds/{compound_id}/party_building/action-items")
