"""coordination HTTP handlers of grids and community tasks (thin; the rules are in services.grids)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.coordination.schemas import grids as s
from plugins.coordination.services import grids as services


class GridsController(Controller):
    path = "/api/v1/coordination/grids"
    tags = ["coordination: grids"]

    @get("/", operation_id="coordinationGrids", guards=[requires("coordination.grid", "read")])
    async def list_grids(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.GridOut]:
        """The district's grids with their worker and the buildings they cover."""
        items, total = await services.grids(ctx, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post("/", operation_id="coordinationCreateGrid", status_code=201, guards=[requires("coordination.grid", "write")])
    async def create(self, ctx: RequestContext, data: s.GridIn) -> s.GridOut:
        """A grid of a community, with its grid worker (a member of the district)."""
        return await services.create_grid(ctx, data)

    @put("/{grid_id:uuid}/buildings", operation_id="coordinationSetGridBuildings", guards=[requires("coordination.grid", "write")])
    async def set_buildings(self, ctx: RequestContext, grid_id: uuid.UUID, data: s.GridBuildingsIn) -> s.GridOut:
        """The buildings the grid covers (of compounds in its community)."""
        return await services.set_grid_buildings(ctx, grid_id, data)


class TasksController(Controller):
    path = "/api/v1/coordination/tasks"
    tags = ["coordination: community tasks"]

    @get("/", operation_id="coordinationTasks", guards=[requires("coordination.task", "read")])
    async def list_tasks(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.TaskOut]:
        """The district's community tasks with their progress (assigned, reported, late)."""
        items, total = await services.tasks(ctx, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post("/", operation_id="coordinationCreateTask", status_code=201, guards=[requires("coordination.task", "write")])
    async def create(self, ctx: RequestContext, data: s.TaskIn) -> s.TaskOut:
        """Assign a task (safety inspection, campaign, emergency) to the operators of chosen compounds, with a deadline."""
        return await services.create_task(ctx, data)

    @get("/{task_id:uuid}", operation_id="coordinationGetTask", guards=[requires("coordination.task", "read")])
    async def get_task(self, ctx: RequestContext, task_id: uuid.UUID) -> s.TaskOut:
        """One task with each compound's progress."""
        return await services.task_detail(ctx, task_id)


class CompoundTasksController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/coordination/tasks"
    tags = ["coordination: community tasks"]

    @get("/", operation_id="coordinationCompoundTasks", guards=[requires("coordination.module", "read")])
    async def list_tasks(
        self, ctx: RequestContext, compound_id: uuid.UUID, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.AssignmentOut]:
        """The community's tasks for this compound (the operator's to do), open ones first."""
        items, total = await services.compound_assignments(ctx, compound_id, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/{assignment_id:uuid}/report",
        operation_id="coordinationReportTask",
        status_code=200,
        guards=[requires("coordination.task_report", "write")],
    )
    async def report(self, ctx: RequestContext, compound_id: uuid.UUID, assignment_id: uuid.UUID, data: s.TaskReportIn) -> s.AssignmentOut:
        """The operator reports completion (evidence: attachments of record type ``coordination.task_assignment``)."""
        return await services.report_task(ctx, compound_id, assignment_id, data)


ROUTE_HANDLERS = [GridsController, TasksController, CompoundTasksController]
