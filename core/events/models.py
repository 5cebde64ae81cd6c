"""Tables of core.events."""

from __future__ import annotations

MODELS: list[type] = []
