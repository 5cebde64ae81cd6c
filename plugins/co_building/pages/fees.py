"""co_building console and portal pages: fees."""

from __future__ import annotations

PAGES: list[dict] = []
HANDLERS: list = []
