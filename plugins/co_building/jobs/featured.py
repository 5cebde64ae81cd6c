"""co_building jobs: featured."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
