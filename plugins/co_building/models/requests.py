"""co_building tables: requests."""

from __future__ import annotations

MODELS: list[type] = []
