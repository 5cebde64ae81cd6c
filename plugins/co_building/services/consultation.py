"""Consultation (协商共治): proposals, deliberation meetings, public notice and owners' votes (业主表决) by Civil Code art. 278."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import review
from core.access import compound_zone
from core.clock import now
from core.events.services import emit
from core.ids import uuid7
from core.notifications.services import notify
from core.problems import Problem, conflict, invalid, not_found
from core.states import StateMachine
from plugins.co_building.models.consultation import (
    Ballot,
    BallotRecord,
    DeliberationMeeting,
    MeetingParticipant,
    OwnersVote,
    Proposal,
    ProposalSignature,
    PublicNotice,
    RollLink,
    VoteRoll,
)
from plugins.co_building.schemas import consultation as s
from plugins.co_building.services.common import one_in_compound
from tenants.models import CommitteeMember, Household, Resident, Room

# --------------------------------------------------------------------------- owners' votes (业主表决)

DEVELOPER = "developer"
"""The owner key of every room the developer still holds (unsold or undelivered): together one head."""


@dataclass(frozen=True)
class VotingRoom:
    """A room's share in a vote: its registered exclusive area and the owner who votes for it."""

    room_id: uuid.UUID
    owner_key: str
    """Identifies the owner across rooms (e.g. the ID-card blind index); ``DEVELOPER`` for developer-held rooms."""
    area: Decimal


@dataclass(frozen=True)
class VoteTally:
    """The four figures of a vote (area and head, participation and approval) and the rule applied."""

    matter: str
    rule: str
    total_area: Decimal
    total_heads: int
    participating_area: Decimal
    participating_heads: int
    approving_area: Decimal
    approving_heads: int
    quorum_met: bool
    passed: bool
    reasons: tuple[str, ...]


SPECIAL_MATTERS = frozenset({"raise_maintenance_fund", "rebuild", "change_common_use"})
"""Civil Code art. 278 items 6–8: raising maintenance funds, rebuilding or reconstruction,
changing the use of common parts or running a business on them."""
QUORUM = Fraction(2, 3)
SPECIAL = Fraction(3, 4)
MAJORITY = Fraction(1, 2)


def voting_heads(rooms: list[VotingRoom]) -> dict[str, Decimal]:
    """Heads and their areas (SPC interpretation on building ownership, arts. 8–9): one head per owner,
    however many rooms they hold; the developer's rooms count together as one; area is the sum of the rooms."""
    heads: dict[str, Decimal] = {}
    seen: set[uuid.UUID] = set()
    for room in rooms:
        if room.room_id in seen:
            raise ValueError(f"room {room.room_id} is listed twice")
        if room.area <= 0:
            raise ValueError(f"room {room.room_id} has no exclusive area")
        seen.add(room.room_id)
        heads[room.owner_key] = heads.get(room.owner_key, Decimal(0)) + room.area
    return heads


def tally_owners_vote(rooms: list[VotingRoom], ballots: dict[str, str], matter: str) -> VoteTally:
    """Count an owners' vote by Civil Code art. 278, exactly (fractions, no floats).

    ``ballots`` maps an owner key to ``approve``, ``reject`` or ``abstain`` (the last ballot counts).
    Quorum: owners holding at least 2/3 of the exclusive area **and** at least 2/3 of the heads take part
    ("以上" includes the bound). A special matter needs at least 3/4 of the participating area and heads;
    any other matter more than half of both ("过半数" excludes exactly half).
    """
    heads = voting_heads(rooms)
    unknown = sorted(set(ballots) - set(heads))
    if unknown:
        raise ValueError(f"ballots from owners with no room in the compound: {', '.join(unknown)}")
    bad = sorted({choice for choice in ballots.values()} - {"approve", "reject", "abstain"})
    if bad:
        raise ValueError(f"unknown ballot choices: {', '.join(bad)}")
    total_area = sum(heads.values(), Decimal(0))
    total_heads = len(heads)
    part_area = sum((heads[k] for k in ballots), Decimal(0))
    part_heads = len(ballots)
    yes = [k for k, choice in ballots.items() if choice == "approve"]
    yes_area = sum((heads[k] for k in yes), Decimal(0))
    yes_heads = len(yes)

    def share(part: Decimal | int, whole: Decimal | int) -> Fraction:
        return Fraction(part) / Fraction(whole) if whole else Fraction(0)

    reasons = []
    quorum = share(part_area, total_area) >= QUORUM and share(part_heads, total_heads) >= QUORUM
    if share(part_area, total_area) < QUORUM:
        reasons.append("participating area below 2/3 of the total")
    if share(part_heads, total_heads) < QUORUM:
        reasons.append("participating owners below 2/3 of all owners")
    special = matter in SPECIAL_MATTERS
    if special:
        rule = "special: at least 3/4 of participating area and owners (Civil Code art. 278 items 6-8)"
        approved = share(yes_area, part_area) >= SPECIAL and share(yes_heads, part_heads) >= SPECIAL
        if share(yes_area, part_area) < SPECIAL:
            reasons.append("approving area below 3/4 of the participating area")
        if share(yes_heads, part_heads) < SPECIAL:
            reasons.append("approving owners below 3/4 of the participating owners")
    else:
        rule = "ordinary: more than 1/2 of participating area and owners (Civil Code art. 278)"
        approved = share(yes_area, part_area) > MAJORITY and share(yes_heads, part_heads) > MAJORITY
        if share(yes_area, part_area) <= MAJORITY:
            reasons.append("approving area not more than half of the participating area")
        if share(yes_heads, part_heads) <= MAJORITY:
            reasons.append("approving owners not more than half of the participating owners")
    return VoteTally(
        matter, rule, total_area, total_heads, part_area, part_heads, yes_area, yes_heads, quorum, quorum and approved, tuple(reasons)
    )


# --------------------------------------------------------------------------- owners' votes in the database

VOTES = StateMachine("vote", {"draft": {"open": "open"}, "open": {"close": "closed"}, "closed": {}})
"""draft → open → closed."""


def vote_move(vote: OwnersVote, action: str) -> str:
    """The vote's state after ``action``, or the 409 naming the allowed moves."""
    return VOTES.next(vote.state, action)


DEVELOPER_NAME = "开发建设单位"


