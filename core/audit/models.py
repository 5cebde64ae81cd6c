"""Tables of core.audit."""

from __future__ import annotations

MODELS: list[type] = []
