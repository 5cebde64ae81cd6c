"""co_building jobs: requests."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
