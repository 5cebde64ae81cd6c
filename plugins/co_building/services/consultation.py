"""Consultation (协商共治): proposals, deliberation meetings, public notice and owners' votes (业主表决) by Civil Code art. 278."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

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
    return VoteTally(matter, rule, total_area, total_heads, part_area, part_heads, yes_area, yes_heads, quorum, quorum and approved, tuple(reasons))


