"""Dramatiq actors and schedules of smart_property."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