class _People:
    """Union-find over owners and rooms: one person behind several rooms and registrations."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


async def build_roll(session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID | None = None) -> list[VoteRoll]:
    """Every room of the compound with its exclusive area and the owner (head) who votes for it.

    An owner is a person, not a registration: owners with the same user account or the same ID card (blind index)
    are one head, and so are the owners of rooms the committee linked on this vote's roll ("same owner as …"). The
    developer's rooms — unsold, or sold but not yet delivered — vote together as ``DEVELOPER``. A room with co-owners
    is one head (its first registered owner's) that any co-owner casts; a room with no registered owner keeps a head
    of its own that only a paper ballot casts (or the committee links it to its owner's other rooms).
    """
    rooms = (
        await session.execute(
            select(Room.id, Room.exclusive_area, Room.developer_held).where(Room.compound_id == compound_id).order_by(Room.id)
        )
    ).all()
    owners = (
        await session.execute(
            select(Household.room_id, Resident.id, Resident.user_id, Resident.id_card_index, Resident.name)
            .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
            .where(Household.compound_id == compound_id, Resident.role == "owner")
            .order_by(Resident.id)
        )
    ).all()
    links = (
        []
        if vote_id is None
        else (
            await session.execute(
                select(RollLink.room_id, RollLink.same_as_room_id).where(RollLink.compound_id == compound_id, RollLink.vote_id == vote_id)
            )
        ).all()
    )
    developer = {r.id for r in rooms if r.developer_held}
    people = _People()
    names: dict[str, str] = {}
    first_owner: dict[uuid.UUID, str] = {}
    for room_id, resident_id, user_id, id_card_index, name in owners:
        node = f"owner:{resident_id}"
        names[node] = name
        people.find(node)
        if user_id is not None:
            people.union(node, f"user:{user_id}")
        if id_card_index:
            people.union(node, f"id:{id_card_index}")
        first_owner.setdefault(room_id, node)
    for room_id, node in first_owner.items():
        people.union(f"room:{room_id}", node)
    for room_id, same_as in links:
        if room_id not in developer and same_as not in developer:
            people.union(f"room:{room_id}", f"room:{same_as}")
    # a head is named after the first owner registered in it (owners sort first: "owner:" < "room:" < "user:")
    heads: dict[str, str] = {}
    for node in sorted(people.parent):
        if node.startswith(("owner:", "room:")):
            heads.setdefault(people.find(node), node)
    roll = []
    for room in rooms:
        if room.developer_held:
            key, name = DEVELOPER, DEVELOPER_NAME
        else:
            key = heads[people.find(f"room:{room.id}")]
            name = names.get(key, "")
        roll.append(VoteRoll(compound_id=compound_id, room_id=room.id, owner_key=key, owner_name=name, area=room.exclusive_area))
    return roll


async def owner_keys(
    session: AsyncSession, compound_id: uuid.UUID, vote_ids: list[uuid.UUID], user_id: uuid.UUID
) -> dict[uuid.UUID, list[str]]:
    """Per vote, the heads this user may cast on its roll: the keys of the rooms they (co-)own."""
    rooms = list(
        (
            await session.scalars(
                select(Household.room_id)
                .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
                .where(Household.compound_id == compound_id, Resident.user_id == user_id, Resident.role == "owner")
            )
        ).all()
    )
    out: dict[uuid.UUID, list[str]] = {vote_id: [] for vote_id in vote_ids}
    if not rooms or not vote_ids:
        return out
    rows = await session.execute(
        select(VoteRoll.vote_id, VoteRoll.owner_key)
        .where(
            VoteRoll.compound_id == compound_id,
            VoteRoll.vote_id.in_(vote_ids),
            VoteRoll.room_id.in_(rooms),
            VoteRoll.owner_key != DEVELOPER,
        )
        .distinct()
    )
    for vote_id, key in rows:
        out[vote_id].append(key)
    return {vote_id: sorted(keys) for vote_id, keys in out.items()}


async def user_owner_keys(session: AsyncSession, vote: OwnersVote, user_id: uuid.UUID) -> list[str]:
    """The heads this user may cast on the vote's roll."""
    return (await owner_keys(session, vote.compound_id, [vote.id], user_id))[vote.id]


async def create_vote(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, data: s.VoteIn) -> OwnersVote:
    if data.closes_at.tzinfo is None:
        raise invalid("closes_at", "give a time zone (e.g. +08:00)")
    if data.closes_at <= now():
        raise invalid("closes_at", "the vote must close in the future")
    if data.proposal_id is not None and not await session.scalar(
        select(Proposal.id).where(Proposal.compound_id == compound_id, Proposal.id == data.proposal_id)
    ):
        raise invalid("proposal_id", "no such proposal in this compound")
    vote = OwnersVote(
        id=uuid7(),
        compound_id=compound_id,
        title=data.title.strip(),
        description=data.description,
        matter=data.matter,
        proposal_id=data.proposal_id,
        closes_at=data.closes_at,
        created_by_user_id=user_id,
    )
    session.add(vote)
    await session.flush()
    return vote


async def get_vote(session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, *, for_update: bool = False) -> OwnersVote:
    return await one_in_compound(session, OwnersVote, compound_id, vote_id, "vote", for_update=for_update)


async def open_vote(session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, *, check_review: bool = True) -> OwnersVote:
    """Open the vote: the roll is fixed now (rooms, areas, owners), so later housing edits do not move the count.

    A matter the standard puts to the community party organisation first (committee candidates, the property company,
    the maintenance fund: ``core.review.MATTERS``) opens only once its pre-review approved it (409 otherwise, naming the
    review). ``check_review=False`` is for the demo's history only."""
    vote = await get_vote(session, compound_id, vote_id, for_update=True)
    target = vote_move(vote, "open")
    if check_review and vote.matter in review.MATTERS:
        await review.require_pre_review(session, compound_id, vote.matter, vote.id)
    if vote.closes_at <= now():
        raise invalid("closes_at", "the vote's closing time has passed; create a new vote")
    roll = await build_roll(session, compound_id, vote.id)
    if not roll:
        raise conflict("the compound has no rooms to vote")
    for row in roll:
        row.vote_id = vote.id
    session.add_all(roll)
    heads = voting_heads([VotingRoom(r.room_id, r.owner_key, r.area) for r in roll])
    vote.total_area, vote.total_heads = sum(heads.values(), Decimal(0)), len(heads)
    vote.state, vote.opens_at = target, now()
    await session.flush()
    emit(
        session,
        "co_building.vote.opened",
        {"vote_id": str(vote.id), "title": vote.title, "closes_at": vote.closes_at.isoformat()},
        compound_id=compound_id,
    )
    # the owners on the roll who have an account hear of it: only owners vote (issue 15, point 5)
    owners = (
        await session.scalars(
            select(Resident.user_id)
            .where(Resident.compound_id == compound_id, Resident.role == "owner", Resident.user_id.is_not(None))
            .distinct()
        )
    ).all()
    if owners:
        await notify(
            session,
            sorted(owners),
            "co_building.vote.opened",
            f"业主表决：{vote.title}",
            f"表决已开始，请在 {vote.closes_at.astimezone(ZoneInfo(await compound_zone(session, compound_id))):%Y-%m-%d %H:%M} 前投票。",
            link=f"/portal/compounds/{compound_id}/co_building/votes/{vote.id}",
            compound_id=compound_id,
        )
    return vote


def _require_open(vote: OwnersVote) -> None:
    if vote.state != "open" or now() >= vote.closes_at:
        raise Problem(
            409,
            "vote-closed",
            "The vote is not open",
            "ballots are taken only while the vote is open"
            if vote.state != "closed"
            else "the vote has closed; ballots are no longer taken",
            state=vote.state,
            allowed=[],
        )


async def _put_ballot(
    session: AsyncSession,
    vote: OwnersVote,
    key: str,
    name: str,
    choice: str,
    channel: str,
    user_id: uuid.UUID,
    *,
    by_name: str = "",
    room_id: uuid.UUID | None = None,
    reason: str = "",
    current: Ballot | None = None,
) -> Ballot:
    """The head's counting ballot becomes this one; the one it replaces stays in the history, marked superseded."""
    moment = now()
    ballot = current
    if ballot is None:
        ballot = Ballot(
            compound_id=vote.compound_id,
            vote_id=vote.id,
            owner_key=key,
            owner_name=name,
            choice=choice,
            channel=channel,
            cast_by_user_id=user_id,
            cast_at=moment,
            changes=0,
            reason=reason,
        )
        session.add(ballot)
    else:
        ballot.choice, ballot.channel, ballot.cast_by_user_id, ballot.cast_at, ballot.changes, ballot.reason = (
            choice,
            channel,
            user_id,
            moment,
            ballot.changes + 1,
            reason,
        )
        await session.execute(
            update(BallotRecord)
            .where(
                BallotRecord.compound_id == vote.compound_id,
                BallotRecord.vote_id == vote.id,
                BallotRecord.owner_key == key,
                BallotRecord.superseded_at.is_(None),
            )
            .values(superseded_at=moment, superseded_by_channel=channel)
        )
    session.add(
        BallotRecord(
            compound_id=vote.compound_id,
            vote_id=vote.id,
            owner_key=key,
            owner_name=name,
            room_id=room_id,
            choice=choice,
            channel=channel,
            entered_by_user_id=user_id,
            entered_by_name=by_name[:100],
            entered_at=moment,
            reason=reason,
        )
    )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # two devices of one owner at the same moment
        raise conflict("a ballot for this owner was cast at the same moment; try again") from exc
    return ballot


async def _current_ballot(session: AsyncSession, vote: OwnersVote, key: str) -> Ballot | None:
    return await session.scalar(
        select(Ballot).where(Ballot.compound_id == vote.compound_id, Ballot.vote_id == vote.id, Ballot.owner_key == key).with_for_update()
    )


async def cast_ballot(
    session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, user_id: uuid.UUID, choice: str, by_name: str = ""
) -> Ballot:
    """An owner's ballot (one per head), changeable until the vote closes; every change is kept in the history."""
    vote = await get_vote(session, compound_id, vote_id)
    _require_open(vote)
    keys = await user_owner_keys(session, vote, user_id)
    if not keys:
        raise Problem(
            403, "not-an-owner", "Only owners vote", "you own no room on this vote's roll (owners registered when the vote opened)"
        )
    if len(keys) > 1:
        raise conflict(
            "your rooms are on this roll as more than one owner (a co-owned room beside your own); ask the committee to record a paper ballot"
        )
    name = (
        await session.scalar(
            select(VoteRoll.owner_name)
            .where(VoteRoll.compound_id == compound_id, VoteRoll.vote_id == vote.id, VoteRoll.owner_key == keys[0])
            .limit(1)
        )
        or ""
    )
    current = await _current_ballot(session, vote, keys[0])
    return await _put_ballot(session, vote, keys[0], name, choice, "online", user_id, by_name=by_name, current=current)


async def record_paper_ballot(
    session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, user_id: uuid.UUID, data: s.PaperBallotIn, by_name: str = ""
) -> Ballot:
    """A written ballot (书面表决票) recorded by the committee for the owner of a room (the developer's rooms included).

    It never silently replaces the owner's own online ballot: without a reason (e.g. the owner's signed paper form
    supersedes) it is refused; with one, both stay in the history, the paper ballot counts and the owner is told."""
    vote = await get_vote(session, compound_id, vote_id)
    _require_open(vote)
    row = await session.scalar(
        select(VoteRoll).where(VoteRoll.compound_id == compound_id, VoteRoll.vote_id == vote.id, VoteRoll.room_id == data.room_id)
    )
    if row is None:
        raise invalid("room_id", "the room is not on this vote's roll")
    reason = data.reason.strip()
    current = await _current_ballot(session, vote, row.owner_key)
    online = current is not None and current.channel == "online"
    owner_user = current.cast_by_user_id if online and current is not None else None
    if online and not reason:
        raise invalid(
            "reason",
            "the owner has voted online; a paper ballot replaces it only with a reason (e.g. the owner's signed paper form supersedes)",
        )
    ballot = await _put_ballot(
        session,
        vote,
        row.owner_key,
        row.owner_name,
        data.choice,
        "paper",
        user_id,
        by_name=by_name,
        room_id=data.room_id,
        reason=reason,
        current=current,
    )
    if owner_user is not None:
        await notify(
            session,
            [owner_user],
            "co_building.ballot.superseded",
            f"您在“{vote.title}”中的网上表决已被书面表决票替代",
            f"书面表决票（{CHOICE_LABELS.get(data.choice, data.choice)}）由 {by_name or '业主委员会'} 录入，理由：{reason}。"
            "如有异议，请在表决结束前联系业主委员会。",
            link=f"/portal/compounds/{compound_id}/co_building/votes/{vote.id}",
            compound_id=compound_id,
        )
    return ballot


CHOICE_LABELS = {"approve": "同意", "reject": "反对", "abstain": "弃权"}


async def tally_vote(session: AsyncSession, vote: OwnersVote) -> VoteTally:
    roll = (
        await session.execute(
            select(VoteRoll.room_id, VoteRoll.owner_key, VoteRoll.area).where(
                VoteRoll.compound_id == vote.compound_id, VoteRoll.vote_id == vote.id
            )
        )
    ).all()
    ballots = dict(
        (
            await session.execute(
                select(Ballot.owner_key, Ballot.choice).where(Ballot.compound_id == vote.compound_id, Ballot.vote_id == vote.id)
            )
        ).all()
    )
    return tally_owners_vote([VotingRoom(r.room_id, r.owner_key, r.area) for r in roll], ballots, vote.matter)


async def ballot_history_counts(session: AsyncSession, vote: OwnersVote) -> dict[str, int]:
    """How many ballots were entered in all (superseded ones included) and how many heads' online ballots a paper
    ballot replaced."""
    entered, over = (
        await session.execute(
            select(
                func.count(),
                func.count(BallotRecord.id).filter((BallotRecord.channel == "online") & (BallotRecord.superseded_by_channel == "paper")),
            ).where(BallotRecord.compound_id == vote.compound_id, BallotRecord.vote_id == vote.id)
        )
    ).one()
    return {"ballots_entered": int(entered or 0), "paper_over_online": int(over or 0)}


def result_dict(tally: VoteTally) -> dict[str, Any]:
    return {
        "rule": tally.rule,
        "special": tally.matter in SPECIAL_MATTERS,
        "total_area": str(tally.total_area),
        "total_heads": tally.total_heads,
        "participating_area": str(tally.participating_area),
        "participating_heads": tally.participating_heads,
        "approving_area": str(tally.approving_area),
        "approving_heads": tally.approving_heads,
        "quorum_met": tally.quorum_met,
        "passed": tally.passed,
        "reasons": list(tally.reasons),
    }


MATTER_LABELS = {
    "make_rules": "制定和修改业主大会议事规则、管理规约",
    "elect_committee": "选举业主委员会或者更换业主委员会成员",
    "hire_property_company": "选聘和解聘物业服务企业",
    "use_maintenance_fund": "使用建筑物及其附属设施的维修资金",
    "raise_maintenance_fund": "筹集建筑物及其附属设施的维修资金",
    "rebuild": "改建、重建建筑物及其附属设施",
    "change_common_use": "改变共有部分的用途或者利用共有部分从事经营活动",
    "other": "有关共有和共同管理权利的其他重大事项",
}


async def close_vote(session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, user_id: uuid.UUID | None = None) -> OwnersVote:
    """Close the vote, count it by art. 278 and publish the result with its four figures as a public notice."""
    vote = await get_vote(session, compound_id, vote_id, for_update=True)
    target = vote_move(vote, "close")
    tally = await tally_vote(session, vote)
    moment = now()
    history = await ballot_history_counts(session, vote)
    vote.state, vote.closed_at, vote.result = target, moment, {**result_dict(tally), **history}
    outcome = "通过" if tally.passed else "未通过"
    body = (
        f"表决事项：{vote.title}（{MATTER_LABELS.get(vote.matter, vote.matter)}）\n"
        f"适用规则：{'特别事项：参与表决专有部分面积和人数均达四分之三以上同意' if tally.matter in SPECIAL_MATTERS else '一般事项：参与表决专有部分面积和人数均过半数同意'}（《民法典》第二百七十八条）\n"
        f"专有部分总面积 {tally.total_area} ㎡，业主总人数 {tally.total_heads} 人；\n"
        f"参与表决面积 {tally.participating_area} ㎡，参与表决人数 {tally.participating_heads} 人；\n"
        f"同意面积 {tally.approving_area} ㎡，同意人数 {tally.approving_heads} 人。\n"
        f"表决结果：{outcome}。"
        + ("" if tally.passed else f"（{'；'.join(tally.reasons)}）")
        + f"\n共录入表决票 {history['ballots_entered']} 张（含被替代的），"
        f"其中书面表决票替代网上表决 {history['paper_over_online']} 票（均载明理由并已通知业主），以最后一票计。"
    )
    session.add(
        PublicNotice(
            compound_id=compound_id,
            title=f"业主表决结果公示：{vote.title}",
            body=body,
            source="vote",
            source_id=vote.id,
            starts_at=moment,
            ends_at=moment + NOTICE_PERIOD,
            published_by_user_id=user_id,
        )
    )
    await session.flush()
    emit(
        session,
        "co_building.vote.closed",
        {"vote_id": str(vote.id), "title": vote.title, "matter": vote.matter, **result_dict(tally)},
        compound_id=compound_id,
        actor_user_id=user_id,
    )
    return vote


def _due_votes() -> tuple:
    return OwnersVote.state == "open", OwnersVote.closes_at <= now()


async def compounds_with_due_votes(session: AsyncSession) -> list[uuid.UUID]:
    """The compounds with an open vote whose closing time has come (the job's one look-up over the city)."""
    return list((await session.scalars(select(OwnersVote.compound_id).where(*_due_votes()).distinct())).all())


async def close_due_votes(session: AsyncSession, compound_ids: list[uuid.UUID]) -> int:
    """The job: close every open vote whose closing time has come."""
    due = (await session.scalars(select(OwnersVote).where(*_due_votes(), OwnersVote.compound_id.in_(compound_ids)))).all()
    for vote in due:
        await close_vote(session, vote.compound_id, vote.id)
    return len(due)


async def vote_out(session: AsyncSession, vote: OwnersVote, user_id: uuid.UUID) -> s.VoteOut:
    return (await votes_out(session, [vote], user_id))[0]


async def votes_out(session: AsyncSession, votes: list[OwnersVote], user_id: uuid.UUID) -> list[s.VoteOut]:
    """Votes of one compound as the user sees them (their own ballot, whether they may vote): a few queries for the lot."""
    if not votes:
        return []
    compound_id, ids = votes[0].compound_id, [v.id for v in votes]
    keys = await owner_keys(session, compound_id, [v.id for v in votes if v.state != "draft"], user_id)
    counts = dict(
        (
            await session.execute(
                select(Ballot.vote_id, func.count())
                .where(Ballot.compound_id == compound_id, Ballot.vote_id.in_(ids))
                .group_by(Ballot.vote_id)
            )
        ).all()
    )
    wanted = {k for ks in keys.values() for k in ks}
    mine = (
        {}
        if not wanted
        else {
            (vote_id, key): choice
            for vote_id, key, choice in (
                await session.execute(
                    select(Ballot.vote_id, Ballot.owner_key, Ballot.choice).where(
                        Ballot.compound_id == compound_id, Ballot.vote_id.in_(ids), Ballot.owner_key.in_(wanted)
                    )
                )
            ).all()
        }
    )
    reviews = await vote_reviews(session, compound_id, votes)
    return [
        _vote_out(
            v,
            keys.get(v.id, []),
            next((mine[(v.id, k)] for k in keys.get(v.id, []) if (v.id, k) in mine), None),
            counts.get(v.id, 0),
            reviews.get(v.id),
        )
        for v in votes
    ]


async def vote_reviews(session: AsyncSession, compound_id: uuid.UUID, votes: list[OwnersVote]) -> dict[uuid.UUID, review.PreReview]:
    """The pre-review of each vote whose matter needs one (one ask for the lot, whatever the number of votes and matters)."""
    by_matter: dict[str, list[uuid.UUID]] = {}
    for v in votes:
        if v.matter in review.MATTERS:
            by_matter.setdefault(v.matter, []).append(v.id)
    found = await review.pre_reviews_by_matter(session, compound_id, by_matter)
    return {vote_id: pre for reviews in found.values() for vote_id, pre in reviews.items()}


async def request_vote_review(session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, user_id: uuid.UUID) -> review.PreReview:
    """Put a draft vote's matter to the community party organisation (again after a rejection and a change)."""
    vote = await get_vote(session, compound_id, vote_id)
    if vote.matter not in review.MATTERS:
        raise invalid("matter", "this matter needs no pre-review")
    if vote.state != "draft":
        raise conflict("only a draft vote is put to pre-review", state=vote.state)
    return await review.request_pre_review(
        session,
        compound_id,
        vote.matter,
        vote.id,
        title=vote.title,
        link=f"/console/compounds/{compound_id}/co_building/votes/{vote.id}",
        user_id=user_id,
    )


def _vote_out(vote: OwnersVote, keys: list[str], mine: str | None, cast: int, pre: review.PreReview | None = None) -> s.VoteOut:
    result = None
    if vote.result:
        r = vote.result
        result = s.VoteResult(
            rule=r["rule"],
            special=r["special"],
            total_area=Decimal(r["total_area"]),
            total_heads=r["total_heads"],
            participating_area=Decimal(r["participating_area"]),
            participating_heads=r["participating_heads"],
            approving_area=Decimal(r["approving_area"]),
            approving_heads=r["approving_heads"],
            quorum_met=r["quorum_met"],
            passed=r["passed"],
            reasons=r["reasons"],
            ballots_entered=r.get("ballots_entered", 0),
            paper_over_online=r.get("paper_over_online", 0),
        )
    return s.VoteOut(
        id=vote.id,
        title=vote.title,
        description=vote.description,
        matter=vote.matter,
        special=vote.matter in SPECIAL_MATTERS,
        state=vote.state,
        opens_at=vote.opens_at,
        closes_at=vote.closes_at,
        closed_at=vote.closed_at,
        total_area=vote.total_area,
        total_heads=vote.total_heads,
        ballots_cast=cast,
        my_ballot=mine,
        may_vote=len(keys) == 1 and vote.state == "open" and now() < vote.closes_at,
        result=result,
        pre_review=pre.state if pre else None,
        pre_review_opinion=(pre.opinion_text if pre else "") or "",
        pre_review_conditions=(pre.conditions if pre else "") or "",
        pre_review_by=(f"{pre.reviewer_name} {pre.reviewed_on}" if pre and pre.reviewed_on else ""),
    )


def ballots_query(vote: OwnersVote):
    """Every ballot entered for the vote, head by head, oldest first: the history, with the one that counts."""
    return (
        select(BallotRecord)
        .where(BallotRecord.compound_id == vote.compound_id, BallotRecord.vote_id == vote.id)
        .order_by(BallotRecord.owner_name, BallotRecord.owner_key, BallotRecord.entered_at, BallotRecord.id)
    )


async def ballots_out(session: AsyncSession, vote: OwnersVote, rows: list[BallotRecord]) -> list[s.BallotOut]:
    from plugins.co_building.services.requests import room_labels

    labels = await room_labels(session, vote.compound_id, {r.room_id for r in rows})
    return [ballot_out(r, labels.get(r.room_id) if r.room_id else None) for r in rows]


def ballot_out(r: BallotRecord, room_label: str | None = None) -> s.BallotOut:
    return s.BallotOut(
        owner_name=r.owner_name or "—",
        choice=r.choice,
        channel=r.channel,
        cast_at=r.entered_at,
        changes=0,
        entered_by=r.entered_by_name,
        reason=r.reason,
        room_label=room_label,
        counts=r.superseded_at is None,
        superseded_at=r.superseded_at,
    )


async def ballots(session: AsyncSession, vote: OwnersVote, limit: int = 500, offset: int = 0) -> list[s.BallotOut]:
    """The history as shown on the console's vote page (one page of it)."""
    rows = list((await session.scalars(ballots_query(vote).limit(limit).offset(offset))).all())
    return await ballots_out(session, vote, rows)


async def roll_key(session: AsyncSession, vote: OwnersVote, room_id: uuid.UUID) -> str:
    return await session.scalar(
        select(VoteRoll.owner_key).where(VoteRoll.compound_id == vote.compound_id, VoteRoll.vote_id == vote.id, VoteRoll.room_id == room_id)
    )


async def latest_record(session: AsyncSession, vote: OwnersVote, key: str) -> BallotRecord:
    return await session.scalar(
        select(BallotRecord)
        .where(
            BallotRecord.compound_id == vote.compound_id,
            BallotRecord.vote_id == vote.id,
            BallotRecord.owner_key == key,
            BallotRecord.superseded_at.is_(None),
        )
        .order_by(BallotRecord.entered_at.desc())
        .limit(1)
    )


CHANNEL_LABELS = {"online": "网上", "paper": "书面"}


async def ballots_workbook(session: AsyncSession, vote: OwnersVote) -> bytes:
    """The ballot list with its history as an Excel workbook (表决票明细): every ballot, which one counts, and the tally."""
    from core.xlsx import workbook
    from plugins.co_building.services.requests import room_labels

    rows = list((await session.scalars(ballots_query(vote))).all())
    labels = await room_labels(session, vote.compound_id, {r.room_id for r in rows})
    zone = await compound_zone(session, vote.compound_id)

    def local(moment: dt.datetime | None) -> str:
        return "" if moment is None else moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")

    ballot_rows = [
        (
            r.owner_name or "—",
            labels.get(r.room_id, "") if r.room_id else "",
            CHOICE_LABELS.get(r.choice, r.choice),
            CHANNEL_LABELS.get(r.channel, r.channel),
            r.entered_by_name,
            local(r.entered_at),
            r.reason,
            "是" if r.superseded_at is None else "否",
            local(r.superseded_at),
        )
        for r in rows
    ]
    tally = await tally_vote(session, vote) if vote.state != "draft" else None
    summary = [("表决事项", vote.title), ("状态", vote.state)]
    if tally is not None:
        summary += [
            ("专有部分总面积（㎡）", str(tally.total_area)),
            ("业主总人数", tally.total_heads),
            ("参与表决面积（㎡）", str(tally.participating_area)),
            ("参与表决人数", tally.participating_heads),
            ("同意面积（㎡）", str(tally.approving_area)),
            ("同意人数", tally.approving_heads),
            ("录入表决票（含被替代）", len(rows)),
            ("书面票替代网上票", sum(1 for r in rows if r.channel == "online" and r.superseded_by_channel == "paper")),
        ]
    return workbook(
        [
            ("表决票", ("业主", "房屋", "表决意见", "方式", "录入人", "录入时间", "理由", "是否计票", "被替代时间"), ballot_rows),
            ("计票", ("项目", "数值"), summary),
        ]
    )


# --------------------------------------------------------------------------- the roll, before and after opening


async def roll_heads(session: AsyncSession, vote: OwnersVote) -> list[s.RollHeadOut]:
    """The roll by head, with each head's rooms and area: computed from the housing ledger and the committee's links
    while the vote is a draft, the frozen roll once it has opened."""
    from plugins.co_building.services.requests import room_labels

    if vote.state == "draft":
        roll = await build_roll(session, vote.compound_id, vote.id)
    else:
        roll = list(
            (
                await session.scalars(
                    select(VoteRoll).where(VoteRoll.compound_id == vote.compound_id, VoteRoll.vote_id == vote.id).order_by(VoteRoll.room_id)
                )
            ).all()
        )
    links = {
        link.room_id: link
        for link in (
            await session.scalars(select(RollLink).where(RollLink.compound_id == vote.compound_id, RollLink.vote_id == vote.id))
        ).all()
    }
    labels = await room_labels(session, vote.compound_id, {r.room_id for r in roll})
    heads: dict[str, s.RollHeadOut] = {}
    for row in sorted(roll, key=lambda r: labels.get(r.room_id, "")):
        head = heads.get(row.owner_key)
        if head is None:
            head = heads[row.owner_key] = s.RollHeadOut(
                owner_key=row.owner_key, owner_name=row.owner_name or "", developer=row.owner_key == DEVELOPER, area=Decimal(0), rooms=[]
            )
        link = links.get(row.room_id)
        head.area += row.area
        head.rooms.append(
            s.RollRoomOut(
                room_id=row.room_id,
                room_label=labels.get(row.room_id, ""),
                area=row.area,
                linked_to_room_id=link.same_as_room_id if link else None,
                linked_by=link.linked_by_name if link else None,
                linked_at=link.linked_at if link else None,
                note=link.note if link else "",
            )
        )
    return sorted(heads.values(), key=lambda h: (h.developer, h.owner_name == "", h.rooms[0].room_label))


def _require_draft(vote: OwnersVote) -> None:
    if vote.state != "draft":
        raise Problem(
            409,
            "roll-frozen",
            "The roll is frozen",
            "the roll was fixed when the vote opened; it can no longer be corrected",
            state=vote.state,
            allowed=[],
        )


async def link_roll(
    session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, user_id: uuid.UUID, by_name: str, data: s.RollLinkIn
) -> RollLink:
    """The committee records that two rooms' owners are one person (e.g. registered without an ID card): one head."""
    vote = await get_vote(session, compound_id, vote_id, for_update=True)
    _require_draft(vote)
    if data.room_id == data.same_as_room_id:
        raise invalid("same_as_room_id", "name another room")
    found = dict(
        (
            await session.execute(
                select(Room.id, Room.developer_held).where(
                    Room.compound_id == compound_id, Room.id.in_([data.room_id, data.same_as_room_id])
                )
            )
        ).all()
    )
    for field, room_id in (("room_id", data.room_id), ("same_as_room_id", data.same_as_room_id)):
        if room_id not in found:
            raise invalid(field, "no such room in this compound")
        if found[room_id]:
            raise invalid(field, "the developer's rooms (unsold or not yet delivered) already count together as one head")
    link = await session.scalar(
        select(RollLink).where(RollLink.compound_id == compound_id, RollLink.vote_id == vote.id, RollLink.room_id == data.room_id)
    )
    if link is None:
        link = RollLink(compound_id=compound_id, vote_id=vote.id, room_id=data.room_id)
        session.add(link)
    link.same_as_room_id, link.linked_by_user_id, link.linked_by_name, link.linked_at, link.note = (
        data.same_as_room_id,
        user_id,
        by_name[:100],
        now(),
        data.note.strip(),
    )
    await session.flush()
    return link


async def unlink_roll(session: AsyncSession, compound_id: uuid.UUID, vote_id: uuid.UUID, room_id: uuid.UUID) -> None:
    vote = await get_vote(session, compound_id, vote_id, for_update=True)
    _require_draft(vote)
    link = await session.scalar(
        select(RollLink).where(RollLink.compound_id == compound_id, RollLink.vote_id == vote.id, RollLink.room_id == room_id)
    )
    if link is None:
        raise not_found("roll link")
    await session.delete(link)
    await session.flush()


# --------------------------------------------------------------------------- proposals, meetings, notices

NOTICE_PERIOD = dt.timedelta(days=7)
"""How long a result stays on the notice board unless the publisher says otherwise."""
MIN_COSIGNERS = 3


async def cosign_threshold(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """Co-signers a proposal needs to go to deliberation: 1 % of the households, at least three."""
    households = await session.scalar(select(func.count()).select_from(Household).where(Household.compound_id == compound_id)) or 0
    return max(MIN_COSIGNERS, -(-households // 100))


async def _is_resident(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(Resident.id).where(Resident.compound_id == compound_id, Resident.user_id == user_id).limit(1)))


async def create_proposal(
    session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, name: str, data: s.ProposalIn, *, staff: bool
) -> Proposal:
    if not staff and not await _is_resident(session, compound_id, user_id):
        raise Problem(403, "not-a-resident", "Not a resident of this compound", "proposals are raised by the compound's residents")
    proposal = Proposal(
        id=uuid7(),
        compound_id=compound_id,
        title=data.title.strip(),
        body=data.body,
        proposer_user_id=user_id,
        proposer_name=name,
        state="collecting",
        threshold=await cosign_threshold(session, compound_id),
        signature_count=0,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def get_proposal(session: AsyncSession, compound_id: uuid.UUID, proposal_id: uuid.UUID, *, for_update: bool = False) -> Proposal:
    return await one_in_compound(session, Proposal, compound_id, proposal_id, "proposal", for_update=for_update)


async def sign_proposal(session: AsyncSession, compound_id: uuid.UUID, proposal_id: uuid.UUID, user_id: uuid.UUID) -> Proposal:
    """Co-sign (联署) once; at the threshold the proposal goes to deliberation and the committee is told."""
    proposal = await get_proposal(session, compound_id, proposal_id, for_update=True)
    if proposal.state != "collecting":
        raise Problem(
            409,
            "illegal-transition",
            "Illegal state transition",
            f"the proposal is {proposal.state}; only a collecting proposal takes signatures",
            state=proposal.state,
            allowed=[],
        )
    if proposal.proposer_user_id == user_id:
        raise conflict("you raised this proposal")
    if not await _is_resident(session, compound_id, user_id):
        raise Problem(403, "not-a-resident", "Not a resident of this compound", "only the compound's residents co-sign")
    if await session.scalar(
        select(ProposalSignature.id).where(
            ProposalSignature.compound_id == compound_id, ProposalSignature.proposal_id == proposal.id, ProposalSignature.user_id == user_id
        )
    ):
        raise conflict("you have already signed this proposal")
    session.add(ProposalSignature(compound_id=compound_id, proposal_id=proposal.id, user_id=user_id, signed_at=now()))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise conflict("you have already signed this proposal") from exc
    proposal.signature_count += 1
    if proposal.signature_count >= proposal.threshold:
        proposal.state = "deliberation"
        emit(
            session,
            "co_building.proposal.qualified",
            {"proposal_id": str(proposal.id), "title": proposal.title, "signatures": proposal.signature_count},
            compound_id=compound_id,
        )
        committee = (
            await session.scalars(
                select(CommitteeMember.user_id).where(CommitteeMember.compound_id == compound_id, CommitteeMember.user_id.is_not(None))
            )
        ).all()
        if committee:
            await notify(
                session,
                list(committee),
                "co_building.proposal.qualified",
                f"议题联署达标：{proposal.title}",
                f"{proposal.signature_count} 人联署，请安排议事会。",
                compound_id=compound_id,
            )
    await session.flush()
    return proposal


async def withdraw_proposal(session: AsyncSession, compound_id: uuid.UUID, proposal_id: uuid.UUID, user_id: uuid.UUID) -> Proposal:
    proposal = await get_proposal(session, compound_id, proposal_id, for_update=True)
    if proposal.proposer_user_id != user_id:
        raise Problem(403, "not-yours", "Not your proposal", "only the proposer withdraws a proposal")
    if proposal.state != "collecting":
        raise Problem(
            409, "illegal-transition", "Illegal state transition", f"the proposal is {proposal.state}", state=proposal.state, allowed=[]
        )
    proposal.state = "withdrawn"
    await session.flush()
    return proposal


async def decide_proposal(session: AsyncSession, compound_id: uuid.UUID, proposal_id: uuid.UUID, data: s.DecisionIn) -> Proposal:
    """The deliberation's outcome: adopted, rejected, or put to the owners' vote."""
    proposal = await get_proposal(session, compound_id, proposal_id, for_update=True)
    if proposal.state != "deliberation":
        raise Problem(
            409,
            "illegal-transition",
            "Illegal state transition",
            f"the proposal is {proposal.state}; only one in deliberation is decided",
            state=proposal.state,
            allowed=[],
        )
    proposal.state, proposal.outcome, proposal.decided_at = data.decision, data.outcome, now()
    await session.flush()
    return proposal


async def proposals_out(session: AsyncSession, rows: list[Proposal], user_id: uuid.UUID) -> list[s.ProposalOut]:
    signed = set()
    if rows:
        signed = set(
            (
                await session.scalars(
                    select(ProposalSignature.proposal_id).where(
                        ProposalSignature.proposal_id.in_([p.id for p in rows]), ProposalSignature.user_id == user_id
                    )
                )
            ).all()
        )
    return [
        s.ProposalOut(
            id=p.id,
            title=p.title,
            body=p.body,
            proposer_name=p.proposer_name,
            state=p.state,
            threshold=p.threshold,
            signature_count=p.signature_count,
            signed_by_me=p.id in signed,
            raised_by_me=p.proposer_user_id == user_id,
            meeting_id=p.meeting_id,
            outcome=p.outcome,
            created_at=p.created_at,
        )
        for p in rows
    ]


async def schedule_meeting(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, data: s.MeetingIn) -> DeliberationMeeting:
    if data.scheduled_at.tzinfo is None:
        raise invalid("scheduled_at", "give a time zone (e.g. +08:00)")
    proposals = []
    for pid in dict.fromkeys(data.proposal_ids):
        p = await session.scalar(select(Proposal).where(Proposal.compound_id == compound_id, Proposal.id == pid))
        if p is None or p.state != "deliberation":
            raise invalid("proposal_ids", "every proposal must be in this compound and waiting for deliberation")
        proposals.append(p)
    meeting = DeliberationMeeting(
        id=uuid7(),
        compound_id=compound_id,
        title=data.title.strip(),
        scheduled_at=data.scheduled_at,
        location=data.location,
        state="planned",
        created_by_user_id=user_id,
    )
    session.add(meeting)
    await session.flush()
    session.add_all(
        [
            MeetingParticipant(compound_id=compound_id, meeting_id=meeting.id, name=p.name, side=p.side, user_id=p.user_id)
            for p in data.participants
        ]
    )
    for p in proposals:
        p.meeting_id = meeting.id
    await session.flush()
    invited = [p.user_id for p in data.participants if p.user_id]
    if invited:
        await notify(
            session, invited, "co_building.meeting.invited", f"议事会通知：{meeting.title}", f"{meeting.location}", compound_id=compound_id
        )
    return meeting


async def get_meeting(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID) -> DeliberationMeeting:
    return await one_in_compound(session, DeliberationMeeting, compound_id, meeting_id, "meeting")


async def record_minutes(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.MinutesIn) -> DeliberationMeeting:
    """Minutes, outcome and attendance: the meeting is held."""
    meeting = await get_meeting(session, compound_id, meeting_id)
    if meeting.state == "cancelled":
        raise Problem(409, "illegal-transition", "Illegal state transition", "the meeting was cancelled", state=meeting.state, allowed=[])
    participants = (
        await session.scalars(
            select(MeetingParticipant).where(MeetingParticipant.compound_id == compound_id, MeetingParticipant.meeting_id == meeting.id)
        )
    ).all()
    unknown = sorted(set(data.attended) - {p.name for p in participants})
    if unknown:
        raise invalid("attended", f"not invited: {', '.join(unknown)}")
    for p in participants:
        p.attended = p.name in data.attended
    meeting.minutes, meeting.outcome, meeting.state = data.minutes, data.outcome, "held"
    meeting.held_at = meeting.held_at or now()
    await session.flush()
    return meeting


async def meeting_out(session: AsyncSession, meeting: DeliberationMeeting, user_id: uuid.UUID) -> s.MeetingOut:
    return (await meetings_out(session, [meeting], user_id))[0]


async def meetings_out(session: AsyncSession, meetings: list[DeliberationMeeting], user_id: uuid.UUID) -> list[s.MeetingOut]:
    """Meetings of one compound with their participants and proposals: three queries for the lot."""
    if not meetings:
        return []
    compound_id, ids = meetings[0].compound_id, [m.id for m in meetings]
    participants = (
        await session.scalars(
            select(MeetingParticipant)
            .where(MeetingParticipant.compound_id == compound_id, MeetingParticipant.meeting_id.in_(ids))
            .order_by(MeetingParticipant.side, MeetingParticipant.name)
        )
    ).all()
    proposals = (
        await session.scalars(
            select(Proposal).where(Proposal.compound_id == compound_id, Proposal.meeting_id.in_(ids)).order_by(Proposal.created_at)
        )
    ).all()
    shown = dict(zip([p.id for p in proposals], await proposals_out(session, list(proposals), user_id), strict=True))
    return [
        s.MeetingOut(
            id=m.id,
            title=m.title,
            scheduled_at=m.scheduled_at,
            location=m.location,
            state=m.state,
            minutes=m.minutes,
            outcome=m.outcome,
            held_at=m.held_at,
            participants=[s.ParticipantOut(name=p.name, side=p.side, attended=p.attended) for p in participants if p.meeting_id == m.id],
            proposals=[shown[p.id] for p in proposals if p.meeting_id == m.id],
        )
        for m in meetings
    ]


async def publish_notice(
    session: AsyncSession,
    compound_id: uuid.UUID,
    user_id: uuid.UUID,
    data: s.NoticeIn,
    *,
    source: str = "other",
    source_id: uuid.UUID | None = None,
) -> PublicNotice:
    for field in ("starts_at", "ends_at"):
        if getattr(data, field).tzinfo is None:
            raise invalid(field, "give a time zone (e.g. +08:00)")
    if data.ends_at <= data.starts_at:
        raise invalid("ends_at", "the notice period must end after it starts")
    notice = PublicNotice(
        id=uuid7(),
        compound_id=compound_id,
        title=data.title.strip(),
        body=data.body,
        source=source,
        source_id=source_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        published_by_user_id=user_id,
    )
    session.add(notice)
    await session.flush()
    return notice


def notices_query(compound_id: uuid.UUID, *, current_only: bool):
    stmt = select(PublicNotice).where(PublicNotice.compound_id == compound_id)
    if current_only:
        moment = now()
        stmt = stmt.where(PublicNotice.starts_at <= moment, PublicNotice.ends_at > moment)
    return stmt.order_by(PublicNotice.starts_at.desc(), PublicNotice.id.desc())


def notice_out(n: PublicNotice) -> s.NoticeOut:
    moment = now()
    return s.NoticeOut(
        id=n.id,
        title=n.title,
        body=n.body,
        source=n.source,
        source_id=n.source_id,
        starts_at=n.starts_at,
        ends_at=n.ends_at,
        current=n.starts_at <= moment < n.ends_at,
    )


async def proposals_handled(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Proposals decided in the period (adopted, rejected or put to a vote)."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC)
    n = await session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(Proposal.compound_id == compound_id, Proposal.decided_at >= lo, Proposal.decided_at < hi)
    )
    return Decimal(n or 0)


# --------------------------------------------------------------------------- demo


def demo_rows(seed) -> None:
    seed.then(_demo_consultation)


async def _demo_consultation(session: AsyncSession, city) -> None:
    """A1: a proposal collecting signatures, one decided at a held meeting, a finished owners' vote and an open one."""
    compound_id = city.compounds["A1"]
    resident, neighbour, district = city.users["resident-a1"], city.users["resident-a1b"], city.users["district-1-admin"]
    moment = now()
    collecting = await create_proposal(
        session,
        compound_id,
        resident,
        "张建国",
        s.ProposalIn(title="增设电动车集中充电桩", body="2号楼北侧空地增设充电桩，解决飞线充电隐患。"),
        staff=True,
    )
    await sign_proposal(session, compound_id, collecting.id, neighbour)
    decided = await create_proposal(
        session, compound_id, neighbour, "李秀英", s.ProposalIn(title="续聘红城物业", body="物业合同年底到期，建议续聘。"), staff=True
    )
    decided.state, decided.signature_count = "deliberation", decided.threshold
    meeting = await schedule_meeting(
        session,
        compound_id,
        district,
        s.MeetingIn(
            title="第四季度议事会",
            scheduled_at=moment - dt.timedelta(days=20),
            location="社区党群服务中心",
            proposal_ids=[decided.id],
            participants=[
                s.ParticipantIn(name="社区党委书记", side="party_organisation"),
                s.ParticipantIn(name="业委会主任", side="committee"),
                s.ParticipantIn(name="红城物业项目经理", side="property_company"),
                s.ParticipantIn(name="李秀英", side="owners", user_id=neighbour),
            ],
        ),
    )
    await record_minutes(
        session,
        compound_id,
        meeting.id,
        s.MinutesIn(
            minutes="与会各方同意将续聘事项提交业主大会表决。",
            outcome="提交业主表决",
            attended=["社区党委书记", "业委会主任", "红城物业项目经理", "李秀英"],
        ),
    )
    await decide_proposal(session, compound_id, decided.id, s.DecisionIn(decision="to_vote", outcome="提交业主表决"))

    finished = await create_vote(
        session,
        compound_id,
        district,
        s.VoteIn(
            title="续聘红城物业（2027—2029年）",
            matter="hire_property_company",
            closes_at=moment + dt.timedelta(days=1),
            proposal_id=decided.id,
        ),
    )
    await request_vote_review(session, compound_id, finished.id, district)  # party_building's demo records the opinion
    await open_vote(session, compound_id, finished.id, check_review=False)
    rooms = (
        await session.scalars(
            select(VoteRoll.room_id).where(VoteRoll.compound_id == compound_id, VoteRoll.vote_id == finished.id).order_by(VoteRoll.room_id)
        )
    ).all()
    for i, room_id in enumerate(rooms[: len(rooms) * 5 // 6]):
        await record_paper_ballot(
            session,
            compound_id,
            finished.id,
            district,
            s.PaperBallotIn(room_id=room_id, choice="reject" if i % 6 == 5 else "approve"),
            "街道办主任",
        )
    await close_vote(session, compound_id, finished.id, district)
    finished.opens_at, finished.closed_at = moment - dt.timedelta(days=15), moment - dt.timedelta(days=1)

    upcoming = await create_vote(
        session,
        compound_id,
        district,
        s.VoteIn(
            title="使用维修资金更换2号楼电梯",
            matter="use_maintenance_fund",
            closes_at=moment + dt.timedelta(days=14),
            description="预算 ¥360,000，详见公示。",
        ),
    )
    await request_vote_review(session, compound_id, upcoming.id, district)
    await open_vote(session, compound_id, upcoming.id, check_review=False)
    await cast_ballot(session, compound_id, upcoming.id, neighbour, "approve", "李秀英")
    # the next committee's candidates wait for the community party organisation's review (前置把关)
    candidates = await create_vote(
        session,
        compound_id,
        district,
        s.VoteIn(
            title="选举第二届业主委员会（候选人名单）",
            matter="elect_committee",
            closes_at=moment + dt.timedelta(days=30),
            description="候选人7名，详见公示。",
        ),
    )
    await request_vote_review(session, compound_id, candidates.id, district)
    await publish_notice(
        session,
        compound_id,
        district,
        s.NoticeIn(
            title="维修资金使用方案公示",
            body="2号楼电梯更换，预算 ¥360,000。",
            starts_at=moment - dt.timedelta(days=1),
            ends_at=moment + dt.timedelta(days=13),
        ),
    )
