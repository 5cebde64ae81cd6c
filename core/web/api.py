"""Page handlers of the web console and resident portal."""

from __future__ import annotations

ROUTE_HANDLERS: list = []
