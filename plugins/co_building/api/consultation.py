"""co_building HTTP handlers: consultation (thin; the rules are in services.consultation)."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
