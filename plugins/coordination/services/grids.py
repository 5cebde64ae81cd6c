"""Grids (网格) and community tasks (物业参与社区治理).

A district divides each community into grids covering buildings, with a grid
worker per grid; a case located at a building of a grid reaches its worker
first (``grid_of_building`` is asked when a case is opened). The community
assigns tasks (safety inspection, campaign, emergency) to the operators of
chosen compounds with a deadline; each operator reports completion with
evidence (attachments of record type ``coordination.task_assignment``), and the
community follows the progress per compound.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.guard import can
from core.authz.holders import holders
from core.clock import now
from core.context import RequestContext, forbidden
from core.identity.models import Membership, User
from core.notifications.services import notify
from core.pagination import paginate
from core.problems import conflict, invalid, not_found
from plugins.coordination.models.grids import Grid, GridBuilding
from plugins.coordination.models.tasks import TASK_KINDS, CommunityTask, TaskAssignment
from plugins.coordination.schemas import grids as s
from tenants.models import Building, Compound, Region


def _district(ctx: RequestContext, obj: str) -> uuid.UUID:
    if ctx.tenant_id is None:
        raise forbidden(obj, "read")
    return ctx.tenant_id


# --------------------------------------------------------------------------- grids


async def _grids_out(session: AsyncSession, rows: list[Grid]) -> list[s.GridOut]:
    ids = [g.id for g in rows]
    covered: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for grid_id, building_id in (
        await session.execute(select(GridBuilding.grid_id, GridBuilding.building_id).where(GridBuilding.grid_id.in_(ids)))
    ).all():
        covered[grid_id].append(building_id)
    workers = {g.worker_user_id for g in rows if g.worker_user_id}
    names = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(workers)))).all())
    return [
        s.GridOut(
            id=g.id,
            community_id=g.community_id,
            name=g.name,
            worker_user_id=g.worker_user_id,
            worker_name=names.get(g.worker_user_id) if g.worker_user_id else None,
            building_ids=sorted(covered[g.id]),
        )
        for g in rows
    ]


async def grids(ctx: RequestContext, limit: int, offset: int) -> tuple[list[s.GridOut], int]:
    district = _district(ctx, "coordination.grid")
    rows, total = await paginate(
        ctx.session, select(Grid).where(Grid.tenant_id == district).order_by(Grid.community_id, Grid.name), limit, offset
    )
    return await _grids_out(ctx.session, rows), total


async def _grid(ctx: RequestContext, grid_id: uuid.UUID) -> Grid:
    grid = await ctx.session.scalar(select(Grid).where(Grid.id == grid_id, Grid.tenant_id == _district(ctx, "coordination.grid")))
    if grid is None:
        raise not_found("grid")
    return grid


async def create_grid(ctx: RequestContext, data: s.GridIn) -> s.GridOut:
    ctx.require("coordination.grid", "write")
    district = _district(ctx, "coordination.grid")
    community = await ctx.session.scalar(
        select(Region.id).where(Region.id == data.community_id, Region.tenant_id == district, Region.kind == "community")
    )
    if community is None:
        raise invalid("community_id", "no such community in your district")
    if data.worker_user_id is not None:
        member = await ctx.session.scalar(
            select(Membership.id).where(Membership.user_id == data.worker_user_id, Membership.tenant_id == district)
        )
        if member is None:
            raise invalid("worker_user_id", "the grid worker must be a member of the district")
    taken = await ctx.session.scalar(
        select(Grid.id).where(Grid.tenant_id == district, Grid.community_id == data.community_id, Grid.name == data.name)
    )
    if taken is not None:
        raise conflict("the community already has a grid of this name")
    grid = Grid(tenant_id=district, community_id=data.community_id, name=data.name, worker_user_id=data.worker_user_id)
    ctx.session.add(grid)
    await ctx.session.flush()
    return (await _grids_out(ctx.session, [grid]))[0]


async def set_grid_buildings(ctx: RequestContext, grid_id: uuid.UUID, data: s.GridBuildingsIn) -> s.GridOut:
    """The buildings the grid covers (all in compounds of its community); a building in another grid moves here."""
    ctx.require("coordination.grid", "write")
    grid = await _grid(ctx, grid_id)
    wanted = list(dict.fromkeys(data.building_ids))
    found = dict(
        (
            await ctx.session.execute(
                select(Building.id, Building.compound_id)
                .join(Compound, Compound.id == Building.compound_id)
                .where(Building.id.in_(wanted), Compound.community_id == grid.community_id)
            )
        ).all()
    )
    missing = [b for b in wanted if b not in found]
    if missing:
        raise invalid("building_ids", f"not buildings of the grid's community: {', '.join(map(str, missing))}")
    await ctx.session.execute(delete(GridBuilding).where(GridBuilding.grid_id == grid.id))
    if wanted:
        await ctx.session.execute(delete(GridBuilding).where(GridBuilding.building_id.in_(wanted)))
    ctx.session.add_all([GridBuilding(compound_id=found[b], grid_id=grid.id, building_id=b) for b in wanted])
    await ctx.session.flush()
    return (await _grids_out(ctx.session, [grid]))[0]


async def grid_of_building(
    session: AsyncSession, compound_id: uuid.UUID, building_id: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """The grid covering a building and its worker, if any."""
    row = (
        await session.execute(
            select(Grid.id, Grid.worker_user_id)
            .join(GridBuilding, GridBuilding.grid_id == Grid.id)
            .where(GridBuilding.compound_id == compound_id, GridBuilding.building_id == building_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


def my_grids(user_id: uuid.UUID):
    """The ids of the grids a user works (a subquery)."""
    return select(Grid.id).where(Grid.worker_user_id == user_id)


# --------------------------------------------------------------------------- community tasks


def _assignment_out(a: TaskAssignment, task: CommunityTask, compound_name: str) -> s.AssignmentOut:
    return s.AssignmentOut(
        id=a.id,
        task_id=task.id,
        compound_id=a.compound_id,
        compound_name=compound_name,
        kind=task.kind,
        title=task.title,
        deadline=task.deadline,
        reported_at=a.reported_at,
        reported_by_label=a.reported_by_label,
        report=a.report,
        late=a.late,
        overdue=a.reported_at is None and task.deadline <= now(),
    )


async def create_task(ctx: RequestContext, data: s.TaskIn) -> s.TaskOut:
    """Assign a task to the operators of the chosen compounds (of the caller's district); each operator is told."""
    ctx.require("coordination.task", "write")
    district = _district(ctx, "coordination.task")
    if data.kind not in TASK_KINDS:
        raise invalid("kind", f"one of {', '.join(TASK_KINDS)}")
    if data.deadline.tzinfo is None:
        raise invalid("deadline", "give the time zone (e.g. 2026-12-10T18:00:00+08:00)")
    if data.deadline <= now():
        raise invalid("deadline", "the deadline has passed")
    wanted = list(dict.fromkeys(data.compound_ids))
    found = dict(
        (
            await ctx.session.execute(
                select(Compound.id, Compound.operator_tenant_id).where(Compound.id.in_(wanted), Compound.district_tenant_id == district)
            )
        ).all()
    )
    missing = [c for c in wanted if c not in found or not ctx.principal.scope.allows(c)]
    if missing:
        raise invalid("compound_ids", f"not compounds of your district: {', '.join(map(str, missing))}")
    task = CommunityTask(
        tenant_id=district,
        kind=data.kind,
        title=data.title,
        description=data.description,
        deadline=data.deadline,
        created_by_user_id=ctx.user_id,
        created_by_label=ctx.display_name,
    )
    ctx.session.add(task)
    await ctx.session.flush()
    ctx.session.add_all([TaskAssignment(compound_id=c, task_id=task.id) for c in wanted])
    for compound_id in wanted:
        operator = found[compound_id]
        people = await holders(ctx.session, "coordination.task_report", "write", compound_id, tenant_ids=[operator] if operator else [])
        if people:
            await notify(
                ctx.session,
                people,
                "coordination.task.assigned",
                f"社区任务：{task.title}",
                f"请于 {data.deadline:%Y-%m-%d %H:%M} 前完成并上报。{task.description[:150]}",
                link=f"/console/compounds/{compound_id}/coordination/tasks",
                compound_id=compound_id,
            )
    await ctx.session.flush()
    return await task_detail(ctx, task.id)


async def _progress(session: AsyncSession, task_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, int]]:
    rows = (
        await session.execute(
            select(
                TaskAssignment.task_id,
                func.count(),
                func.sum(case((TaskAssignment.reported_at.is_not(None), 1), else_=0)),
                func.sum(case((TaskAssignment.late, 1), else_=0)),
            )
            .where(TaskAssignment.task_id.in_(task_ids))
            .group_by(TaskAssignment.task_id)
        )
    ).all()
    return {t: (int(n), int(r or 0), int(late or 0)) for t, n, r, late in rows}


