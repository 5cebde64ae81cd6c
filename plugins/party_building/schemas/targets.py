"""District targets and meeting requirements."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from core.schemas import Input, Output
from plugins.party_building.schemas.common import (
    MeetingKind,
    Period,
)

# --------------------------------------------------------------------------- targets


class TargetsIn(Input):
    """Percentages 0–100 and hours, exact decimals (checked by the service: msgspec bounds no Decimal)."""

    committee_party_share: Decimal | None = None
    secretary_on_committee: bool | None = None
    coverage: Decimal | None = None
    action_items_on_time: Decimal | None = None
    study_hours_per_member: Decimal | None = None


class RequirementIn(Input):
    kind: MeetingKind
    period: Period
    minimum: Annotated[int, msgspec.Meta(ge=0, le=31)]


class RequirementOut(Output):
    kind: str
    period: str
    minimum: int


class TargetsOut(Output):
    committee_party_share: Decimal
    secretary_on_committee: bool
    coverage: Decimal
    action_items_on_time: Decimal
    study_hours_per_member: Decimal
    requirements: list[RequirementOut]
