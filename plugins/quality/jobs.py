"""Dramatiq actors and schedules of quality."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
