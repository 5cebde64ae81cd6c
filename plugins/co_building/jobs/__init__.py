"""Dramatiq actors and schedules of co_building, one module per part."""

from __future__ import annotations

from plugins.co_building.jobs import consultation, featured, fees, requests, volunteers

_PARTS = (requests, fees, featured, volunteers, consultation)
ACTORS: list = [actor for part in _PARTS for actor in part.ACTORS]
SCHEDULES: list[dict] = [schedule for part in _PARTS for schedule in part.SCHEDULES]
