"""Dramatiq actors and schedules of coordination."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
