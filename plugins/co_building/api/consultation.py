"""co_building HTTP handlers: proposals, deliberation meetings, public notices and owners' votes (thin; rules in services.consultation)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from core.problems import not_found
from core.xlsx import xlsx_response
from plugins.co_building.models.consultation import DeliberationMeeting, OwnersVote, Proposal
from plugins.co_building.schemas import consultation as s
from plugins.co_building.services import consultation as services

C = "/api/v1/compounds/{compound_id:uuid}/co_building"


def _page(items, total, limit, offset):
    return Page(items=items, total=total, limit=limit, offset=offset)


class ProposalsController(Controller):
    path = C + "/proposals"
    tags = ["co_building: consultation"]

    @post("/", operation_id="createProposal", guards=[requires("co_building.proposal", "write")])
    async def create(
        self,
        compound_id: uuid.UUID,
        data: s.ProposalIn,
        ctx: RequestContext,
    ) -> s.ProposalOut:
        """Raise a proposal (议题); it collects co-signers until it reaches the threshold."""
        staff = ctx.can("co_building.proposal", "approve")
        p = await services.create_proposal(ctx.session, compound_id, ctx.user_id, ctx.display_name, data, staff=staff)
        return (await services.proposals_out(ctx.session, [p], ctx.user_id))[0]

    @get("/", operation_id="listProposals", guards=[requires("co_building.proposal", "read")])
    async def list_proposals(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.ProposalOut]:
        status = one_of("status", status, ("collecting", "deliberation", "withdrawn"))
        stmt = select(Proposal).where(Proposal.compound_id == compound_id)
        if status:
            stmt = stmt.where(Proposal.state == status)
        rows, total = await paginate(ctx.session, stmt.order_by(Proposal.created_at.desc(), Proposal.id.desc()), limit, offset)
        return _page(await services.proposals_out(ctx.session, rows, ctx.user_id), total, limit, offset)

    @post(
        "/{proposal_id:uuid}/signatures", operation_id="signProposal", status_code=200, guards=[requires("co_building.proposal", "write")]
    )
    async def sign(self, compound_id: uuid.UUID, proposal_id: uuid.UUID, ctx: RequestContext) -> s.ProposalOut:
        """Co-sign once (联署); a second signature is a 409."""
        p = await services.sign_proposal(ctx.session, compound_id, proposal_id, ctx.user_id)
        return (await services.proposals_out(ctx.session, [p], ctx.user_id))[0]

    @post(
        "/{proposal_id:uuid}/withdraw", operation_id="withdrawProposal", status_code=200, guards=[requires("co_building.proposal", "write")]
    )
    async def withdraw(self, compound_id: uuid.UUID, proposal_id: uuid.UUID, ctx: RequestContext) -> s.ProposalOut:
        p = await services.withdraw_proposal(ctx.session, compound_id, proposal_id, ctx.user_id)
        return (await services.proposals_out(ctx.session, [p], ctx.user_id))[0]

    @post(
        "/{proposal_id:uuid}/decision", operation_id="decideProposal", status_code=200, guards=[requires("co_building.proposal", "approve")]
    )
    async def decide(
        self,
        compound_id: uuid.UUID,
        proposal_id: uuid.UUID,
        data: s.DecisionIn,
        ctx: RequestContext,
    ) -> s.ProposalOut:
        """The deliberation's outcome: adopted, rejected or put to the owners' vote."""
        p = await services.decide_proposal(ctx.session, compound_id, proposal_id, data)
        return (await services.proposals_out(ctx.session, [p], ctx.user_id))[0]


class MeetingsController(Controller):
    path = C + "/meetings"
    tags = ["co_building: consultation"]

    @post("/", operation_id="scheduleMeeting", guards=[requires("co_building.meeting", "write")])
    async def schedule(self, compound_id: uuid.UUID, data: s.MeetingIn, ctx: RequestContext) -> s.MeetingOut:
        """A deliberation meeting (议事会) on proposals in deliberation, with its participants (invited by notification)."""
        meeting = await services.schedule_meeting(ctx.session, compound_id, ctx.user_id, data)
        return await services.meeting_out(ctx.session, meeting, ctx.user_id)

    @get("/", operation_id="listMeetings", guards=[requires("co_building.meeting", "read")])
    async def list_meetings(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.MeetingOut]:
        stmt = (
            select(DeliberationMeeting)
            .where(DeliberationMeeting.compound_id == compound_id)
            .order_by(DeliberationMeeting.scheduled_at.desc())
        )
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return _page(await services.meetings_out(ctx.session, list(rows), ctx.user_id), total, limit, offset)

    @get("/{meeting_id:uuid}", operation_id="getMeeting", guards=[requires("co_building.meeting", "read")])
    async def get_one(self, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> s.MeetingOut:
        return await services.meeting_out(ctx.session, await services.get_meeting(ctx.session, compound_id, meeting_id), ctx.user_id)

    @post("/{meeting_id:uuid}/minutes", operation_id="recordMinutes", status_code=200, guards=[requires("co_building.meeting", "write")])
    async def minutes(
        self,
        compound_id: uuid.UUID,
        meeting_id: uuid.UUID,
        data: s.MinutesIn,
        ctx: RequestContext,
    ) -> s.MeetingOut:
        """Minutes, outcome and who attended."""
        return await services.meeting_out(
            ctx.session, await services.record_minutes(ctx.session, compound_id, meeting_id, data), ctx.user_id
        )


class NoticesController(Controller):
    path = C + "/notices"
    tags = ["co_building: consultation"]

    @post("/", operation_id="publishNotice", guards=[requires("co_building.proposal", "approve")])
    async def publish(self, compound_id: uuid.UUID, data: s.NoticeIn, ctx: RequestContext) -> s.NoticeOut:
        """A public notice (公示) with its period."""
        return services.notice_out(await services.publish_notice(ctx.session, compound_id, ctx.user_id, data))

    @get("/", operation_id="listNotices", guards=[requires("co_building.proposal", "read")])
    async def list_notices(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        all: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.NoticeOut]:
        """Notices in their period (``all=true``: every notice, for those who publish them)."""
        publisher = ctx.can("co_building.proposal", "approve")
        rows, total = await paginate(ctx.session, services.notices_query(compound_id, current_only=not (all and publisher)), limit, offset)
        return _page([services.notice_out(n) for n in rows], total, limit, offset)


class VotesController(Controller):
    path = C + "/votes"
    tags = ["co_building: consultation"]

    @post("/", operation_id="createVote", guards=[requires("co_building.vote", "admin")])
    async def create(self, compound_id: uuid.UUID, data: s.VoteIn, ctx: RequestContext) -> s.VoteOut:
        """An owners' vote on one matter (a draft until opened)."""
        vote = await services.create_vote(ctx.session, compound_id, ctx.user_id, data)
        return await services.vote_out(ctx.session, vote, ctx.user_id)

    @get("/", operation_id="listVotes", guards=[requires("co_building.vote", "read")])
    async def list_votes(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.VoteOut]:
        stmt = select(OwnersVote).where(OwnersVote.compound_id == compound_id)
        if not ctx.can("co_building.vote", "admin"):
            stmt = stmt.where(OwnersVote.state != "draft")
        rows, total = await paginate(ctx.session, stmt.order_by(OwnersVote.created_at.desc(), OwnersVote.id.desc()), limit, offset)
        return _page(await services.votes_out(ctx.session, list(rows), ctx.user_id), total, limit, offset)

    @get("/{vote_id:uuid}", operation_id="getVote", guards=[requires("co_building.vote", "read")])
    async def get_one(
        self,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.VoteOut:
        vote = await services.get_vote(ctx.session, compound_id, vote_id)
        if vote.state == "draft" and not ctx.can("co_building.vote", "admin"):
            raise not_found("vote")
        return await services.vote_out(ctx.session, vote, ctx.user_id)

    @post("/{vote_id:uuid}/open", operation_id="openVote", status_code=200, guards=[requires("co_building.vote", "admin")])
    async def open(self, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> s.VoteOut:
        """Open the vote: the roll of rooms, areas and owners is fixed now."""
        return await services.vote_out(ctx.session, await services.open_vote(ctx.session, compound_id, vote_id), ctx.user_id)

    @post(
        "/{vote_id:uuid}/pre-review", operation_id="requestVotePreReview", status_code=200, guards=[requires("co_building.vote", "admin")]
    )
    async def pre_review(self, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> s.VoteOut:
        """Put a draft vote's matter to the community party organisation's pre-review (前置把关); it opens once approved."""
        await services.request_vote_review(ctx.session, compound_id, vote_id, ctx.user_id)
        return await services.vote_out(ctx.session, await services.get_vote(ctx.session, compound_id, vote_id), ctx.user_id)

    @post("/{vote_id:uuid}/close", operation_id="closeVote", status_code=200, guards=[requires("co_building.vote", "admin")])
    async def close(self, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> s.VoteOut:
        """Close and count by Civil Code art. 278; the result is published with its four figures."""
        return await services.vote_out(ctx.session, await services.close_vote(ctx.session, compound_id, vote_id, ctx.user_id), ctx.user_id)

    @post("/{vote_id:uuid}/ballot", operation_id="castBallot", status_code=200, guards=[requires("co_building.vote", "write")])
    async def cast(
        self,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        data: s.BallotIn,
        ctx: RequestContext,
    ) -> s.VoteOut:
        """The owner's ballot (one per head), changeable until the vote closes; a non-owner is refused."""
        await services.cast_ballot(ctx.session, compound_id, vote_id, ctx.user_id, data.choice, ctx.display_name)
        return await services.vote_out(ctx.session, await services.get_vote(ctx.session, compound_id, vote_id), ctx.user_id)

    @post(
        "/{vote_id:uuid}/paper-ballots", operation_id="recordPaperBallot", status_code=200, guards=[requires("co_building.vote", "admin")]
    )
    async def paper(
        self,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        data: s.PaperBallotIn,
        ctx: RequestContext,
    ) -> s.BallotOut:
        """A written ballot (书面表决票) recorded by the committee for a room's owner. Over the owner's own online ballot
        it is refused unless ``reason`` says why it supersedes it; then both are kept, the paper ballot counts and the
        owner is notified."""
        await services.record_paper_ballot(ctx.session, compound_id, vote_id, ctx.user_id, data, ctx.display_name)
        vote = await services.get_vote(ctx.session, compound_id, vote_id)
        row = await services.latest_record(ctx.session, vote, await services.roll_key(ctx.session, vote, data.room_id))
        return services.ballot_out(row)

    @get("/{vote_id:uuid}/ballots", operation_id="listBallots", guards=[requires("co_building.ballot", "read")])
    async def ballots(
        self,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.BallotOut]:
        """The ballot list with its history: every ballot entered (channel, who entered it, when, why) and which one
        counts for each head. The owners' committee and the district only."""
        vote = await services.get_vote(ctx.session, compound_id, vote_id)
        rows, total = await paginate(ctx.session, services.ballots_query(vote), limit, offset)
        return _page(await services.ballots_out(ctx.session, vote, list(rows)), total, limit, offset)

    @get("/{vote_id:uuid}/ballots.xlsx", operation_id="exportBallots", guards=[requires("co_building.ballot", "read")])
    async def export_ballots(self, compound_id: uuid.UUID, vote_id: uuid.UUID, ctx: RequestContext) -> Response[bytes]:
        """The ballot list with its history and the tally as an Excel workbook (表决票明细)."""
        vote = await services.get_vote(ctx.session, compound_id, vote_id)
        return xlsx_response(await services.ballots_workbook(ctx.session, vote), f"表决票明细-{vote.title}.xlsx")

    @get("/{vote_id:uuid}/roll", operation_id="getVoteRoll", guards=[requires("co_building.ballot", "read")])
    async def roll(
        self,
        compound_id: uuid.UUID,
        vote_id: uuid.UUID,
        ctx: RequestContext,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RollHeadOut]:
        """The roll by head (owner), with rooms and areas: what opening would fix while the vote is a draft, the
        frozen roll after."""
        vote = await services.get_vote(ctx.session, compound_id, vote_id)
        heads = await services.roll_heads(ctx.session, vote)
        return _page(heads[offset : offset + limit], len(heads), limit, offset)

    @post("/{vote_id:uuid}/roll/links", operation_id="linkRollOwners", status_code=200, guards=[requires("co_building.vote", "admin")])
    async def link(self, compound_id: uuid.UUID, vote_id: uuid.UUID, data: s.RollLinkIn, ctx: RequestContext) -> s.RollHeadOut:
        """ "Same owner as …": the owner of ``room_id`` is the owner of ``same_as_room_id`` (one head); until the vote opens."""
        await services.link_roll(ctx.session, compound_id, vote_id, ctx.user_id, ctx.display_name, data)
        vote = await services.get_vote(ctx.session, compound_id, vote_id)
        return next(h for h in await services.roll_heads(ctx.session, vote) if any(r.room_id == data.room_id for r in h.rooms))

    @delete("/{vote_id:uuid}/roll/links/{room_id:uuid}", operation_id="unlinkRollOwners", guards=[requires("co_building.vote", "admin")])
    async def unlink(self, compound_id: uuid.UUID, vote_id: uuid.UUID, room_id: uuid.UUID, ctx: RequestContext) -> None:
        """Undo a link (until the vote opens)."""
        await services.unlink_roll(ctx.session, compound_id, vote_id, room_id)


ROUTE_HANDLERS: list = [ProposalsController, MeetingsController, NoticesController, VotesController]
