"""co_building jobs: volunteers."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
