"""Dramatiq actors and schedules of party_building."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
