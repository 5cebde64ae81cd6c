"""co_building console and portal pages: consultation (协商共治) — proposals, deliberation meetings, notices and owners' votes.

Console: the committee, the district and the company see proposals, schedule
meetings and record minutes, publish notices, prepare, open and close votes,
record paper ballots and (committee and district only) read the ballot list.
Portal: residents read the notices in their period, raise and co-sign
proposals, vote while a vote is open and read the published results.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_zone
from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.problems import invalid, not_found
from core.web.confirm import confirmation
from core.web.forms import form_values, to_input
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.co_building.models.consultation import DeliberationMeeting, OwnersVote, Proposal, VoteRoll
from plugins.co_building.schemas import consultation as s
from plugins.co_building.services import consultation as services
from plugins.co_building.services.requests import room_labels

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building"
PORTAL = "/portal/compounds/{compound_id:uuid}/co_building"

MATTERS = {
    "make_rules": N_("Rules of the owners' assembly and the management statute"),
    "elect_committee": N_("Electing or replacing the owners' committee"),
    "hire_property_company": N_("Hiring or dismissing the property company"),
    "use_maintenance_fund": N_("Using the maintenance fund"),
    "other": N_("Another major matter of common ownership"),
    "raise_maintenance_fund": N_("Raising the maintenance fund (special)"),
    "rebuild": N_("Rebuilding or reconstruction (special)"),
    "change_common_use": N_("Changing the use of common parts (special)"),
}
CHOICES = {"approve": N_("Approve"), "reject": N_("Reject"), "abstain": N_("Abstain")}
PROPOSAL_STATES = {
    "collecting": N_("Collecting co-signers"),
    "deliberation": N_("Awaiting deliberation"),
    "adopted": N_("Adopted"),
    "rejected": N_("Rejected"),
    "to_vote": N_("Put to the owners' vote"),
    "withdrawn": N_("Withdrawn"),
}
VOTE_STATES = {"draft": N_("Draft"), "open": N_("Open"), "closed": N_("Closed")}
MEETING_STATES = {"planned": N_("Planned"), "held": N_("Held"), "cancelled": N_("Cancelled")}
SIDES = {
    "owners": N_("Owners"),
    "committee": N_("Owners' committee"),
    "property_company": N_("Property company"),
    "community": N_("Community"),
    "party_organisation": N_("Party organisation"),
    "department": N_("Department"),
    "other": N_("Other"),
}
SIDES_ZH = {
    "业主": "owners",
    "业委会": "committee",
    "物业": "property_company",
    "社区": "community",
    "党组织": "party_organisation",
    "职能部门": "department",
}
"""The sides as a person types them in Chinese (the help lists these words); the codes are still understood."""


def side_of(typed: str) -> str:
    """The participant's side from what was typed before the colon: 业主, 物业 … or a code; anything else is other."""
    typed = typed.strip()
    return SIDES_ZH.get(typed) or (typed if typed in SIDES else "other")


CLOSE_VOTE_SAYS = N_("The vote closes now: no more ballots are taken, the result is counted and published as a public notice.")
DECISIONS = {"adopted": N_("Adopted"), "rejected": N_("Rejected"), "to_vote": N_("Put to the owners' vote")}
MESSAGES = (
    N_("Only owners vote"),
    N_("The vote is not open"),
    N_("Illegal state transition"),
    N_("Not a resident of this compound"),
    N_("Not your proposal"),
    N_("you have already signed this proposal"),
    N_("you raised this proposal"),
    N_("the notice period must end after it starts"),
    N_("the vote must close in the future"),
    N_("the room is not on this vote's roll"),
    N_("the owner has voted online; a paper ballot replaces it only with a reason (e.g. the owner's signed paper form supersedes)"),
    N_("the roll was fixed when the vote opened; it can no longer be corrected"),
    N_("the developer's rooms (unsold or not yet delivered) already count together as one head"),
    N_("name another room"),
    N_("give a time zone (e.g. +08:00)"),
)
LABELS = {
    "matters": MATTERS,
    "choices": CHOICES,
    "proposal_states": PROPOSAL_STATES,
    "vote_states": VOTE_STATES,
    "meeting_states": MEETING_STATES,
    "sides": SIDES,
    "decisions": DECISIONS,
}


