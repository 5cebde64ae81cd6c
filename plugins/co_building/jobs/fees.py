"""co_building jobs: fees."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
