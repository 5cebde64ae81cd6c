"""co_building HTTP handlers of red volunteers, points and rewards (thin; the rules are in services.volunteers)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import QueryParameter

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page
from core.problems import invalid
from core.web.qr import qr_svg
from plugins.co_building.models.volunteers import REDEMPTION_STATES, Volunteer, VolunteerActivity
from plugins.co_building.schemas import volunteers as s
from plugins.co_building.services import volunteers as services
from plugins.co_building.services.featured import found, own_user

P = "/api/v1/compounds/{compound_id:uuid}/co_building"
DISTRICT_RANKINGS = "/api/v1/co_building/volunteers/rankings"


class VolunteersController(Controller):
    path = P
    tags = ["co_building: red volunteers"]

    @get("/volunteer-teams", operation_id="coBuildingListTeams", guards=[requires("co_building.volunteer", "read")])
    async def list_teams(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.TeamOut]:
        """Volunteer teams by name with their active members."""
        return await services.teams(ctx.session, limit=limit, offset=offset)

    @post("/volunteer-teams", operation_id="coBuildingCreateTeam", guards=[requires("co_building.volunteer", "approve")])
    async def create_team(self, compound_id: uuid.UUID, data: s.TeamIn, ctx: RequestContext) -> s.TeamOut:
        """Form a volunteer team."""
        team = await services.create_team(ctx.session, compound_id, data)
        return s.TeamOut(id=team.id, name=team.name, description=team.description)

    @get("/volunteers", operation_id="coBuildingListVolunteers", guards=[requires("co_building.volunteer", "read")])
    async def list_volunteers(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        team_id: uuid.UUID | None = None,
        include_inactive: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.VolunteerOut]:
        """Volunteer profiles (a resident sees their own); phone and party membership only with co_building.volunteer_pii."""
        return await services.volunteers(
            ctx.session,
            compound_id,
            own=own_user(ctx),
            show_pii=ctx.can("co_building.volunteer_pii", "read"),
            team_id=team_id,
            include_inactive=include_inactive,
            limit=limit,
            offset=offset,
        )

    @post("/volunteers", operation_id="coBuildingRegisterVolunteer", guards=[requires("co_building.volunteer", "write")])
    async def register(
        self,
        compound_id: uuid.UUID,
        data: s.VolunteerIn,
        ctx: RequestContext,
    ) -> s.VolunteerOut:
        """A resident registers as a volunteer; organisers register a resident or a staff member."""
        others = ctx.can("co_building.volunteer", "approve")
        row = await services.register_volunteer(ctx.session, ctx, compound_id, data, for_others=others)
        return services.volunteer_out(row, show_pii=True)

    @patch(
        "/volunteers/{volunteer_id:uuid}", operation_id="coBuildingUpdateVolunteer", guards=[requires("co_building.volunteer", "approve")]
    )
    async def update(
        self,
        compound_id: uuid.UUID,
        volunteer_id: uuid.UUID,
        data: s.VolunteerPatch,
        ctx: RequestContext,
    ) -> s.VolunteerOut:
        """Change a profile: team, skills, party membership, active."""
        row = await services.update_volunteer(ctx.session, compound_id, volunteer_id, data)
        return services.volunteer_out(row, show_pii=ctx.can("co_building.volunteer_pii", "read"))

    @get("/volunteer-rankings", operation_id="coBuildingVolunteerRankings", guards=[requires("co_building.volunteer", "read")])
    async def rankings(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        area: Annotated[Literal["compound", "district"], QueryParameter(name="scope")] = "compound",
        by: Literal["hours", "points"] = "hours",
        start: dt.date | None = None,
        end: dt.date | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RankingRow]:
        """The compound's volunteers ranked by hours served or points earned (start inclusive, end exclusive); the
        district-wide ranking is ``GET /api/v1/co_building/volunteers/rankings`` (this route sees its compound alone)."""
        if area == "district":
            raise invalid(
                "scope", f"a compound route ranks its own compound; the district-wide ranking is {DISTRICT_RANKINGS}?scope=district"
            )
        return await services.rankings(ctx.session, compound_id, by=by, start=start, end=end, limit=limit, offset=offset)


class DistrictVolunteersController(Controller):
    """Routes without a compound: the caller's unit of work covers every compound they reach."""

    path = DISTRICT_RANKINGS
    tags = ["co_building: red volunteers"]

    @get("/", operation_id="coBuildingDistrictVolunteerRankings", guards=[requires("co_building.volunteer", "read")])
    async def rankings(
        self,
        ctx: RequestContext,
        area: Annotated[Literal["district"], QueryParameter(name="scope")] = "district",
        by: Literal["hours", "points"] = "hours",
        district_id: uuid.UUID | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RankingRow]:
        """Volunteers of every compound the caller reaches where co_building is on (a district's, an enterprise's),
        ranked together by hours served or points earned; ``district_id`` keeps one district's compounds."""
        return await services.district_rankings(ctx, by=by, start=start, end=end, district_id=district_id, limit=limit, offset=offset)


