"""co_building HTTP handlers: requests (thin; the rules are in services.requests)."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
