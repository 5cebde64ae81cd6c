"""co_building indicators and dashboard widgets: fees."""

from __future__ import annotations

INDICATORS: list[dict] = []
WIDGETS: list[dict] = []
