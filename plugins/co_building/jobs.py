"""Dramatiq actors and schedules of co_building."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