class ActivitiesController(Controller):
    path = P + "/activities"
    tags = ["co_building: red volunteers"]

    @get("/", operation_id="coBuildingListActivities", guards=[requires("co_building.activity", "read")])
    async def list_activities(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        upcoming: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.ActivityOut]:
        """Volunteer activities with places taken and the waiting list's length; the caller's own sign-up included."""
        return await services.activities(ctx.session, compound_id, me=ctx.user_id, upcoming=upcoming, limit=limit, offset=offset)

    @post("/", operation_id="coBuildingCreateActivity", guards=[requires("co_building.activity", "approve")])
    async def create_activity(
        self,
        compound_id: uuid.UUID,
        data: s.ActivityIn,
        ctx: RequestContext,
    ) -> s.ActivityOut:
        """Organise an activity with a capacity and an earning rule (points per hour or fixed)."""
        row = await services.create_activity(ctx.session, ctx, compound_id, data)
        return services.activity_out(row, 0)

    @get("/{activity_id:uuid}", operation_id="coBuildingGetActivity", guards=[requires("co_building.activity", "read")])
    async def get_activity(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.ActivityOut:
        """One activity, with the caller's own sign-up and waiting position."""
        return await services.get_activity(ctx.session, compound_id, activity_id, me=ctx.user_id)

    @post(
        "/{activity_id:uuid}/cancel",
        operation_id="coBuildingCancelActivity",
        guards=[requires("co_building.activity", "approve")],
        status_code=200,
    )
    async def cancel_activity(self, compound_id: uuid.UUID, activity_id: uuid.UUID, ctx: RequestContext) -> s.ActivityOut:
        """Call the activity off before it starts; everyone signed up or waiting is told."""
        await services.cancel_activity(ctx.session, compound_id, activity_id)
        return await services.get_activity(ctx.session, compound_id, activity_id)

    @get(
        "/{activity_id:uuid}/qr.svg",
        operation_id="coBuildingActivityQr",
        guards=[requires("co_building.activity", "approve")],
        media_type="image/svg+xml",
    )
    async def qr(self, request: Request, compound_id: uuid.UUID, activity_id: uuid.UUID, ctx: RequestContext) -> Response[str]:
        """The check-in QR code to show on site (organisers only: it carries the activity's secret token)."""
        activity = await found(ctx.session, VolunteerActivity, compound_id, activity_id, "activity")
        return Response(
            str(qr_svg(services.checkin_url(str(request.base_url), compound_id, activity))),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store"},
        )

    @get("/{activity_id:uuid}/signups", operation_id="coBuildingListSignups", guards=[requires("co_building.activity", "read")])
    async def list_signups(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        ctx: RequestContext,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.SignupOut]:
        """Places and the waiting list in order, each waiting sign-up with its position; a resident sees only their own."""
        own = None if ctx.can("co_building.activity", "approve") else ctx.user_id
        await found(ctx.session, VolunteerActivity, compound_id, activity_id, "activity")
        return await services.signup_page(ctx.session, activity_id, own=own, limit=limit, offset=offset)

    @post("/{activity_id:uuid}/signups", operation_id="coBuildingSignUp", guards=[requires("co_building.activity", "write")])
    async def sign_up(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        data: s.SignupIn,
        ctx: RequestContext,
    ) -> s.SignupOut:
        """Sign up (or join the waiting list when full); 409 for a second sign-up of the same volunteer."""
        others = ctx.can("co_building.activity", "approve")
        return await services.sign_up(ctx.session, ctx, compound_id, activity_id, data, for_others=others)

    @post(
        "/{activity_id:uuid}/signups/{signup_id:uuid}/cancel",
        operation_id="coBuildingCancelSignup",
        guards=[requires("co_building.activity", "write")],
        status_code=200,
    )
    async def cancel_signup(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        signup_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.SignupOut:
        """Cancel a sign-up; the first on the waiting list moves up and is told."""
        others = ctx.can("co_building.activity", "approve")
        await services.cancel_signup(ctx.session, ctx, compound_id, activity_id, signup_id, for_others=others)
        return await services.get_signup(ctx.session, compound_id, signup_id)

    @post(
        "/{activity_id:uuid}/attend",
        operation_id="coBuildingAttendByToken",
        guards=[requires("co_building.activity", "write")],
        status_code=200,
    )
    async def attend(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        data: s.CheckInIn,
        ctx: RequestContext,
    ) -> s.SignupOut:
        """The volunteer scanned the QR code: check in, or check out when already checked in (hours and points then)."""
        row = await services.attend_by_token(ctx.session, ctx, compound_id, activity_id, data.token)
        return await services.get_signup(ctx.session, compound_id, row.id)

    @post(
        "/{activity_id:uuid}/signups/{signup_id:uuid}/check-in",
        operation_id="coBuildingCheckIn",
        guards=[requires("co_building.activity", "approve")],
        status_code=200,
    )
    async def check_in(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        signup_id: uuid.UUID,
        data: s.AttendanceIn,
        ctx: RequestContext,
    ) -> s.SignupOut:
        """An organiser checks a volunteer in."""
        await services.record_attendance(ctx.session, ctx, compound_id, activity_id, signup_id, "check_in", data.at)
        return await services.get_signup(ctx.session, compound_id, signup_id)

    @post(
        "/{activity_id:uuid}/signups/{signup_id:uuid}/check-out",
        operation_id="coBuildingCheckOut",
        guards=[requires("co_building.activity", "approve")],
        status_code=200,
    )
    async def check_out(
        self,
        compound_id: uuid.UUID,
        activity_id: uuid.UUID,
        signup_id: uuid.UUID,
        data: s.AttendanceIn,
        ctx: RequestContext,
    ) -> s.SignupOut:
        """An organiser checks a volunteer out: hours served and points earned are recorded (409 before check-in)."""
        await services.record_attendance(ctx.session, ctx, compound_id, activity_id, signup_id, "check_out", data.at)
        return await services.get_signup(ctx.session, compound_id, signup_id)


class PointsController(Controller):
    path = P
    tags = ["co_building: points and rewards"]

    @get("/points/ledger", operation_id="coBuildingPointsLedger", guards=[requires("co_building.points", "read")])
    async def list_ledger(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        volunteer_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.LedgerEntryOut]:
        """The points ledger (积分台账), newest first; a resident sees their own lines."""
        return await services.ledger(ctx.session, compound_id, own=own_user(ctx), volunteer_id=volunteer_id, limit=limit, offset=offset)

    @get("/points/balance", operation_id="coBuildingMyPoints", guards=[requires("co_building.points", "read")])
    async def my_balance(self, compound_id: uuid.UUID, ctx: RequestContext) -> s.BalanceOut:
        """The caller's own balance and hours served."""
        return await services.balance(ctx.session, compound_id, ctx.user_id)

    @post("/points/adjustments", operation_id="coBuildingAdjustPoints", guards=[requires("co_building.points", "write")])
    async def adjust(self, compound_id: uuid.UUID, data: s.AdjustmentIn, ctx: RequestContext) -> s.LedgerEntryOut:
        """A manual correction as a new ledger line (never an edit); a debit beyond the balance is refused."""
        entry = await services.adjust_points(ctx.session, ctx, compound_id, data)
        volunteer = await found(ctx.session, Volunteer, compound_id, entry.volunteer_id, "volunteer")
        return services.ledger_entry_out(entry, volunteer.name)

    @get("/rewards", operation_id="coBuildingListRewards", guards=[requires("co_building.reward", "read")])
    async def list_rewards(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        include_inactive: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RewardOut]:
        """The rewards shop: items, their price in points and the stock."""
        return await services.rewards(ctx.session, compound_id, active_only=not include_inactive, limit=limit, offset=offset)

    @post("/rewards", operation_id="coBuildingCreateReward", guards=[requires("co_building.reward", "approve")])
    async def create_reward(self, compound_id: uuid.UUID, data: s.RewardIn, ctx: RequestContext) -> s.RewardOut:
        """Offer a reward (price at least one point, stock not negative)."""
        return services.reward_out(await services.create_reward(ctx.session, compound_id, data))

    @patch("/rewards/{reward_id:uuid}", operation_id="coBuildingUpdateReward", guards=[requires("co_building.reward", "approve")])
    async def update_reward(self, compound_id: uuid.UUID, reward_id: uuid.UUID, data: s.RewardPatch, ctx: RequestContext) -> s.RewardOut:
        """Change the price, restock, or withdraw a reward."""
        return services.reward_out(await services.update_reward(ctx.session, compound_id, reward_id, data))

    @post("/rewards/{reward_id:uuid}/redeem", operation_id="coBuildingRedeem", guards=[requires("co_building.reward", "write")])
    async def redeem(
        self,
        compound_id: uuid.UUID,
        reward_id: uuid.UUID,
        data: s.RedeemIn,
        ctx: RequestContext,
    ) -> s.RedemptionOut:
        """Spend points on a reward; 409 when the balance or the stock is short (nothing is written)."""
        others = ctx.can("co_building.reward", "approve")
        row = await services.redeem(ctx.session, ctx, compound_id, reward_id, data, for_others=others)
        return await _redemption(ctx, compound_id, row.id)

    @get("/redemptions", operation_id="coBuildingListRedemptions", guards=[requires("co_building.reward", "read")])
    async def list_redemptions(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RedemptionOut]:
        """Redemptions, newest first; a resident sees their own."""
        status = one_of("status", status, REDEMPTION_STATES)
        return await services.redemptions(ctx.session, compound_id, own=own_user(ctx), status=status, limit=limit, offset=offset)

    @post(
        "/redemptions/{redemption_id:uuid}/deliver",
        operation_id="coBuildingDeliverRedemption",
        guards=[requires("co_building.reward", "approve")],
        status_code=200,
    )
    async def deliver(
        self,
        compound_id: uuid.UUID,
        redemption_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.RedemptionOut:
        """The reward was handed over."""
        await services.move_redemption(ctx.session, ctx, compound_id, redemption_id, "deliver")
        return await _redemption(ctx, compound_id, redemption_id)

    @post(
        "/redemptions/{redemption_id:uuid}/cancel",
        operation_id="coBuildingCancelRedemption",
        guards=[requires("co_building.reward", "approve")],
        status_code=200,
    )
    async def cancel(
        self,
        compound_id: uuid.UUID,
        redemption_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.RedemptionOut:
        """Cancel a pending redemption: the items go back to stock and the points come back as a refund line."""
        await services.move_redemption(ctx.session, ctx, compound_id, redemption_id, "cancel")
        return await _redemption(ctx, compound_id, redemption_id)


async def _redemption(ctx: RequestContext, compound_id: uuid.UUID, redemption_id: uuid.UUID) -> s.RedemptionOut:
    return (await services.redemptions(ctx.session, compound_id, own=None, redemption_id=redemption_id, limit=1)).items[0]


ROUTE_HANDLERS: list = [VolunteersController, DistrictVolunteersController, ActivitiesController, PointsController]