def _task_out(task: CommunityTask, progress: tuple[int, int, int], assignments: list[s.AssignmentOut] | None = None) -> s.TaskOut:
    return s.TaskOut(
        id=task.id,
        kind=task.kind,
        title=task.title,
        description=task.description,
        deadline=task.deadline,
        created_by_label=task.created_by_label,
        assigned=progress[0],
        reported=progress[1],
        late=progress[2],
        assignments=assignments or [],
    )


async def tasks(ctx: RequestContext, limit: int, offset: int) -> tuple[list[s.TaskOut], int]:
    """The district's tasks, newest deadline first, with progress (assigned, reported, late) — a few queries per page."""
    ctx.require("coordination.task", "read")
    district = _district(ctx, "coordination.task")
    rows, total = await paginate(
        ctx.session, select(CommunityTask).where(CommunityTask.tenant_id == district).order_by(CommunityTask.deadline.desc()), limit, offset
    )
    progress = await _progress(ctx.session, [t.id for t in rows])
    return [_task_out(t, progress.get(t.id, (0, 0, 0))) for t in rows], total


async def task_detail(ctx: RequestContext, task_id: uuid.UUID) -> s.TaskOut:
    """One task with each compound's progress."""
    ctx.require("coordination.task", "read")
    task = await ctx.session.scalar(
        select(CommunityTask).where(CommunityTask.id == task_id, CommunityTask.tenant_id == _district(ctx, "coordination.task"))
    )
    if task is None:
        raise not_found("task")
    rows = (await ctx.session.scalars(select(TaskAssignment).where(TaskAssignment.task_id == task.id))).all()
    names = await rules().compound_names(ctx.session, [a.compound_id for a in rows])
    out = sorted((_assignment_out(a, task, names.get(a.compound_id, "")) for a in rows), key=lambda a: a.compound_name)
    return _task_out(task, (len(rows), sum(1 for a in rows if a.reported_at), sum(1 for a in rows if a.late)), out)


