"""co_building console and portal pages: requests."""

from __future__ import annotations

PAGES: list[dict] = []
HANDLERS: list = []
