"""Study and training."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import C, page_of


class StudyController(Controller):
    path = C
    tags = ["party_building"]

    @get("/study-sessions", operation_id="partyListStudySessions", guards=[requires("party_building.study", "read")])
    async def list_sessions(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.StudySessionOut]:
        """Study and training sessions (思想引领), newest first."""
        return page_of(await services.study_sessions(ctx.session, compound_id), limit, offset)

    @post("/study-sessions", operation_id="partyCreateStudySession", guards=[requires("party_building.study", "write")])
    async def create_session(self, compound_id: uuid.UUID, data: s.StudySessionIn, ctx: RequestContext) -> s.StudySessionOut:
        """Record a ctx.session with its hours and, once held, who attended (materials go to its attachments)."""
        row = await services.create_study_session(ctx.session, compound_id, data, await services.local_today(ctx.session, compound_id))
        return next(x for x in await services.study_sessions(ctx.session, compound_id) if x.id == row.id)

    @post(
        "/study-sessions/{session_id:uuid}/attendance",
        operation_id="partyRecordAttendance",
        guards=[requires("party_building.study", "write")],
        status_code=200,
    )
    async def attendance(
        self, compound_id: uuid.UUID, session_id: uuid.UUID, data: s.AttendanceIn, ctx: RequestContext
    ) -> s.StudySessionOut:
        """Add members present at a ctx.session."""
        await services.record_attendance(
            ctx.session, compound_id, session_id, data.member_ids, await services.local_today(ctx.session, compound_id)
        )
        return next(x for x in await services.study_sessions(ctx.session, compound_id) if x.id == session_id)

    @get("/study-hours", operation_id="partyStudyHours", guards=[requires("party_building.study", "read")])
    async def hours(
        self, compound_id: uuid.UUID, ctx: RequestContext, year: int | None = None, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.StudyHoursOut]:
        """Study hours per member in a year (this year by default)."""
        chosen = year or (await services.local_today(ctx.session, compound_id)).year
        return page_of(await services.study_hours(ctx.session, compound_id, chosen), limit, offset)
