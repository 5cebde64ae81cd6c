"""co_building jobs: consultation."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
