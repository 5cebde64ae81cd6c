"""co_building tables: consultation."""

from __future__ import annotations

MODELS: list[type] = []
