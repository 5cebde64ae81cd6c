"""co_building console and portal pages: featured."""

from __future__ import annotations

PAGES: list[dict] = []
HANDLERS: list = []
