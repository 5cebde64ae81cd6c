"""co_building tables: featured."""

from __future__ import annotations

MODELS: list[type] = []
