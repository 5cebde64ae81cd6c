"""co_building tables: volunteers."""

from __future__ import annotations

MODELS: list[type] = []
