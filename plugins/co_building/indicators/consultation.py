"""co_building indicators and dashboard widgets: consultation."""

from __future__ import annotations

INDICATORS: list[dict] = []
WIDGETS: list[dict] = []
