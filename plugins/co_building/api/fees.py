"""co_building HTTP handlers: fees (thin; the rules are in services.fees)."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
