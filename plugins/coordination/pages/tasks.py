"""coordination pages of community tasks (物业参与社区治理): the community's list with progress, a new task, one task's
progress per compound; the operator's tasks of a compound, reported with evidence."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile

from core.access import rules
from core.authz.guard import requires
from core.context import RequestContext
from core.files import services as files
from core.files.api import storage_of
from core.pagination import OffsetParam
from core.problems import invalid
from core.web.forms import form_values, to_input
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.coordination.schemas import grids as s
from plugins.coordination.services import grids as services

TASKS = "/console/coordination/tasks"
COMPOUND_TASKS = "/console/compounds/{compound_id:uuid}/coordination/tasks"
KINDS = {"safety_inspection": N_("Safety inspection"), "campaign": N_("Campaign"), "emergency": N_("Emergency"), "other": N_("Other")}
MESSAGES = (N_("the deadline has passed"), N_("the completion has already been reported"), N_("a date and time"))


class TaskPages(Controller):
    """The community's tasks for property companies."""

    path = TASKS

    @get("/", guards=[requires("coordination.task", "read")])
    async def tasks(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        items, total = await services.tasks(ctx, PAGE_SIZE, offset)
        compounds = await rules().compound_menu(ctx.session, 500) if ctx.can("coordination.task", "write") else []
        return await page(
            request, "coordination/tasks/list.html", items=items, pager=pager(request, total, offset), compounds=compounds, kinds=KINDS
        )

    @post("/", guards=[requires("coordination.task", "write")])
    async def create(self, request: Request, ctx: RequestContext) -> Response[Any]:
        values = await form_values(request, lists=("compound_ids",))
        if values.get("deadline") and "+" not in str(values["deadline"]):  # a datetime-local field: the platform's local time
            try:
                local = dt.datetime.fromisoformat(str(values["deadline"]))
            except ValueError:
                raise invalid("deadline", "a date and time", status=400) from None
            values["deadline"] = local.replace(tzinfo=ZoneInfo(request.app.state.settings.default_timezone)).isoformat()
        task = await services.create_task(ctx, to_input(values, s.TaskIn))
        return done(request, f"{TASKS}/{task.id}", "created")

    @get("/{task_id:uuid}", guards=[requires("coordination.task", "read")])
    async def detail(self, request: Request, task_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        return await page(request, "coordination/tasks/detail.html", t=await services.task_detail(ctx, task_id), kinds=KINDS)


class CompoundTaskPages(Controller):
    """The operator's view: the community's tasks for this compound, reported with a photo as evidence."""

    path = COMPOUND_TASKS

    @get("/", guards=[requires("coordination.task_report", "read")])
    async def tasks(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        items, total = await services.compound_assignments(ctx, compound_id, PAGE_SIZE, offset)
        return await page(
            request,
            "coordination/tasks/compound.html",
            compound_id=compound_id,
            items=items,
            pager=pager(request, total, offset),
            can_report=ctx.can("coordination.task_report", "write"),
            kinds=KINDS,
        )

    @post("/{assignment_id:uuid}/report", guards=[requires("coordination.task_report", "write")])
    async def report(self, request: Request, compound_id: uuid.UUID, assignment_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        values = await form_values(request)
        photo = values.pop("photo", None)
        await services.report_task(ctx, compound_id, assignment_id, to_input(values, s.TaskReportIn))
        if isinstance(photo, UploadFile) and photo.filename:
            limit = files.max_upload_bytes()
            content = await photo.read(limit + 1)
            state = request.app.state
            await files.upload(
                ctx.session,
                storage_of(state),
                ctx.principal,
                state.policy.enforcer,
                compound_id,
                "coordination.task_assignment",
                assignment_id,
                photo.filename,
                photo.content_type,
                content,
                limit,
            )
        return done(request, f"/console/compounds/{compound_id}/coordination/tasks")


PAGES: list[dict] = [
    {"path": TASKS, "label_zh": "社区任务", "label_en": "Community tasks", "permission": "coordination.task:read", "portal": False},
    {
        "path": "/console/compounds/{compound_id}/coordination/tasks",
        "label_zh": "社区任务",
        "label_en": "Community tasks",
        "permission": "coordination.task_report:write",
        "portal": False,
    },
]
HANDLERS: list = [TaskPages, CompoundTaskPages]
