"""co_building pages of red volunteers: volunteers and teams, activities with sign-ups, check-in and the QR code,
the points ledger, the rewards shop and rankings in the console; joining activities, scanning in and out, points
and redeeming in the resident portal.

Pages are thin over ``services.volunteers``; a refused action comes back as the
service's problem and is shown in the form's slot.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect
from sqlalchemy import select

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.pagination import OffsetParam
from core.problems import invalid
from core.web.confirm import confirmation
from core.web.forms import form_values, parse_form, to_input
from core.web.i18n import N_
from core.web.qr import qr_svg
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.co_building.models.volunteers import Volunteer, VolunteerActivity
from plugins.co_building.schemas import volunteers as s
from plugins.co_building.services import volunteers as services
from plugins.co_building.services.featured import found, own_user
from tenants.models import Resident
from tenants.services import get_compound

REDEEM_SAYS = N_("The points are spent on this reward and are not given back unless the service centre cancels the redemption.")
CALL_OFF_SAYS = N_("The activity is called off and everyone signed up is told.")

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building"
PORTAL = "/portal/compounds/{compound_id:uuid}/co_building"
DISTRICT_PAGE = "/console/co_building/volunteer-rankings"
PICKER_LIMIT = 2000

SIGNUP_STATES = {
    "signed_up": N_("Signed up"),
    "waiting": N_("On the waiting list"),
    "checked_in": N_("Checked in"),
    "checked_out": N_("Served"),
    "cancelled": N_("Cancelled"),
}
ACTIVITY_STATES = {"open": N_("Open for sign-up"), "cancelled": N_("Called off")}
POINTS_RULES = {"per_hour": N_("points per hour served"), "fixed": N_("points for taking part")}
LEDGER_KINDS = {"earn": N_("Earned"), "redeem": N_("Redeemed"), "refund": N_("Refund"), "adjust": N_("Adjustment")}
REDEMPTION_STATES = {"pending": N_("To hand over"), "delivered": N_("Handed over"), "cancelled": N_("Cancelled")}
TEAM_ROLES = {"leader": N_("Team leader"), "member": N_("Team member")}
RANKING_BY = {"hours": N_("Hours served"), "points": N_("Points earned")}
RANKING_SCOPES = {"compound": N_("This compound"), "district": N_("The district")}
# titles of the problems services.volunteers raises, so the catalog translates them in a form's error slot
PROBLEM_TITLES = (
    N_("Not enough points"),
    N_("Out of stock"),
    N_("Wrong check-in code"),
    N_("The activity has started"),
    N_("The activity is not open"),
    N_("The activity is over"),
    N_("Check-in is not open yet"),
)


def _labels() -> dict[str, Any]:
    return {
        "signup_states": SIGNUP_STATES,
        "activity_states": ACTIVITY_STATES,
        "points_rules": POINTS_RULES,
        "ledger_kinds": LEDGER_KINDS,
        "redemption_states": REDEMPTION_STATES,
        "team_roles": TEAM_ROLES,
        "ranking_by": RANKING_BY,
        "ranking_scopes": RANKING_SCOPES,
    }


# --------------------------------------------------------------------------- console


class VolunteerConsolePages(Controller):
    path = CONSOLE

    @get("/volunteers", guards=[requires("co_building.volunteer", "read")])
    async def volunteers(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        team_id: uuid.UUID | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Volunteers and teams; phone and party membership only with co_building.volunteer_pii."""
        show_pii = ctx.can("co_building.volunteer_pii", "read")
        listed = await services.volunteers(
            ctx.session, compound_id, own=own_user(ctx), show_pii=show_pii, team_id=team_id, limit=PAGE_SIZE, offset=offset
        )
        manage = ctx.can("co_building.volunteer", "approve")
        residents = (
            (await ctx.session.execute(select(Resident.id, Resident.name).order_by(Resident.name).limit(PICKER_LIMIT))).all()
            if manage
            else []
        )
        return await page(
            request,
            "co_building/volunteers/console_volunteers.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            volunteers=listed.items,
            pager=pager(request, listed.total, offset),
            teams=(await services.teams(ctx.session, limit=PICKER_LIMIT)).items,
            team_id=team_id,
            masked=not show_pii,
            manage=manage,
            residents=residents,
            **_labels(),
        )

    @post("/volunteers", guards=[requires("co_building.volunteer", "approve")])
    async def register(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Register a resident (or a named person) as a volunteer."""
        await services.register_volunteer(ctx.session, ctx, compound_id, await parse_form(request, s.VolunteerIn), for_others=True)
        return done(request, f"/console/compounds/{compound_id}/co_building/volunteers", "created")

    @post("/volunteer-teams", guards=[requires("co_building.volunteer", "approve")])
    async def add_team(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Form a team."""
        await services.create_team(ctx.session, compound_id, await parse_form(request, s.TeamIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/volunteers", "created")

    @get("/activities", guards=[requires("co_building.activity", "read")])
    async def activities(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Activities, latest first, with places taken and the waiting list."""
        listed = await services.activities(ctx.session, compound_id, limit=PAGE_SIZE, offset=offset)
        return await page(
            request,
            "co_building/volunteers/console_activities.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            activities=listed.items,
            pager=pager(request, listed.total, offset),
            teams=(await services.teams(ctx.session, limit=PICKER_LIMIT)).items,
            organise=ctx.can("co_building.activity", "approve"),
            **_labels(),
        )

    @post("/activities", guards=[requires("co_building.activity", "approve")])
    async def add_activity(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Organise an activity."""
        activity = await services.create_activity(ctx.session, ctx, compound_id, await parse_form(request, s.ActivityIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/activities/{activity.id}", "created")

    @get("/activities/{activity_id:uuid}", guards=[requires("co_building.activity", "read")])
    async def activity(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """One activity: its sign-ups and waiting list, check-in and check-out, and the QR code to show on site."""
        organise = ctx.can("co_building.activity", "approve")
        row = await found(ctx.session, VolunteerActivity, compound_id, activity_id, "activity")
        # the SVG is segno's own drawing of our URL: no user text reaches it, so it is safe to embed as markup
        qr = qr_svg(services.checkin_url(str(request.base_url), compound_id, row)) if organise else None
        volunteers = (
            (
                await ctx.session.execute(
                    select(Volunteer.id, Volunteer.name).where(Volunteer.active.is_(True)).order_by(Volunteer.name).limit(PICKER_LIMIT)
                )
            ).all()
            if organise
            else []
        )
        return await page(
            request,
            "co_building/volunteers/console_activity.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            activity=await services.get_activity(ctx.session, compound_id, activity_id),
            signups=await services.signups(ctx.session, compound_id, activity_ids=[activity_id], own=None if organise else ctx.user_id),
            organise=organise,
            qr=qr,
            volunteers=volunteers,
            **_labels(),
        )

    @post("/activities/{activity_id:uuid}/cancel", guards=[requires("co_building.activity", "approve")])
    async def cancel_activity(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Call the activity off (asked to confirm first)."""
        step = await confirmation(request, CALL_OFF_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.cancel_activity(ctx.session, compound_id, activity_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/activities/{activity_id}")

    @post("/activities/{activity_id:uuid}/signups", guards=[requires("co_building.activity", "approve")])
    async def sign_up_volunteer(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Sign a volunteer up (a phone call to the organiser)."""
        await services.sign_up(ctx.session, ctx, compound_id, activity_id, await parse_form(request, s.SignupIn), for_others=True)
        return done(request, f"/console/compounds/{compound_id}/co_building/activities/{activity_id}", "created")

    @post("/activities/{activity_id:uuid}/signups/{signup_id:uuid}/{action:str}", guards=[requires("co_building.activity", "approve")])
    async def attendance(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        signup_id: uuid.UUID,
        action: str,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Check a volunteer in or out, or cancel their sign-up."""
        if action == "cancel":
            await services.cancel_signup(ctx.session, ctx, compound_id, activity_id, signup_id, for_others=True)
        elif action in ("check-in", "check-out"):
            data = await parse_form(request, s.AttendanceIn)
            await services.record_attendance(ctx.session, ctx, compound_id, activity_id, signup_id, action.replace("-", "_"), data.at)
        else:
            raise invalid("action", "check-in, check-out or cancel")
        return done(request, f"/console/compounds/{compound_id}/co_building/activities/{activity_id}")

    @get("/points", guards=[requires("co_building.points", "read")])
    async def points(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        volunteer_id: uuid.UUID | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The points ledger (积分台账), newest first."""
        listed = await services.ledger(
            ctx.session, compound_id, own=own_user(ctx), volunteer_id=volunteer_id, limit=PAGE_SIZE, offset=offset
        )
        writable = ctx.can("co_building.points", "write")
        volunteers = (
            await ctx.session.execute(
                select(Volunteer.id, Volunteer.name, Volunteer.points_balance).order_by(Volunteer.name).limit(PICKER_LIMIT)
            )
        ).all()
        return await page(
            request,
            "co_building/volunteers/console_points.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            entries=listed.items,
            pager=pager(request, listed.total, offset),
            writable=writable,
            volunteers=volunteers if own_user(ctx) is None else [],
            volunteer_id=volunteer_id,
            **_labels(),
        )

    @post("/points/adjustments", guards=[requires("co_building.points", "write")])
    async def adjust(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Award or correct points with a new ledger line."""
        await services.adjust_points(ctx.session, ctx, compound_id, await parse_form(request, s.AdjustmentIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/points")

    @get("/rewards", guards=[requires("co_building.reward", "read")])
    async def rewards(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str = "pending",
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The rewards shop and the redemptions to hand over."""
        shop = await services.rewards(ctx.session, compound_id, active_only=False, limit=500)
        listed = await services.redemptions(
            ctx.session, compound_id, own=own_user(ctx), status=status or None, limit=PAGE_SIZE, offset=offset
        )
        return await page(
            request,
            "co_building/volunteers/console_rewards.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            rewards=shop.items,
            redemptions=listed.items,
            pager=pager(request, listed.total, offset),
            shown=status,
            manage=ctx.can("co_building.reward", "approve"),
            **_labels(),
        )

    @post("/rewards", guards=[requires("co_building.reward", "approve")])
    async def add_reward(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Offer a reward."""
        await services.create_reward(ctx.session, compound_id, await parse_form(request, s.RewardIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/rewards", "created")

    @post("/rewards/{reward_id:uuid}", guards=[requires("co_building.reward", "approve")])
    async def change_reward(self, request: Request, compound_id: uuid.UUID, reward_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Restock, reprice or withdraw a reward."""
        values = await form_values(request)
        values["active"] = values.get("active") == "true"
        await services.update_reward(ctx.session, compound_id, reward_id, to_input(values, s.RewardPatch))
        return done(request, f"/console/compounds/{compound_id}/co_building/rewards")

    @post("/redemptions/{redemption_id:uuid}/{action:str}", guards=[requires("co_building.reward", "approve")])
    async def move_redemption(
        self,
        request: Request,
        compound_id: uuid.UUID,
        redemption_id: uuid.UUID,
        action: str,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Hand a reward over, or cancel the redemption (points refunded)."""
        await services.move_redemption(ctx.session, ctx, compound_id, redemption_id, action)
        return done(request, f"/console/compounds/{compound_id}/co_building/rewards")

    @get("/rankings", guards=[requires("co_building.volunteer", "read")])
    async def rankings(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        by: str = "hours",
        area: Annotated[str, QueryParameter(name="scope")] = "compound",
        start: dt.date | None = None,
        end: dt.date | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The compound's volunteers ranked by hours or points; the district's ranking is its own page (a compound's
        page sees its compound alone), which the scope choice leads to."""
        chosen_by = by if by in RANKING_BY else "hours"
        compound = await get_compound(ctx.session, compound_id)
        if area == "district":
            query = urlencode({"by": chosen_by, "district_id": compound.district_tenant_id, **_period_query(start, end)})
            return Redirect(f"{DISTRICT_PAGE}?{query}", status_code=303)
        ranking = await services.rankings(ctx.session, compound_id, by=chosen_by, start=start, end=end, limit=PAGE_SIZE, offset=offset)
        return await page(
            request,
            "co_building/volunteers/console_rankings.html",
            compound_id=compound_id,
            compound=compound,
            ranking=ranking.items,
            pager=pager(request, ranking.total, offset),
            by=chosen_by,
            area="compound",
            district_id=None,
            start=start,
            end=end,
            **_labels(),
        )


def _period_query(start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    return {key: day.isoformat() for key, day in (("start", start), ("end", end)) if day is not None}


class DistrictVolunteerPages(Controller):
    """The district-wide ranking: a route without a compound, whose unit of work covers every compound the caller reaches."""

    path = DISTRICT_PAGE

    @get("/", guards=[requires("co_building.volunteer", "read")])
    async def rankings(
        self,
        request: Request,
        ctx: RequestContext,
        by: str = "hours",
        district_id: uuid.UUID | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Volunteers of the compounds the caller reaches (one district with ``district_id``) ranked together."""
        chosen_by = by if by in RANKING_BY else "hours"
        ranking = await services.district_rankings(
            ctx, by=chosen_by, start=start, end=end, district_id=district_id, limit=PAGE_SIZE, offset=offset
        )
        return await page(
            request,
            "co_building/volunteers/console_rankings.html",
            compound_id=None,
            compound=None,
            ranking=ranking.items,
            pager=pager(request, ranking.total, offset),
            by=chosen_by,
            area="district",
            district_id=district_id,
            start=start,
            end=end,
            **_labels(),
        )


# --------------------------------------------------------------------------- portal


class VolunteerPortalPages(Controller):
    path = PORTAL

    @get("/activities", guards=[requires("co_building.activity", "read")])
    async def activities(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Upcoming activities with my place or my position on the waiting list."""
        listed = await services.activities(ctx.session, compound_id, me=ctx.user_id, upcoming=True, limit=100)
        return await page(
            request,
            "co_building/volunteers/portal_activities.html",
            portal=True,
            compound_id=compound_id,
            activities=listed.items,
            now=now(),  # a started activity takes no more sign-ups: it offers no button that would be refused
            **_labels(),
        )

    @post("/activities/{activity_id:uuid}/signups", guards=[requires("co_building.activity", "write")])
    async def sign_up(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Sign myself up (my volunteer profile is made on the first sign-up)."""
        await services.sign_up(ctx.session, ctx, compound_id, activity_id, s.SignupIn(), for_others=False)
        return done(request, f"/portal/compounds/{compound_id}/co_building/activities", "saved")

    @post("/activities/{activity_id:uuid}/signups/{signup_id:uuid}/cancel", guards=[requires("co_building.activity", "write")])
    async def cancel(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        signup_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Cancel my sign-up; my place goes to the first on the waiting list."""
        await services.cancel_signup(ctx.session, ctx, compound_id, activity_id, signup_id, for_others=False)
        return done(request, f"/portal/compounds/{compound_id}/co_building/activities", "saved")

    @get("/activities/{activity_id:uuid}/attend", guards=[requires("co_building.activity", "write")])
    async def attend_page(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
        token: str = "",
    ) -> Response[Any]:
        """Where the QR code on site leads: confirm the check-in (or check-out)."""
        activity = await services.get_activity(ctx.session, compound_id, activity_id, me=ctx.user_id)
        return await page(
            request,
            "co_building/volunteers/portal_attend.html",
            portal=True,
            compound_id=compound_id,
            activity=activity,
            token=token,
            **_labels(),
        )

    @post("/activities/{activity_id:uuid}/attend", guards=[requires("co_building.activity", "write")])
    async def attend(
        self,
        request: Request,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Check in, or out when already in (hours and points are then recorded)."""
        data = to_input(await form_values(request), s.CheckInIn)
        await services.attend_by_token(ctx.session, ctx, compound_id, activity_id, data.token)
        return done(request, f"/portal/compounds/{compound_id}/co_building/activities/{activity_id}/attend", "saved")

    @get("/points", guards=[requires("co_building.points", "read")])
    async def points(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """My balance, hours served and ledger; the rewards shop and my redemptions."""
        return await page(
            request,
            "co_building/volunteers/portal_points.html",
            portal=True,
            compound_id=compound_id,
            balance=await services.balance(ctx.session, compound_id, ctx.user_id),
            entries=(await services.ledger(ctx.session, compound_id, own=ctx.user_id, limit=20)).items,
            rewards=(await services.rewards(ctx.session, compound_id, active_only=True, limit=100)).items,
            redemptions=(await services.redemptions(ctx.session, compound_id, own=ctx.user_id, limit=20)).items,
            **_labels(),
        )

    @post("/rewards/{reward_id:uuid}/redeem", guards=[requires("co_building.reward", "write")])
    async def redeem(
        self,
        request: Request,
        compound_id: uuid.UUID,
        reward_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Spend my points on a reward (asked to confirm first)."""
        step = await confirmation(request, REDEEM_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        values = await form_values(request)
        await services.redeem(
            ctx.session, ctx, compound_id, reward_id, to_input({"quantity": values.get("quantity", 1)}, s.RedeemIn), for_others=False
        )
        return done(request, f"/portal/compounds/{compound_id}/co_building/points", "saved")


C = "/console/compounds/{compound_id}/co_building"
P = "/portal/compounds/{compound_id}/co_building"
PAGES: list[dict] = [
    {
        "path": C + "/volunteers",
        "label_zh": "红色志愿者",
        "label_en": "Red volunteers",
        "permission": "co_building.volunteer:read",
        "portal": False,
    },
    {
        "path": C + "/activities",
        "label_zh": "志愿活动",
        "label_en": "Volunteer activities",
        "permission": "co_building.activity:read",
        "portal": False,
    },
    {"path": C + "/points", "label_zh": "积分台账", "label_en": "Points ledger", "permission": "co_building.points:read", "portal": False},
    {"path": C + "/rewards", "label_zh": "积分商城", "label_en": "Rewards shop", "permission": "co_building.reward:read", "portal": False},
    {
        "path": C + "/rankings",
        "label_zh": "志愿排行",
        "label_en": "Volunteer rankings",
        "permission": "co_building.volunteer:read",
        "portal": False,
    },
    {
        "path": DISTRICT_PAGE,
        "label_zh": "辖区志愿排行",
        "label_en": "Volunteer rankings (district)",
        "permission": "co_building.volunteer:read",
        "portal": False,
    },
    {
        "path": P + "/activities",
        "label_zh": "志愿活动",
        "label_en": "Volunteering",
        "permission": "co_building.activity:read",
        "portal": True,
    },
    {"path": P + "/points", "label_zh": "我的积分", "label_en": "My points", "permission": "co_building.points:read", "portal": True},
]
HANDLERS: list = [VolunteerConsolePages, DistrictVolunteerPages, VolunteerPortalPages]
