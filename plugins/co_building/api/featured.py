"""co_building HTTP handlers: featured (thin; the rules are in services.featured)."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
