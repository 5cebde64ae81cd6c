"""Tables of core.notifications."""

from __future__ import annotations

MODELS: list[type] = []
