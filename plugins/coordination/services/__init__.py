"""Rules of coordination (协同联动), without HTTP, one module per part of the standard's §5: ``cases`` (物业+执法+服务,
routing, time limits, escalation, whistle and report-in) ``grids`` (网格, community tasks) and ``publicity``
(social forces, news and campaigns, model selections)."""

from __future__ import annotations

from typing import Any

from plugins.coordination.services import cases, demo, grids, publicity

_PARTS = (cases, grids, publicity, demo)
RECORD_TYPES: list[dict[str, Any]] = [item for part in _PARTS for item in getattr(part, "RECORD_TYPES", [])]


def react(event: dict[str, Any]) -> Any:
    """Every part's reaction to ``event`` (see ``redprop_handle_event``): one alone, or several keyed by part."""
    found = {part.__name__.rpartition(".")[2]: r for part in _PARTS if hasattr(part, "react") and (r := part.react(event)) is not None}
    return next(iter(found.values())) if len(found) == 1 else found or None


def add_demo_rows(seed: Any) -> None:
    for part in _PARTS:
        if hasattr(part, "demo_rows"):
            part.demo_rows(seed)
