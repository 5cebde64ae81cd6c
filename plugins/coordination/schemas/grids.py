"""Request and response bodies of grids and community tasks."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, LongName, Name, Output, Text


class GridIn(Input):
    community_id: uuid.UUID
    name: Name
    worker_user_id: uuid.UUID | None = None
    """The grid worker: a member of the district."""


class GridBuildingsIn(Input):
    building_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=500)]
    """Every building the grid covers (replaces the list; a building in another grid moves here)."""


class GridOut(Output):
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    worker_user_id: uuid.UUID | None
    worker_name: str | None
    building_ids: list[uuid.UUID]


class TaskIn(Input):
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    title: LongName
    deadline: dt.datetime
    compound_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=500)]
    description: Text = ""


class TaskReportIn(Input):
    report: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class AssignmentOut(Output):
    id: uuid.UUID
    task_id: uuid.UUID
    compound_id: uuid.UUID
    compound_name: str
    kind: str
    title: str
    deadline: dt.datetime
    reported_at: dt.datetime | None
    reported_by_label: str
    report: str
    late: bool
    overdue: bool
    """Not reported and past the deadline."""


class TaskOut(Output):
    id: uuid.UUID
    kind: str
    title: str
    description: str
    deadline: dt.datetime
    created_by_label: str
    assigned: int
    reported: int
    late: int
    assignments: list[AssignmentOut] = []
