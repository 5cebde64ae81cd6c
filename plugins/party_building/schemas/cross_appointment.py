"""Cross-appointment."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from core.schemas import Output

# --------------------------------------------------------------------------- cross-appointment


class PostOut(Output):
    body: Literal["party", "committee", "property"]
    name: str
    post: str


class PersonPosts(Output):
    member_id: uuid.UUID
    name: str
    posts: list[PostOut]


class CrossAppointment(Output):
    """双向进入、交叉任职 in one compound, against the district's targets."""

    compound_id: uuid.UUID
    committee_members: int
    committee_party_members: int
    committee_party_share: Decimal | None
    share_target: Decimal
    share_met: bool | None
    secretary_name: str | None
    secretary_on_committee: bool
    secretary_target: bool
    people: list[PersonPosts] = []