async def compound_assignments(ctx: RequestContext, compound_id: uuid.UUID, limit: int, offset: int) -> tuple[list[s.AssignmentOut], int]:
    """The tasks assigned to a compound (its operator's view), the nearest deadline first."""
    if not (ctx.can("coordination.task_report", "read") or ctx.can("coordination.task", "read")):
        raise forbidden("coordination.task_report", "read")
    stmt = (
        select(TaskAssignment, CommunityTask)
        .join(CommunityTask, CommunityTask.id == TaskAssignment.task_id)
        .where(TaskAssignment.compound_id == compound_id)
        .order_by(TaskAssignment.reported_at.is_not(None), CommunityTask.deadline)
    )
    rows, total = await paginate(ctx.session, stmt, limit, offset)
    names = await rules().compound_names(ctx.session, [compound_id])
    return [_assignment_out(a, t, names.get(compound_id, "")) for a, t in rows], total


async def report_task(ctx: RequestContext, compound_id: uuid.UUID, assignment_id: uuid.UUID, data: s.TaskReportIn) -> s.AssignmentOut:
    """The operator reports completion (late after the deadline); the task's creator is told."""
    ctx.require("coordination.task_report", "write", compound_id)
    row = (
        await ctx.session.execute(
            select(TaskAssignment, CommunityTask)
            .join(CommunityTask, CommunityTask.id == TaskAssignment.task_id)
            .where(TaskAssignment.compound_id == compound_id, TaskAssignment.id == assignment_id)
            .with_for_update(of=TaskAssignment)
        )
    ).first()
    if row is None:
        raise not_found("task")
    assignment, task = row
    if assignment.reported_at is not None:
        raise conflict("the completion has already been reported")
    moment = now()
    assignment.reported_at, assignment.reported_by_user_id, assignment.reported_by_label = moment, ctx.user_id, ctx.display_name
    assignment.report, assignment.late = data.report, moment > task.deadline
    if task.created_by_user_id:
        names = await rules().compound_names(ctx.session, [compound_id])
        await notify(
            ctx.session,
            [task.created_by_user_id],
            "coordination.task.reported",
            f"{names.get(compound_id, '')} 已上报任务完成：{task.title}",
            data.report[:200],
            link=f"/console/coordination/tasks/{task.id}",
            compound_id=compound_id,
        )
    await ctx.session.flush()
    names = await rules().compound_names(ctx.session, [compound_id])
    return _assignment_out(assignment, task, names.get(compound_id, ""))


async def visible_assignment_ids(
    session: AsyncSession, principal: Any, enforcer: Any, compound_id: uuid.UUID, record_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Evidence of a compound's task: its operator's staff and the district (both reach the compound)."""
    if not record_ids or not (
        can(principal, enforcer, "coordination.task_report", "read", compound_id)
        or can(principal, enforcer, "coordination.task", "read", compound_id)
    ):
        return set()
    rows = await session.scalars(
        select(TaskAssignment.id).where(TaskAssignment.compound_id == compound_id, TaskAssignment.id.in_(record_ids))
    )
    return set(rows.all())


RECORD_TYPES = [
    {
        "name": "coordination.task_assignment",
        "object": "coordination.task_report",
        "model": TaskAssignment,
        "visible": visible_assignment_ids,
    }
]
