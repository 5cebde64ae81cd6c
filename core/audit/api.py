"""HTTP handlers of the audit log."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
