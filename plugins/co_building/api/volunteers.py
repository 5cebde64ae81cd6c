"""co_building HTTP handlers: volunteers (thin; the rules are in services.volunteers)."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
