"""Console page for changing a fee standard in use (调价): propose a new price from a date, put it to the community
party organisation's pre-review (前置把关), apply it once approved; the services are ``services.fee_changes``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.problems import Problem
from core.web.confirm import confirmation
from core.web.forms import field_errors, form_values, to_input
from core.web.i18n import N_
from core.web.render import done, is_htmx, page
from plugins.co_building.models.fees import FeeItem
from plugins.co_building.schemas import fee_changes as s
from plugins.co_building.services import fee_changes as services
from plugins.co_building.services.rules import today_of

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building/fees/changes"
CHANGE_STATES = {"proposed": N_("Proposed"), "applied": N_("Applied"), "withdrawn": N_("Withdrawn")}
APPLY_SAYS = N_("The new price is used for every bill issued from now on; bills already issued keep their prices.")
WITHDRAW_SAYS = N_("The proposal is withdrawn; the price in force stays as it is.")


class FeeChangePages(Controller):
    path = CONSOLE

    async def _show(
        self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, *, status: int = 200, **form: Any
    ) -> Response[Any]:
        items = (await ctx.session.scalars(select(FeeItem).where(FeeItem.compound_id == compound_id).order_by(FeeItem.name))).all()
        rows = (await ctx.session.scalars(services.changes_query(compound_id).limit(100))).all()
        return await page(
            request,
            "co_building/fees/console_changes.html",
            status=status,
            compound_id=compound_id,
            items=items,
            names={i.id: i.name for i in items},
            changes=await services.changes_out(ctx.session, compound_id, list(rows)),
            writable=ctx.can("co_building.fee", "write"),
            today=await today_of(ctx.session, compound_id),
            change_states=CHANGE_STATES,
            values=form.get("values") or {},
            errors=form.get("errors") or {},
        )

    @get("/", guards=[requires("co_building.fee", "read")])
    async def changes(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Fee changes with where their pre-review stands, and the form to propose one."""
        return await self._show(request, compound_id, ctx)

    @post("/", guards=[requires("co_building.fee", "write")])
    async def propose(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Propose a new unit price from a date; a refusal comes back with what was typed, the error beside its field."""
        values = await form_values(request)
        try:
            await services.propose(ctx.session, compound_id, ctx.user_id, to_input(values, s.FeeChangeIn))
        except Problem as problem:
            if problem.status not in (400, 422) or is_htmx(request):  # htmx: the problem lands in the form's slot
                raise
            return await self._show(request, compound_id, ctx, status=problem.status, values=values, errors=field_errors(problem))
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/changes", "created")

    @post("/{change_id:uuid}/pre-review", guards=[requires("co_building.fee", "write")])
    async def pre_review(self, request: Request, compound_id: uuid.UUID, change_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Put the change to the community party organisation's pre-review."""
        await services.request_review(ctx.session, compound_id, change_id, ctx.user_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/changes")

    @post("/{change_id:uuid}/apply", guards=[requires("co_building.fee", "write")])
    async def apply(self, request: Request, compound_id: uuid.UUID, change_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The new price takes effect (refused until approved and on or after its date)."""
        step = await confirmation(request, APPLY_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.apply(ctx.session, compound_id, change_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/changes")

    @post("/{change_id:uuid}/withdraw", guards=[requires("co_building.fee", "write")])
    async def withdraw(self, request: Request, compound_id: uuid.UUID, change_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        step = await confirmation(request, WITHDRAW_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.withdraw(ctx.session, compound_id, change_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/changes")


HANDLERS = [FeeChangePages]
PAGES: list[dict] = []  # reached from the fees desk (调价), not a menu entry of its own
