"""Tables of core.files."""

from __future__ import annotations

MODELS: list[type] = []
