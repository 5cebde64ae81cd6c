"""Rules of co_building (共建共享), without HTTP, one module per part of the standard's §6:
``requests`` (work orders), ``fees``, ``featured`` (featured services, care list), ``volunteers``
(red volunteers, points, rewards) and ``consultation`` (proposals, meetings, notices, owners' votes)."""

from __future__ import annotations

import uuid
from typing import Any

from plugins.co_building.schemas import ModuleOverview
from plugins.co_building.services import consultation, featured, fees, requests, volunteers
from plugins.co_building.services.consultation import DEVELOPER, SPECIAL_MATTERS, VoteTally, VotingRoom, tally_owners_vote, voting_heads
from plugins.co_building.services.requests import WORK_ORDER_TRANSITIONS, IllegalTransition, next_work_order_state

LABEL_ZH = "共建共享"
LABEL_EN = "Co-building and sharing"

__all__ = [
    "DEVELOPER",
    "SPECIAL_MATTERS",
    "VoteTally",
    "VotingRoom",
    "tally_owners_vote",
    "voting_heads",
    "WORK_ORDER_TRANSITIONS",
    "IllegalTransition",
    "next_work_order_state",
    "overview",
]


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="co_building", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))


_PARTS = (requests, fees, featured, volunteers, consultation)
RECORD_TYPES: list[dict[str, Any]] = [item for part in _PARTS for item in getattr(part, "RECORD_TYPES", [])]


def react(event: dict[str, Any]) -> Any:
    """Every part's reaction to ``event`` (see ``redprop_handle_event``): one alone, or several keyed by part, each applied once."""
    reactions = {part.__name__.rpartition(".")[2]: part.react(event) for part in _PARTS if hasattr(part, "react")}
    found = {name: reaction for name, reaction in reactions.items() if reaction is not None}
    return next(iter(found.values())) if len(found) == 1 else found or None


def add_demo_rows(seed: Any) -> None:
    """Every part's demo rows (``demo_rows(seed)`` in each part that has some)."""
    for part in _PARTS:
        if hasattr(part, "demo_rows"):
            part.demo_rows(seed)
