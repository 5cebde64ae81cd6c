"""HTTP handlers of core.notifications."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
