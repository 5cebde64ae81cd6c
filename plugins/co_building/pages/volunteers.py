"""co_building console and portal pages: volunteers."""

from __future__ import annotations

PAGES: list[dict] = []
HANDLERS: list = []