async def _local(session: AsyncSession, compound_id: uuid.UUID, values: dict[str, Any], *fields: str) -> dict[str, Any]:
    """``datetime-local`` inputs carry no zone: they are the compound's local time."""
    zone = await compound_zone(session, compound_id)
    for field in fields:
        raw = values.get(field)
        if raw:
            try:
                values[field] = dt.datetime.fromisoformat(str(raw)).replace(tzinfo=ZoneInfo(zone)).isoformat()
            except ValueError:
                raise invalid(field, "not a date and time", status=400) from None
    return values


async def _votes(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, *, drafts: bool) -> list[s.VoteOut]:
    stmt = select(OwnersVote).where(OwnersVote.compound_id == compound_id)
    if not drafts:
        stmt = stmt.where(OwnersVote.state != "draft")
    rows = (await session.scalars(stmt.order_by(OwnersVote.created_at.desc()).limit(50))).all()
    return await services.votes_out(session, list(rows), user_id)


class ConsoleConsultationPages(Controller):
    """The committee's and the district's desk for proposals, meetings, notices and votes."""

    path = CONSOLE

    @get("/consultation", guards=[requires("co_building.proposal", "read")])
    async def overview(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Proposals (with decisions), meetings, notices and votes of the compound."""
        stmt = select(Proposal).where(Proposal.compound_id == compound_id).order_by(Proposal.created_at.desc(), Proposal.id.desc())
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        meetings = (
            await ctx.session.scalars(
                select(DeliberationMeeting)
                .where(DeliberationMeeting.compound_id == compound_id)
                .order_by(DeliberationMeeting.scheduled_at.desc())
                .limit(20)
            )
        ).all()
        may_publish = ctx.can("co_building.proposal", "approve")
        notices = (await ctx.session.scalars(services.notices_query(compound_id, current_only=not may_publish).limit(20))).all()
        vote_admin = ctx.can("co_building.vote", "admin")
        return await page(
            request,
            "co_building/consultation/console.html",
            compound_id=compound_id,
            proposals=await services.proposals_out(ctx.session, list(rows), ctx.user_id),
            pager=pager(request, total, offset),
            meetings=meetings,
            waiting=[p for p in rows if p.state == "deliberation"],
            notices=[services.notice_out(n) for n in notices],
            votes=await _votes(ctx.session, compound_id, ctx.user_id, drafts=vote_admin) if ctx.can("co_building.vote", "read") else [],
            may_decide=may_publish,
            may_publish=may_publish,
            vote_admin=vote_admin,
            may_meet=ctx.can("co_building.meeting", "write"),
            **LABELS,
        )

    @post("/proposals/{proposal_id:uuid}/decision", guards=[requires("co_building.proposal", "approve")])
    async def decide(self, request: Request, compound_id: uuid.UUID, proposal_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.decide_proposal(ctx.session, compound_id, proposal_id, to_input(await form_values(request), s.DecisionIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/consultation")

    @post("/meetings", guards=[requires("co_building.meeting", "write")])
    async def schedule(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Schedule a meeting: proposals awaiting deliberation, and participants one per line as ``side: name``."""
        values = await _local(ctx.session, compound_id, await form_values(request, lists=("proposal_ids",)), "scheduled_at")
        participants = []
        for line in str(values.pop("participants", "")).replace("：", ":").splitlines():
            side, _, name = line.partition(":") if ":" in line else ("other", "", line)
            if name.strip():
                participants.append({"side": side_of(side), "name": name.strip()})
        values["participants"] = participants
        meeting = await services.schedule_meeting(ctx.session, compound_id, ctx.user_id, to_input(values, s.MeetingIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/meetings/{meeting.id}", "created")

    @get("/meetings/{meeting_id:uuid}", guards=[requires("co_building.meeting", "read")])
    async def meeting(
        self,
        request: Request,
        compound_id: uuid.UUID,
        meeting_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        shown = await services.meeting_out(ctx.session, await services.get_meeting(ctx.session, compound_id, meeting_id), ctx.user_id)
        return await page(
            request,
            "co_building/consultation/meeting.html",
            compound_id=compound_id,
            meeting=shown,
            may_meet=ctx.can("co_building.meeting", "write"),
            **LABELS,
        )

    @post("/meetings/{meeting_id:uuid}/minutes", guards=[requires("co_building.meeting", "write")])
    async def minutes(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.record_minutes(
            ctx.session, compound_id, meeting_id, to_input(await form_values(request, lists=("attended",)), s.MinutesIn)
        )
        return done(request, f"/console/compounds/{compound_id}/co_building/meetings/{meeting_id}")

    @post("/notices", guards=[requires("co_building.proposal", "approve")])
    async def publish(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        values = await _local(ctx.session, compound_id, await form_values(request), "starts_at", "ends_at")
        await services.publish_notice(ctx.session, compound_id, ctx.user_id, to_input(values, s.NoticeIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/consultation", "created")

    @post("/votes", guards=[requires("co_building.vote", "admin")])
    async def create_vote(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        values = await _local(ctx.session, compound_id, await form_values(request), "closes_at")
        vote = await services.create_vote(ctx.session, compound_id, ctx.user_id, to_input(values, s.VoteIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/votes/{vote.id}", "created")

    @get("/votes/{vote_id:uuid}", guards=[requires("co_building.vote", "read")])
    async def vote(
        self,
        request: Request,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """A vote: its roll size, the four figures at close, paper ballots and the ballot list for those allowed."""
        row = await services.get_vote(ctx.session, compound_id, vote_id)
        admin = ctx.can("co_building.vote", "admin")
        if row.state == "draft" and not admin:
            raise not_found("vote")
        readable = ctx.can("co_building.ballot", "read")
        ballots = await services.ballots(ctx.session, row) if readable else None
        roll = await services.roll_heads(ctx.session, row) if readable else None
        rooms: list[tuple[uuid.UUID, str]] = []
        if admin and row.state in ("draft", "open"):
            ids = (
                await ctx.session.scalars(select(VoteRoll.room_id).where(VoteRoll.compound_id == compound_id, VoteRoll.vote_id == row.id))
            ).all()
            if row.state == "draft":
                ids = [r.room_id for h in roll or [] for r in h.rooms if not h.developer]
            labels = await room_labels(ctx.session, compound_id, set(ids))
            rooms = sorted(((i, labels.get(i, "")) for i in ids), key=lambda p: p[1])
        return await page(
            request,
            "co_building/consultation/vote.html",
            compound_id=compound_id,
            vote=await services.vote_out(ctx.session, row, ctx.user_id),
            ballots=ballots,
            roll=roll,
            rooms=rooms,
            admin=admin,
            **LABELS,
        )

    @post("/votes/{vote_id:uuid}/open", guards=[requires("co_building.vote", "admin")])
    async def open_vote(self, request: Request, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.open_vote(ctx.session, compound_id, vote_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/votes/{vote_id}")

    @post("/votes/{vote_id:uuid}/pre-review", guards=[requires("co_building.vote", "admin")])
    async def request_review(self, request: Request, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Put the draft's matter to the community party organisation (前置把关)."""
        await services.request_vote_review(ctx.session, compound_id, vote_id, ctx.user_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/votes/{vote_id}")

    @post("/votes/{vote_id:uuid}/close", guards=[requires("co_building.vote", "admin")])
    async def close_vote(
        self,
        request: Request,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        step = await confirmation(request, CLOSE_VOTE_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.close_vote(ctx.session, compound_id, vote_id, ctx.user_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/votes/{vote_id}")

    @post("/votes/{vote_id:uuid}/roll/links", guards=[requires("co_building.vote", "admin")])
    async def link_owners(self, request: Request, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """ "Same owner as …" on a draft vote's roll."""
        data = to_input(await form_values(request), s.RollLinkIn)
        await services.link_roll(ctx.session, compound_id, vote_id, ctx.user_id, ctx.display_name, data)
        return done(request, f"/console/compounds/{compound_id}/co_building/votes/{vote_id}#roll")

    @post("/votes/{vote_id:uuid}/paper-ballots", guards=[requires("co_building.vote", "admin")])
    async def paper_ballot(
        self,
        request: Request,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        await services.record_paper_ballot(
            ctx.session, compound_id, vote_id, ctx.user_id, to_input(await form_values(request), s.PaperBallotIn), ctx.display_name
        )
        return done(request, f"/console/compounds/{compound_id}/co_building/votes/{vote_id}")


class PortalConsultationPages(Controller):
    """Residents: notices, proposals to raise and co-sign, votes to cast and results to read."""

    path = PORTAL

    @get("/consultation", guards=[requires("co_building.proposal", "read")])
    async def overview(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        notices = (await ctx.session.scalars(services.notices_query(compound_id, current_only=True).limit(20))).all()
        rows = (
            await ctx.session.scalars(
                select(Proposal)
                .where(Proposal.compound_id == compound_id, Proposal.state != "withdrawn")
                .order_by(Proposal.created_at.desc())
                .limit(30)
            )
        ).all()
        return await page(
            request,
            "co_building/consultation/portal.html",
            portal=True,
            compound_id=compound_id,
            notices=[services.notice_out(n) for n in notices],
            proposals=await services.proposals_out(ctx.session, list(rows), ctx.user_id),
            votes=await _votes(ctx.session, compound_id, ctx.user_id, drafts=False) if ctx.can("co_building.vote", "read") else [],
            **LABELS,
        )

    @post("/proposals", guards=[requires("co_building.proposal", "write")])
    async def propose(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.create_proposal(
            ctx.session, compound_id, ctx.user_id, ctx.display_name, to_input(await form_values(request), s.ProposalIn), staff=False
        )
        return done(request, f"/portal/compounds/{compound_id}/co_building/consultation", "created")

    @post("/proposals/{proposal_id:uuid}/sign", guards=[requires("co_building.proposal", "write")])
    async def sign(
        self,
        request: Request,
        compound_id: uuid.UUID,
        proposal_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        await services.sign_proposal(ctx.session, compound_id, proposal_id, ctx.user_id)
        return done(request, f"/portal/compounds/{compound_id}/co_building/consultation")

    @get("/votes/{vote_id:uuid}", guards=[requires("co_building.vote", "read")])
    async def vote(
        self,
        request: Request,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        row = await services.get_vote(ctx.session, compound_id, vote_id)
        if row.state == "draft":
            raise not_found("vote")
        return await page(
            request,
            "co_building/consultation/portal_vote.html",
            portal=True,
            compound_id=compound_id,
            vote=await services.vote_out(ctx.session, row, ctx.user_id),
            **LABELS,
        )

    @post("/votes/{vote_id:uuid}/ballot", guards=[requires("co_building.vote", "write")])
    async def cast(
        self,
        request: Request,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        data = to_input(await form_values(request), s.BallotIn)
        await services.cast_ballot(ctx.session, compound_id, vote_id, ctx.user_id, data.choice, ctx.display_name)
        return done(request, f"/portal/compounds/{compound_id}/co_building/votes/{vote_id}", "saved")


PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/co_building/consultation",
        "label_zh": "协商议事与业主表决",
        "label_en": "Consultation and votes",
        "permission": "co_building.proposal:read",
        "portal": False,
    },
    {
        "path": "/portal/compounds/{compound_id}/co_building/consultation",
        "label_zh": "议事与表决",
        "label_en": "Proposals and votes",
        "permission": "co_building.proposal:read",
        "portal": True,
    },
]
HANDLERS: list = [ConsoleConsultationPages, PortalConsultationPages]
