"""co_building console and portal pages: consultation."""

from __future__ import annotations

PAGES: list[dict] = []
HANDLERS: list = []
