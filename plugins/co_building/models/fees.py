"""co_building tables: fees."""

from __future__ import annotations

MODELS: list[type] = []
