"""HTTP handlers for Excel import and export of housing and residents."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
