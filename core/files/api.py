"""HTTP handlers of core.files."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
