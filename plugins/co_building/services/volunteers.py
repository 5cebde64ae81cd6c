"""Red volunteers (红色志愿), without HTTP: profiles and teams, activities with capacity and a waiting list,
check-in and check-out by QR code, service hours, the append-only points ledger (积分), the rewards shop and rankings.

Places in an activity, reward stock and points balances are changed only by
conditional updates (``… WHERE signed_up < capacity``, ``… WHERE stock >= n``,
``… WHERE points_balance + delta >= 0``): two requests at the same moment
cannot overfill an activity, oversell a reward or spend the same points twice,
on SQLite (one writer at a time) as on PostgreSQL (row locks, re-checked
conditions).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core import access
from core.clock import now
from core.context import RequestContext
from core.events.services import emit
from core.identity.models import User
from core.identity.principal import Principal
from core.ids import uuid7
from core.notifications.services import notify
from core.pagination import Page, paginate
from core.problems import Problem, conflict, invalid, not_found
from core.security import mask_phone
from core.settings import get_settings
from core.states import StateMachine
from plugins.co_building.models.volunteers import (
    ActivitySignup,
    PointsEntry,
    Redemption,
    Reward,
    Volunteer,
    VolunteerActivity,
    VolunteerTeam,
)
from plugins.co_building.schemas import volunteers as s
from plugins.co_building.services.common import MODULE
from plugins.co_building.services.featured import aware, compound_zone, found, in_compound, my_resident, transition
from tenants.models import Compound, Household, Resident

MAX_CAPACITY = 10_000
MAX_POINTS_VALUE = 1_000
MAX_ADJUSTMENT = 100_000
MAX_REWARD_COST = 1_000_000
MAX_QUANTITY = 100
CHECK_IN_OPENS = dt.timedelta(hours=1)
"""Volunteers may check in from an hour before the activity starts."""
HOURS = Decimal("0.01")

SIGNUPS = StateMachine(
    "sign-up",
    {
        "waiting": {"promote": "signed_up", "cancel": "cancelled"},
        "signed_up": {"check_in": "checked_in", "cancel": "cancelled"},
        "checked_in": {"check_out": "checked_out"},
        "checked_out": {},
        "cancelled": {},
    },
)
"""signed up (or waiting → moved up) → checked in → checked out; cancelled before check-in."""
PLACE_HOLDING = ("signed_up", "checked_in", "checked_out")
LIVE = ("waiting", *PLACE_HOLDING)
REDEMPTIONS = StateMachine("redemption", {"pending": {"deliver": "delivered", "cancel": "cancelled"}, "delivered": {}, "cancelled": {}})


# --------------------------------------------------------------------------- teams


async def create_team(session: AsyncSession, compound_id: uuid.UUID, data: s.TeamIn) -> VolunteerTeam:
    if await session.scalar(select(VolunteerTeam.id).where(VolunteerTeam.name == data.name)):
        raise conflict(f"a team named {data.name} exists", errors=[{"field": "name", "message": "already exists"}])
    row = VolunteerTeam(compound_id=compound_id, name=data.name, description=data.description)
    session.add(row)
    await session.flush()
    return row


async def teams(session: AsyncSession, *, limit: int = 50, offset: int = 0) -> Page[s.TeamOut]:
    """The compound's teams by name, each with its count of active members (two statements whatever the page size)."""
    rows, total = await paginate(session, select(VolunteerTeam).order_by(VolunteerTeam.name, VolunteerTeam.id), limit, offset)
    counts = dict(
        (
            await session.execute(
                select(Volunteer.team_id, func.count())
                .where(Volunteer.active.is_(True), Volunteer.team_id.in_([t.id for t in rows]))
                .group_by(Volunteer.team_id)
            )
        ).all()
    )
    items = [s.TeamOut(id=t.id, name=t.name, description=t.description, members=counts.get(t.id, 0)) for t in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


# --------------------------------------------------------------------------- volunteers


async def _user_free(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> None:
    existing = await session.scalar(select(Volunteer.id).where(Volunteer.user_id == user_id))
    if existing:
        raise conflict(
            "this person is already registered as a volunteer here",
            errors=[{"field": "user_id", "message": "already registered"}],
            volunteer_id=str(existing),
        )


async def register_volunteer(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, data: s.VolunteerIn, *, for_others: bool
) -> Volunteer:
    """A resident registers themself; organisers (``for_others``) register a resident or a staff member."""
    if data.team_id is not None:
        await in_compound(session, VolunteerTeam, compound_id, data.team_id, "team_id", "team")
    if not for_others or (data.resident_id is None and data.user_id is None and data.name is None):
        resident = await my_resident(session, compound_id, principal.user_id)
        if resident is None:
            raise invalid("resident_id", "you are not registered as a resident of this compound")
        user_id: uuid.UUID | None = principal.user_id
        name, phone, resident_id = resident.name, data.phone or resident.phone, resident.id
        if not for_others:  # a resident does not put themself into a team or declare a party role for the record
            data = s.VolunteerIn(phone=data.phone, is_party_member=data.is_party_member, skills=data.skills)
    elif data.resident_id is not None:
        resident = await in_compound(session, Resident, compound_id, data.resident_id, "resident_id", "resident")
        user_id, name, phone, resident_id = resident.user_id, data.name or resident.name, data.phone or resident.phone, resident.id
    else:
        if data.user_id is not None and await session.get(User, data.user_id) is None:
            raise invalid("user_id", "no such user")
        if not data.name:
            raise invalid("name", "name the volunteer")
        user_id, name, phone, resident_id = data.user_id, data.name, data.phone, None
    if user_id is not None:
        await _user_free(session, compound_id, user_id)
    if resident_id is not None and await session.scalar(select(Volunteer.id).where(Volunteer.resident_id == resident_id)):
        raise conflict(
            "this resident is already registered as a volunteer", errors=[{"field": "resident_id", "message": "already registered"}]
        )
    row = Volunteer(
        id=uuid7(),
        compound_id=compound_id,
        user_id=user_id,
        resident_id=resident_id,
        name=name,
        phone=phone,
        is_party_member=data.is_party_member,
        team_id=data.team_id,
        team_role=data.team_role,
        skills=data.skills,
        active=True,
        points_balance=0,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise conflict(
            "this person is already registered as a volunteer here", errors=[{"field": "user_id", "message": "already registered"}]
        ) from None
    return row


async def update_volunteer(session: AsyncSession, compound_id: uuid.UUID, volunteer_id: uuid.UUID, data: s.VolunteerPatch) -> Volunteer:
    row = await found(session, Volunteer, compound_id, volunteer_id, "volunteer")
    if data.team_id is not None:
        await in_compound(session, VolunteerTeam, compound_id, data.team_id, "team_id", "team")
    for key in ("phone", "is_party_member", "team_id", "team_role", "skills", "active"):
        value = getattr(data, key)
        if value is not None:
            setattr(row, key, value)
    await session.flush()
    return row


def volunteer_out(row: Volunteer, *, show_pii: bool) -> s.VolunteerOut:
    """Phone and party membership only for roles holding ``co_building.volunteer_pii`` (and the volunteer themself)."""
    return s.VolunteerOut(
        id=row.id,
        compound_id=row.compound_id,
        name=row.name,
        user_id=row.user_id,
        resident_id=row.resident_id,
        team_id=row.team_id,
        team_role=row.team_role,
        skills=row.skills,
        active=row.active,
        points_balance=row.points_balance,
        phone=row.phone if show_pii else mask_phone(row.phone),
        is_party_member=row.is_party_member if show_pii else None,
        masked=not show_pii,
    )


async def volunteers(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    own: uuid.UUID | None,
    show_pii: bool,
    team_id: uuid.UUID | None = None,
    include_inactive: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.VolunteerOut]:
    stmt = select(Volunteer).order_by(Volunteer.name, Volunteer.id)
    if own is not None:
        stmt = stmt.where(Volunteer.user_id == own)
    if team_id is not None:
        stmt = stmt.where(Volunteer.team_id == team_id)
    if not include_inactive:
        stmt = stmt.where(Volunteer.active.is_(True))
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[volunteer_out(v, show_pii=show_pii or own is not None) for v in rows], total=total, limit=limit, offset=offset)


async def my_volunteer(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> Volunteer | None:
    return await session.scalar(select(Volunteer).where(Volunteer.user_id == user_id))


async def _volunteer_for(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, volunteer_id: uuid.UUID | None, *, for_others: bool, create: bool
) -> Volunteer:
    """The volunteer an action is for: the one named (organisers), else the caller's own profile (made on first sign-up)."""
    if for_others and volunteer_id is not None:
        volunteer = await in_compound(session, Volunteer, compound_id, volunteer_id, "volunteer_id", "volunteer")
    else:
        volunteer = await my_volunteer(session, compound_id, principal.user_id)
        if volunteer is None and create:
            volunteer = await register_volunteer(session, principal, compound_id, s.VolunteerIn(), for_others=False)
        if volunteer is None:
            raise invalid("volunteer_id", "you have no volunteer profile in this compound")
    if not volunteer.active:
        raise invalid("volunteer_id", "the volunteer profile is inactive")
    return volunteer


# --------------------------------------------------------------------------- activities


def _check_points(value: int) -> None:
    if not 0 <= value <= MAX_POINTS_VALUE:
        raise invalid("points_value", f"must be from 0 to {MAX_POINTS_VALUE} points")


async def create_activity(session: AsyncSession, principal: Principal, compound_id: uuid.UUID, data: s.ActivityIn) -> VolunteerActivity:
    """An activity with its capacity and points rule; its check-in token is a fresh secret."""
    zone = await compound_zone(session, compound_id)
    starts, ends = aware(data.starts_at, zone), aware(data.ends_at, zone)
    if ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    if ends <= now():
        raise invalid("ends_at", "the activity would be over already")
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise invalid("capacity", f"must be from 1 to {MAX_CAPACITY}")
    _check_points(data.points_value)
    if data.team_id is not None:
        await in_compound(session, VolunteerTeam, compound_id, data.team_id, "team_id", "team")
    row = VolunteerActivity(
        id=uuid7(),
        compound_id=compound_id,
        title=data.title,
        description=data.description,
        place=data.place,
        team_id=data.team_id,
        starts_at=starts,
        ends_at=ends,
        capacity=data.capacity,
        signed_up=0,
        points_rule=data.points_rule,
        points_value=data.points_value,
        checkin_token=secrets.token_urlsafe(24),
        status="open",
        created_by=principal.user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def cancel_activity(session: AsyncSession, compound_id: uuid.UUID, activity_id: uuid.UUID) -> VolunteerActivity:
    """Call an activity off before it starts; everyone signed up or waiting is told."""
    activity = await found(session, VolunteerActivity, compound_id, activity_id, "activity")
    if activity.status != "open":
        raise Problem(
            409,
            "illegal-transition",
            "Illegal state transition",
            f"the activity is {activity.status}",
            state=activity.status,
            action="cancel",
            allowed=[],
        )
    if now() >= activity.starts_at:
        raise Problem(
            409, "activity-started", "The activity has started", "an activity cannot be called off once it has started", allowed=[]
        )
    signups = (
        await session.scalars(
            select(ActivitySignup).where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.status.in_(("waiting", "signed_up")),
            )
        )
    ).all()
    users = []
    for signup in signups:
        signup.status, signup.cancelled_at = "cancelled", now()
        volunteer = await session.get(Volunteer, (compound_id, signup.volunteer_id))
        if volunteer is not None and volunteer.user_id:
            users.append(volunteer.user_id)
    activity.status, activity.signed_up = "cancelled", 0
    await session.flush()
    if users:
        await notify(
            session,
            users,
            "co_building.activity_cancelled",
            f"志愿活动取消 / Activity called off: {activity.title}",
            activity.title,
            link=f"/portal/compounds/{compound_id}/co_building/activities",
            compound_id=compound_id,
        )
    return activity


async def _waiting_counts(session: AsyncSession, compound_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    return dict(
        (
            await session.execute(
                select(ActivitySignup.activity_id, func.count())
                .where(ActivitySignup.activity_id.in_(ids), ActivitySignup.status == "waiting")
                .group_by(ActivitySignup.activity_id)
            )
        ).all()
    )


def activity_out(row: VolunteerActivity, waiting: int, mine: s.SignupOut | None = None) -> s.ActivityOut:
    return s.ActivityOut(
        id=row.id,
        compound_id=row.compound_id,
        title=row.title,
        description=row.description,
        place=row.place,
        team_id=row.team_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        signed_up=row.signed_up,
        waiting=waiting,
        points_rule=row.points_rule,
        points_value=row.points_value,
        status=row.status,
        my_signup=mine,
    )


async def activities(
    session: AsyncSession, compound_id: uuid.UUID, *, me: uuid.UUID | None = None, upcoming: bool = False, limit: int = 50, offset: int = 0
) -> Page[s.ActivityOut]:
    """Activities, soonest first when ``upcoming`` (not yet over), else latest first; ``me`` adds the caller's own sign-up."""
    stmt = select(VolunteerActivity)
    if upcoming:
        stmt = stmt.where(VolunteerActivity.ends_at > now(), VolunteerActivity.status == "open").order_by(
            VolunteerActivity.starts_at, VolunteerActivity.id
        )
    else:
        stmt = stmt.order_by(VolunteerActivity.starts_at.desc(), VolunteerActivity.id)
    rows, total = await paginate(session, stmt, limit, offset)
    waiting = await _waiting_counts(session, compound_id, [a.id for a in rows])
    mine: dict[uuid.UUID, s.SignupOut] = {}
    if me is not None:
        volunteer = await my_volunteer(session, compound_id, me)
        if volunteer is not None:
            for item in await signups(session, compound_id, activity_ids=[a.id for a in rows], volunteer_id=volunteer.id, live_only=True):
                mine[item.activity_id] = item
    return Page(items=[activity_out(a, waiting.get(a.id, 0), mine.get(a.id)) for a in rows], total=total, limit=limit, offset=offset)


async def get_activity(
    session: AsyncSession, compound_id: uuid.UUID, activity_id: uuid.UUID, *, me: uuid.UUID | None = None
) -> s.ActivityOut:
    row = await found(session, VolunteerActivity, compound_id, activity_id, "activity")
    mine = None
    if me is not None:
        volunteer = await my_volunteer(session, compound_id, me)
        if volunteer is not None:
            found_ = await signups(session, compound_id, activity_ids=[row.id], volunteer_id=volunteer.id, live_only=True)
            mine = found_[0] if found_ else None
    return activity_out(row, (await _waiting_counts(session, compound_id, [row.id])).get(row.id, 0), mine)


def checkin_url(site: str, compound_id: uuid.UUID, activity: VolunteerActivity) -> str:
    """What the QR code on site says: the portal page (on ``site``, e.g. ``https://wuye.example.cn``) that checks
    the scanning volunteer in, or out."""
    return f"{site.rstrip('/')}/portal/compounds/{compound_id}/co_building/activities/{activity.id}/attend?token={activity.checkin_token}"


# --------------------------------------------------------------------------- sign-ups and the waiting list


def _ahead_of(signup: Any) -> Any:
    """Waiting sign-ups of the same activity queued before ``signup`` (or at the same moment with a smaller id)."""
    return and_(
        ActivitySignup.activity_id == signup.activity_id,
        ActivitySignup.status == "waiting",
        or_(
            ActivitySignup.queued_at < signup.queued_at,
            and_(ActivitySignup.queued_at == signup.queued_at, ActivitySignup.id < signup.id),
        ),
    )


async def _waiting_position(session: AsyncSession, signup: ActivitySignup) -> int | None:
    if signup.status != "waiting":
        return None
    ahead = await session.scalar(select(func.count()).select_from(ActivitySignup).where(_ahead_of(signup)))
    return int(ahead or 0) + 1


async def _waiting_positions(session: AsyncSession, rows: list[ActivitySignup]) -> dict[uuid.UUID, int]:
    """Each waiting sign-up's place on its activity's waiting list, in one statement for any number of rows."""
    if not rows:
        return {}
    waiting = [r.id for r in rows if r.status == "waiting"]  # asked even when empty: a page costs the same with or without
    me = aliased(ActivitySignup)
    stmt = (
        select(me.id, func.count(ActivitySignup.id))
        .select_from(me)
        .outerjoin(ActivitySignup, _ahead_of(me))
        .where(me.id.in_(waiting))
        .group_by(me.id)
    )
    return {sid: int(ahead) + 1 for sid, ahead in (await session.execute(stmt)).all()}


def _signups_query(
    activity_ids: list[uuid.UUID] | None, volunteer_id: uuid.UUID | None, own: uuid.UUID | None, live_only: bool
) -> Select[Any]:
    stmt = (
        select(ActivitySignup, Volunteer.name)
        .join(Volunteer, (Volunteer.compound_id == ActivitySignup.compound_id) & (Volunteer.id == ActivitySignup.volunteer_id))
        .order_by(ActivitySignup.activity_id, (ActivitySignup.status == "waiting"), ActivitySignup.queued_at, ActivitySignup.id)
    )
    if activity_ids is not None:
        stmt = stmt.where(ActivitySignup.activity_id.in_(activity_ids))
    if volunteer_id is not None:
        stmt = stmt.where(ActivitySignup.volunteer_id == volunteer_id)
    if own is not None:
        stmt = stmt.where(Volunteer.user_id == own)
    if live_only:
        stmt = stmt.where(ActivitySignup.status != "cancelled")
    return stmt


async def signups(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    activity_ids: list[uuid.UUID] | None = None,
    volunteer_id: uuid.UUID | None = None,
    own: uuid.UUID | None = None,
    live_only: bool = False,
) -> list[s.SignupOut]:
    """Sign-ups in order: places first, then the waiting list in its order (each with its position)."""
    rows = (await session.execute(_signups_query(activity_ids, volunteer_id, own, live_only))).all()
    positions = await _waiting_positions(session, [signup for signup, _ in rows])
    return [signup_out(signup, name, positions.get(signup.id)) for signup, name in rows]


async def signup_page(
    session: AsyncSession, activity_id: uuid.UUID, *, own: uuid.UUID | None, limit: int = 50, offset: int = 0
) -> Page[s.SignupOut]:
    """One page of an activity's sign-ups (places, then the waiting list); a resident's own only when ``own``."""
    rows, total = await paginate(session, _signups_query([activity_id], None, own, False), limit, offset)
    positions = await _waiting_positions(session, [signup for signup, _ in rows])
    items = [signup_out(signup, name, positions.get(signup.id)) for signup, name in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


async def get_signup(session: AsyncSession, compound_id: uuid.UUID, signup_id: uuid.UUID) -> s.SignupOut:
    signup = await found(session, ActivitySignup, compound_id, signup_id, "sign-up")
    volunteer = await found(session, Volunteer, compound_id, signup.volunteer_id, "volunteer")
    return signup_out(signup, volunteer.name, await _waiting_position(session, signup))


def signup_out(row: ActivitySignup, name: str, position: int | None) -> s.SignupOut:
    return s.SignupOut(
        id=row.id,
        activity_id=row.activity_id,
        volunteer_id=row.volunteer_id,
        volunteer_name=name,
        status=row.status,
        waiting_position=position,
        queued_at=row.queued_at,
        checked_in_at=row.checked_in_at,
        checked_out_at=row.checked_out_at,
        hours=row.hours,
        points=row.points,
    )


async def _take_place(session: AsyncSession, activity: VolunteerActivity) -> bool:
    taken = await session.execute(
        update(VolunteerActivity)
        .where(
            VolunteerActivity.compound_id == activity.compound_id,
            VolunteerActivity.id == activity.id,
            VolunteerActivity.signed_up < VolunteerActivity.capacity,
        )
        .values(signed_up=VolunteerActivity.signed_up + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)


async def _give_back_place(session: AsyncSession, activity: VolunteerActivity) -> None:
    await session.execute(
        update(VolunteerActivity)
        .where(VolunteerActivity.compound_id == activity.compound_id, VolunteerActivity.id == activity.id, VolunteerActivity.signed_up > 0)
        .values(signed_up=VolunteerActivity.signed_up - 1)
        .execution_options(synchronize_session=False)
    )


def _open_for_signup(activity: VolunteerActivity) -> None:
    if activity.status != "open":
        raise Problem(409, "activity-closed", "The activity is not open", f"the activity is {activity.status}", allowed=[])
    if now() >= activity.starts_at:
        raise Problem(409, "activity-started", "The activity has started", "sign-ups close when the activity starts", allowed=[])


async def sign_up(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, activity_id: uuid.UUID, data: s.SignupIn, *, for_others: bool
) -> s.SignupOut:
    """Take a place, or join the waiting list when the activity is full. Once per volunteer and activity."""
    activity = await found(session, VolunteerActivity, compound_id, activity_id, "activity")
    _open_for_signup(activity)
    volunteer = await _volunteer_for(session, principal, compound_id, data.volunteer_id, for_others=for_others, create=True)
    live = await session.scalar(
        select(ActivitySignup).where(
            ActivitySignup.activity_id == activity.id,
            ActivitySignup.volunteer_id == volunteer.id,
            ActivitySignup.status != "cancelled",
        )
    )
    if live is not None:
        raise conflict(
            f"{volunteer.name} is already {live.status.replace('_', ' ')} for this activity",
            errors=[{"field": "activity_id", "message": "already signed up"}],
            signup_id=str(live.id),
            signup_status=live.status,
        )
    placed = await _take_place(session, activity)
    row = ActivitySignup(
        id=uuid7(),
        compound_id=compound_id,
        activity_id=activity.id,
        volunteer_id=volunteer.id,
        status="signed_up" if placed else "waiting",
        queued_at=now(),
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:  # the same volunteer in a parallel request
        raise conflict(
            f"{volunteer.name} is already signed up for this activity", errors=[{"field": "activity_id", "message": "already signed up"}]
        ) from None
    await session.refresh(activity)
    emit(
        session,
        "co_building.volunteer.signed_up",
        {"activity_id": str(activity.id), "signup_id": str(row.id), "status": row.status},
        compound_id=compound_id,
    )
    return signup_out(row, volunteer.name, await _waiting_position(session, row))


async def _signup_for(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, activity_id: uuid.UUID, signup_id: uuid.UUID, *, for_others: bool
) -> tuple[ActivitySignup, Volunteer]:
    signup = await found(session, ActivitySignup, compound_id, signup_id, "sign-up")
    if signup.activity_id != activity_id:
        raise not_found("sign-up")
    volunteer = await found(session, Volunteer, compound_id, signup.volunteer_id, "volunteer")
    if not for_others and volunteer.user_id != principal.user_id:
        raise not_found("sign-up")
    return signup, volunteer


async def _promote_next(session: AsyncSession, activity: VolunteerActivity) -> ActivitySignup | None:
    """Give a freed place to the first on the waiting list (and tell them). Each step is conditional, so two
    cancellations at the same moment move up two different people."""
    candidates = (
        await session.scalars(
            select(ActivitySignup)
            .where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.status == "waiting",
            )
            .order_by(ActivitySignup.queued_at, ActivitySignup.id)
            .limit(5)
        )
    ).all()
    if not candidates or not await _take_place(session, activity):
        return None
    for candidate in candidates:
        moved = await session.execute(
            update(ActivitySignup)
            .where(
                ActivitySignup.compound_id == candidate.compound_id, ActivitySignup.id == candidate.id, ActivitySignup.status == "waiting"
            )
            .values(status="signed_up")
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount:
            await session.refresh(candidate)
            volunteer = await session.get(Volunteer, (candidate.compound_id, candidate.volunteer_id))
            if volunteer is not None and volunteer.user_id:
                await notify(
                    session,
                    [volunteer.user_id],
                    "co_building.waiting_list_promoted",
                    f"候补转正 / You have a place: {activity.title}",
                    f"{activity.title} · {activity.place}",
                    link=f"/portal/compounds/{activity.compound_id}/co_building/activities",
                    compound_id=activity.compound_id,
                )
            emit(
                session,
                "co_building.volunteer.promoted",
                {"activity_id": str(activity.id), "signup_id": str(candidate.id)},
                compound_id=activity.compound_id,
            )
            return candidate
    await _give_back_place(session, activity)
    return None


async def cancel_signup(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, activity_id: uuid.UUID, signup_id: uuid.UUID, *, for_others: bool
) -> ActivitySignup:
    """Cancel a sign-up before the activity starts; a freed place goes to the first on the waiting list."""
    signup, _ = await _signup_for(session, principal, compound_id, activity_id, signup_id, for_others=for_others)
    target = transition(SIGNUPS, signup.status, "cancel")
    activity = await found(session, VolunteerActivity, compound_id, activity_id, "activity")
    if now() >= activity.starts_at:
        raise Problem(
            409, "activity-started", "The activity has started", "a sign-up cannot be cancelled once the activity has started", allowed=[]
        )
    held_place = signup.status == "signed_up"
    signup.status, signup.cancelled_at = target, now()
    await session.flush()
    if held_place:
        await _give_back_place(session, activity)
        await _promote_next(session, activity)
    await session.refresh(activity)
    return signup


def _hours(activity: VolunteerActivity, checked_in: dt.datetime, checked_out: dt.datetime) -> Decimal:
    """Hours served: from check-in to check-out, at most the activity's scheduled length, to the hundredth."""
    served = min(checked_out - checked_in, activity.ends_at - activity.starts_at)
    return (Decimal(int(served.total_seconds())) / Decimal(3600)).quantize(HOURS, rounding=ROUND_HALF_UP)


def points_for(activity: VolunteerActivity, hours: Decimal) -> int:
    """The activity's earning rule: points per hour served (rounded half up) or a fixed number for taking part."""
    if activity.points_rule == "fixed":
        return activity.points_value
    return int((hours * activity.points_value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def _attend(
    session: AsyncSession,
    principal: Principal,
    activity: VolunteerActivity,
    signup: ActivitySignup,
    volunteer: Volunteer,
    action: str,
    at: dt.datetime,
) -> ActivitySignup:
    target = transition(SIGNUPS, signup.status, action)
    if activity.status != "open":
        raise Problem(409, "activity-closed", "The activity is not open", f"the activity is {activity.status}", allowed=[])
    if action == "check_in":
        if at < activity.starts_at - CHECK_IN_OPENS:
            raise Problem(
                409,
                "check-in-not-open",
                "Check-in is not open yet",
                "check-in opens an hour before the activity starts",
                allowed=["cancel"],
            )
        if at > activity.ends_at:
            raise Problem(409, "activity-over", "The activity is over", "check-in closes when the activity ends", allowed=[])
        signup.checked_in_at = at
    else:
        assert signup.checked_in_at is not None
        if at <= signup.checked_in_at:
            raise invalid("at", "check-out must come after check-in")
        signup.checked_out_at = at
        signup.hours = _hours(activity, signup.checked_in_at, at)
        signup.points = points_for(activity, signup.hours)
    signup.status = target
    await session.flush()
    if action == "check_out":
        if signup.points:
            await post_points(
                session,
                activity.compound_id,
                volunteer.id,
                signup.points,
                "earn",
                f"志愿服务 {activity.title} · {signup.hours} h",
                signup_id=signup.id,
                by=principal.user_id,
            )
        emit(
            session,
            "co_building.volunteer.checked_out",
            {"activity_id": str(activity.id), "signup_id": str(signup.id), "hours": str(signup.hours), "points": signup.points},
            compound_id=activity.compound_id,
        )
    return signup


async def attend_by_token(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, activity_id: uuid.UUID, token: str, action: str | None = None
) -> ActivitySignup:
    """The volunteer scanned the QR code on site: check in, or check out when already in (``action`` forces one)."""
    activity = await found(session, VolunteerActivity, compound_id, activity_id, "activity")
    if not hmac.compare_digest(token.encode(), activity.checkin_token.encode()):
        raise Problem(
            403, "bad-check-in-token", "Wrong check-in code", "this code does not belong to the activity; scan the code shown on site"
        )
    volunteer = await my_volunteer(session, compound_id, principal.user_id)
    signup = None
    if volunteer is not None:
        signup = await session.scalar(
            select(ActivitySignup).where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.volunteer_id == volunteer.id,
                ActivitySignup.status != "cancelled",
            )
        )
    if signup is None or volunteer is None:
        raise invalid("activity_id", "you have not signed up for this activity")
    chosen = action or ("check_out" if signup.status == "checked_in" else "check_in")
    return await _attend(session, principal, activity, signup, volunteer, chosen, now())


async def record_attendance(
    session: AsyncSession,
    principal: Principal,
    compound_id: uuid.UUID,
    activity_id: uuid.UUID,
    signup_id: uuid.UUID,
    action: str,
    at: dt.datetime | None,
) -> ActivitySignup:
    """An organiser checks a volunteer in or out by hand (a phone without the portal, a late record)."""
    signup, volunteer = await _signup_for(session, principal, compound_id, activity_id, signup_id, for_others=True)
    activity = await found(session, VolunteerActivity, compound_id, activity_id, "activity")
    moment = aware(at, await compound_zone(session, compound_id)) if at else now()
    if moment > now() + dt.timedelta(minutes=5):
        raise invalid("at", "cannot be in the future")
    return await _attend(session, principal, activity, signup, volunteer, action, moment)


# --------------------------------------------------------------------------- the points ledger


async def post_points(
    session: AsyncSession,
    compound_id: uuid.UUID,
    volunteer_id: uuid.UUID,
    delta: int,
    kind: str,
    reason: str,
    *,
    signup_id: uuid.UUID | None = None,
    redemption_id: uuid.UUID | None = None,
    by: uuid.UUID | None = None,
) -> PointsEntry:
    """Append a ledger line and move the balance with it. The balance moves by a conditional update, so a debit
    larger than the balance is refused (409) even when two requests spend at the same moment."""
    if delta == 0:
        raise invalid("delta", "must not be zero")
    result = await session.execute(
        update(Volunteer)
        .where(Volunteer.compound_id == compound_id, Volunteer.id == volunteer_id, Volunteer.points_balance + delta >= 0)
        .values(points_balance=Volunteer.points_balance + delta)
        .returning(Volunteer.points_balance)
        .execution_options(synchronize_session=False)
    )
    balance = result.scalar_one_or_none()
    if balance is None:
        current = await session.scalar(select(Volunteer.points_balance).where(Volunteer.id == volunteer_id))
        if current is None:
            raise invalid("volunteer_id", "no such volunteer in this compound")
        raise Problem(
            409,
            "insufficient-points",
            "Not enough points",
            f"this needs {-delta} points; the balance is {current}",
            errors=[{"field": "points", "message": "more than the balance"}],
            balance=current,
            needed=-delta,
        )
    entry = PointsEntry(
        id=uuid7(),
        compound_id=compound_id,
        volunteer_id=volunteer_id,
        delta=delta,
        balance_after=balance,
        kind=kind,
        reason=reason[:300],
        signup_id=signup_id,
        redemption_id=redemption_id,
        created_by=by,
    )
    session.add(entry)
    await session.flush()
    volunteer = await session.get(Volunteer, (compound_id, volunteer_id))
    if volunteer is not None:  # the loaded profile shows the new balance
        await session.refresh(volunteer, ["points_balance"])
    return entry


async def adjust_points(session: AsyncSession, principal: Principal, compound_id: uuid.UUID, data: s.AdjustmentIn) -> PointsEntry:
    """A manual correction (an award for an exemplary deed, a mistake undone): a new line, never an edit."""
    if data.delta == 0 or abs(data.delta) > MAX_ADJUSTMENT:
        raise invalid("delta", f"must be a non-zero number of points up to {MAX_ADJUSTMENT} either way")
    await in_compound(session, Volunteer, compound_id, data.volunteer_id, "volunteer_id", "volunteer")
    return await post_points(session, compound_id, data.volunteer_id, data.delta, "adjust", data.reason, by=principal.user_id)


async def ledger(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    own: uuid.UUID | None,
    volunteer_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.LedgerEntryOut]:
    """Ledger lines, newest first."""
    stmt = (
        select(PointsEntry, Volunteer.name)
        .join(Volunteer, (Volunteer.compound_id == PointsEntry.compound_id) & (Volunteer.id == PointsEntry.volunteer_id))
        .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())
    )
    if own is not None:
        stmt = stmt.where(Volunteer.user_id == own)
    if volunteer_id is not None:
        stmt = stmt.where(PointsEntry.volunteer_id == volunteer_id)
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[ledger_entry_out(e, name) for e, name in rows], total=total, limit=limit, offset=offset)


def ledger_entry_out(e: PointsEntry, volunteer_name: str) -> s.LedgerEntryOut:
    return s.LedgerEntryOut(
        id=e.id,
        volunteer_id=e.volunteer_id,
        volunteer_name=volunteer_name,
        delta=e.delta,
        balance_after=e.balance_after,
        kind=e.kind,
        reason=e.reason,
        created_at=e.created_at,
    )


async def balance(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> s.BalanceOut:
    """The caller's balance and hours served in the compound (zero when they have no profile yet)."""
    volunteer = await my_volunteer(session, compound_id, user_id)
    if volunteer is None:
        return s.BalanceOut(volunteer_id=None, balance=0, hours=Decimal("0.00"))
    hours = (await volunteer_hours(session, [compound_id], volunteer_id=volunteer.id)).get(volunteer.id, Decimal("0.00"))
    return s.BalanceOut(volunteer_id=volunteer.id, balance=volunteer.points_balance, hours=hours)


# --------------------------------------------------------------------------- rewards shop


async def create_reward(session: AsyncSession, compound_id: uuid.UUID, data: s.RewardIn) -> Reward:
    if not 1 <= data.points_cost <= MAX_REWARD_COST:
        raise invalid("points_cost", f"must be from 1 to {MAX_REWARD_COST} points")
    if not 0 <= data.stock <= 1_000_000:
        raise invalid("stock", "must be a count from 0")
    if await session.scalar(select(Reward.id).where(Reward.name == data.name)):
        raise conflict(f"a reward named {data.name} exists", errors=[{"field": "name", "message": "already exists"}])
    row = Reward(
        compound_id=compound_id, name=data.name, description=data.description, points_cost=data.points_cost, stock=data.stock, active=True
    )
    session.add(row)
    await session.flush()
    return row


async def update_reward(session: AsyncSession, compound_id: uuid.UUID, reward_id: uuid.UUID, data: s.RewardPatch) -> Reward:
    """Change the price, restock (or write off) items, withdraw the reward."""
    row = await found(session, Reward, compound_id, reward_id, "reward")
    if data.points_cost is not None and not 1 <= data.points_cost <= MAX_REWARD_COST:
        raise invalid("points_cost", f"must be from 1 to {MAX_REWARD_COST} points")
    if data.add_stock:
        moved = await session.execute(
            update(Reward)
            .where(Reward.compound_id == compound_id, Reward.id == row.id, Reward.stock + data.add_stock >= 0)
            .values(stock=Reward.stock + data.add_stock)
            .execution_options(synchronize_session=False)
        )
        if not moved.rowcount:
            raise invalid("add_stock", "would leave the stock below zero")
        await session.refresh(row, ["stock"])
    for key in ("points_cost", "description", "active"):
        value = getattr(data, key)
        if value is not None:
            setattr(row, key, value)
    await session.flush()
    return row


def reward_out(row: Reward) -> s.RewardOut:
    return s.RewardOut(
        id=row.id, name=row.name, description=row.description, points_cost=row.points_cost, stock=row.stock, active=row.active
    )


async def rewards(
    session: AsyncSession, compound_id: uuid.UUID, *, active_only: bool, limit: int = 50, offset: int = 0
) -> Page[s.RewardOut]:
    stmt = select(Reward).order_by(Reward.points_cost, Reward.name)
    if active_only:
        stmt = stmt.where(Reward.active.is_(True))
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[reward_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def redeem(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, reward_id: uuid.UUID, data: s.RedeemIn, *, for_others: bool
) -> Redemption:
    """Spend points on a reward: the stock and the balance are both taken by conditional updates; if either is
    short the request is refused (409) and whatever was taken is given back, so nothing is written."""
    if not 1 <= data.quantity <= MAX_QUANTITY:
        raise invalid("quantity", f"must be from 1 to {MAX_QUANTITY}")
    reward = await found(session, Reward, compound_id, reward_id, "reward")
    if not reward.active:
        raise invalid("reward_id", "the reward is no longer offered")
    volunteer = await _volunteer_for(session, principal, compound_id, data.volunteer_id, for_others=for_others, create=False)
    cost = reward.points_cost * data.quantity
    if volunteer.points_balance < cost:
        raise Problem(
            409,
            "insufficient-points",
            "Not enough points",
            f"this needs {cost} points; the balance is {volunteer.points_balance}",
            errors=[{"field": "quantity", "message": "more than the balance"}],
            balance=volunteer.points_balance,
            needed=cost,
        )
    taken = await session.execute(
        update(Reward)
        .where(Reward.compound_id == compound_id, Reward.id == reward.id, Reward.stock >= data.quantity)
        .values(stock=Reward.stock - data.quantity)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:
        await session.refresh(reward, ["stock"])
        raise Problem(
            409,
            "out-of-stock",
            "Out of stock",
            f"only {reward.stock} left",
            errors=[{"field": "quantity", "message": "more than the stock"}],
            stock=reward.stock,
        )
    row = Redemption(
        id=uuid7(),
        compound_id=compound_id,
        reward_id=reward.id,
        volunteer_id=volunteer.id,
        quantity=data.quantity,
        points=cost,
        status="pending",
    )
    session.add(row)
    await session.flush()
    try:
        await post_points(
            session,
            compound_id,
            volunteer.id,
            -cost,
            "redeem",
            f"兑换 {reward.name} × {data.quantity}",
            redemption_id=row.id,
            by=principal.user_id,
        )
    except Problem:
        # someone spent the points in between: give the items back and drop the redemption
        await session.execute(
            update(Reward)
            .where(Reward.compound_id == compound_id, Reward.id == reward.id)
            .values(stock=Reward.stock + data.quantity)
            .execution_options(synchronize_session=False)
        )
        await session.delete(row)
        await session.flush()
        raise
    await session.refresh(reward, ["stock"])
    emit(
        session,
        "co_building.points.redeemed",
        {"redemption_id": str(row.id), "reward_id": str(reward.id), "points": cost},
        compound_id=compound_id,
    )
    return row


async def move_redemption(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, redemption_id: uuid.UUID, action: str
) -> Redemption:
    """Hand the reward over (deliver), or cancel: the items return to stock and the points come back as a refund line."""
    row = await found(session, Redemption, compound_id, redemption_id, "redemption")
    row.status = transition(REDEMPTIONS, row.status, action)
    row.handled_by, row.handled_at = principal.user_id, now()
    await session.flush()
    if action == "cancel":
        await session.execute(
            update(Reward)
            .where(Reward.compound_id == compound_id, Reward.id == row.reward_id)
            .values(stock=Reward.stock + row.quantity)
            .execution_options(synchronize_session=False)
        )
        await post_points(
            session, compound_id, row.volunteer_id, row.points, "refund", "兑换取消退回", redemption_id=row.id, by=principal.user_id
        )
    return row


async def redemptions(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    own: uuid.UUID | None,
    status: str | None = None,
    redemption_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.RedemptionOut]:
    stmt = (
        select(Redemption, Reward.name, Volunteer.name)
        .join(Reward, (Reward.compound_id == Redemption.compound_id) & (Reward.id == Redemption.reward_id))
        .join(Volunteer, (Volunteer.compound_id == Redemption.compound_id) & (Volunteer.id == Redemption.volunteer_id))
        .order_by(Redemption.created_at.desc(), Redemption.id.desc())
    )
    if own is not None:
        stmt = stmt.where(Volunteer.user_id == own)
    if status:
        stmt = stmt.where(Redemption.status == status)
    if redemption_id:
        stmt = stmt.where(Redemption.id == redemption_id)
    rows, total = await paginate(session, stmt, limit, offset)
    items = [
        s.RedemptionOut(
            id=r.id,
            reward_id=r.reward_id,
            reward_name=reward,
            volunteer_id=r.volunteer_id,
            volunteer_name=name,
            quantity=r.quantity,
            points=r.points,
            status=r.status,
            created_at=r.created_at,
            handled_at=r.handled_at,
        )
        for r, reward, name in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


# --------------------------------------------------------------------------- hours and rankings


async def volunteer_hours(
    session: AsyncSession,
    compound_ids: list[uuid.UUID],
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    volunteer_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, Decimal]:
    """Hours served per volunteer, counted when they checked out (``start`` inclusive, ``end`` exclusive)."""
    stmt = select(ActivitySignup.volunteer_id, ActivitySignup.hours).where(
        ActivitySignup.compound_id.in_(compound_ids), ActivitySignup.status == "checked_out"
    )
    if start is not None:
        stmt = stmt.where(ActivitySignup.checked_out_at >= start)
    if end is not None:
        stmt = stmt.where(ActivitySignup.checked_out_at < end)
    if volunteer_id is not None:
        stmt = stmt.where(ActivitySignup.volunteer_id == volunteer_id)
    totals: dict[uuid.UUID, Decimal] = {}
    # summed in Python: hours are text on SQLite, and exact decimals must not pass through a float
    for vid, hours in (await session.execute(stmt)).all():
        totals[vid] = totals.get(vid, Decimal("0.00")) + (hours or Decimal("0.00"))
    return totals


async def total_hours(
    session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Decimal:
    return sum((await volunteer_hours(session, compound_ids, start=start, end=end)).values(), Decimal("0.00"))


async def households(session: AsyncSession, compound_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).select_from(Household).where(Household.compound_id == compound_id)) or 0)


def period(zone: ZoneInfo, start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Dates of the tenant's calendar (``end`` exclusive) as UTC instants."""

    def at(day: dt.date | None) -> dt.datetime | None:
        return None if day is None else dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)

    return at(start), at(end)


def _check_period(by: str, start: dt.date | None, end: dt.date | None) -> None:
    if by not in ("hours", "points"):
        raise invalid("by", "hours or points")
    if start and end and end <= start:
        raise invalid("end", "must be after start")


async def _ranked(
    session: AsyncSession,
    compounds: dict[uuid.UUID, str],
    zone: ZoneInfo,
    *,
    by: str,
    start: dt.date | None,
    end: dt.date | None,
    limit: int,
    offset: int,
) -> Page[s.RankingRow]:
    """Volunteers of ``compounds`` ranked by hours served or points earned (earned and awarded, not spent) in the period,
    ties sharing a rank; three statements whatever the number of compounds or the page size."""
    since, until = period(zone, start, end)
    ids = list(compounds)
    hours = await volunteer_hours(session, ids, start=since, end=until)
    earned_stmt = (
        select(PointsEntry.volunteer_id, func.sum(PointsEntry.delta))
        .where(PointsEntry.compound_id.in_(ids), PointsEntry.kind.in_(("earn", "adjust")), PointsEntry.delta > 0)
        .group_by(PointsEntry.volunteer_id)
    )
    if since is not None:
        earned_stmt = earned_stmt.where(PointsEntry.created_at >= since)
    if until is not None:
        earned_stmt = earned_stmt.where(PointsEntry.created_at < until)
    earned = {vid: int(total or 0) for vid, total in (await session.execute(earned_stmt)).all()}
    people = (
        await session.execute(
            select(Volunteer.id, Volunteer.name, Volunteer.compound_id).where(
                Volunteer.compound_id.in_(ids), Volunteer.id.in_(set(hours) | set(earned))
            )
        )
    ).all()
    metric = (lambda p: hours.get(p.id, Decimal(0))) if by == "hours" else (lambda p: Decimal(earned.get(p.id, 0)))
    ordered = sorted((p for p in people if metric(p) > 0), key=lambda p: (-metric(p), p.name, str(p.id)))
    rows, rank, previous = [], 0, None
    for index, p in enumerate(ordered, start=1):  # ranks over the whole list, so a page keeps the ties of the one before
        if metric(p) != previous:
            rank, previous = index, metric(p)
        if offset < index <= offset + limit:
            rows.append(
                s.RankingRow(
                    rank=rank,
                    volunteer_id=p.id,
                    name=p.name,
                    compound_id=p.compound_id,
                    compound_name=compounds[p.compound_id],
                    hours=hours.get(p.id, Decimal("0.00")),
                    points=earned.get(p.id, 0),
                )
            )
    return Page(items=rows, total=len(ordered), limit=limit, offset=offset)


async def rankings(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    by: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.RankingRow]:
    """The compound's volunteers ranked by hours served or points earned in a period (``end`` exclusive)."""
    _check_period(by, start, end)
    compound = await session.get(Compound, compound_id)
    if compound is None:
        raise not_found("compound")
    zone = await compound_zone(session, compound_id)
    return await _ranked(session, {compound.id: compound.name}, zone, by=by, start=start, end=end, limit=limit, offset=offset)


async def district_rankings(
    ctx: RequestContext,
    *,
    by: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    district_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.RankingRow]:
    """Volunteers of every compound the caller reaches (a district's or an enterprise's; one district with
    ``district_id``) ranked together: compounds where co_building is on and the caller may read volunteers.

    Runs on a route without a compound, whose unit of work covers the caller's compounds; the compounds are
    named here, not left to the session alone. Periods are read in the zone of the first compound by name."""
    _check_period(by, start, end)
    session = ctx.session
    stmt = select(Compound.id, Compound.name).order_by(Compound.name, Compound.id)
    if district_id is not None:
        stmt = stmt.where(Compound.district_tenant_id == district_id)
    reached = dict((await session.execute(stmt)).all())
    states = await access.rules().module_states(session, list(reached), [MODULE]) if reached else {}
    compounds = {
        cid: name
        for cid, name in reached.items()
        if states.get(cid, {}).get(MODULE, (False, ""))[0] and ctx.can("co_building.volunteer", "read", cid)
    }
    if not compounds:
        return Page(items=[], total=0, limit=limit, offset=offset)
    zone = await compound_zone(session, next(iter(compounds)))
    return await _ranked(session, compounds, zone, by=by, start=start, end=end, limit=limit, offset=offset)


# --------------------------------------------------------------------------- demo data


def demo_rows(seed: Any) -> None:
    """Compound A1: a party members' team, eight volunteers, a finished activity with hours and points, an
    upcoming one that is full with one volunteer waiting, a redemption, and rewards in stock."""
    a1 = seed.city.compounds["A1"]
    moment = now()
    zone = ZoneInfo(get_settings().default_timezone)
    midnight = moment.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    team = VolunteerTeam(id=uuid7(), compound_id=a1, name="党员先锋服务队", description="在职党员社区报到后组成的志愿服务队。")
    seed.add(team)
    names = ("刘芳", "陈磊", "杨静", "赵强", "黄娟", "周涛", "吴艳", "徐明")
    people = []
    for i, name in enumerate(names):
        volunteer = Volunteer(
            id=uuid7(),
            compound_id=a1,
            name=name,
            phone=f"1370000{i:04d}",
            is_party_member=i % 2 == 0,
            team_id=team.id if i < 5 else None,
            team_role="leader" if i == 0 else "member",
            skills=("理发", "水电维修", "助老", "文艺", "法律咨询", "", "", "")[i],
            active=True,
            points_balance=0,
        )
        seed.add(volunteer)
        people.append(volunteer)
    past_start = (midnight - dt.timedelta(days=6) + dt.timedelta(hours=9)).astimezone(dt.UTC)
    done = VolunteerActivity(
        id=uuid7(),
        compound_id=a1,
        title="小区环境清洁日",
        description="清理楼道杂物、绿地垃圾。",
        place="小区中心广场",
        team_id=team.id,
        starts_at=past_start,
        ends_at=past_start + dt.timedelta(hours=3),
        capacity=10,
        signed_up=4,
        points_rule="per_hour",
        points_value=10,
        checkin_token=secrets.token_urlsafe(24),
        status="open",
    )
    next_start = (midnight + dt.timedelta(days=3, hours=9)).astimezone(dt.UTC)
    upcoming = VolunteerActivity(
        id=uuid7(),
        compound_id=a1,
        title="敬老院义务理发",
        description="为社区老人义务理发、测血压。",
        place="东关社区日间照料中心",
        team_id=team.id,
        starts_at=next_start,
        ends_at=next_start + dt.timedelta(hours=2),
        capacity=3,
        signed_up=3,
        points_rule="fixed",
        points_value=20,
        checkin_token=secrets.token_urlsafe(24),
        status="open",
    )
    seed.add(done, upcoming)
    served = (Decimal("3.00"), Decimal("2.50"), Decimal("3.00"), Decimal("1.75"))
    entries = []
    for volunteer, hours in zip(people[:4], served, strict=True):
        checked_in = past_start
        signup = ActivitySignup(
            id=uuid7(),
            compound_id=a1,
            activity_id=done.id,
            volunteer_id=volunteer.id,
            status="checked_out",
            queued_at=past_start - dt.timedelta(days=3),
            checked_in_at=checked_in,
            checked_out_at=checked_in + dt.timedelta(minutes=int(hours * 60)),
            hours=hours,
            points=points_for(done, hours),
        )
        seed.add(signup)
        volunteer.points_balance += signup.points
        entries.append(
            PointsEntry(
                id=uuid7(),
                compound_id=a1,
                volunteer_id=volunteer.id,
                delta=signup.points,
                balance_after=volunteer.points_balance,
                kind="earn",
                reason=f"志愿服务 {done.title} · {hours} h",
                signup_id=signup.id,
                created_at=signup.checked_out_at,
            )
        )
    for i, volunteer in enumerate(people[:4]):
        seed.add(
            ActivitySignup(
                id=uuid7(),
                compound_id=a1,
                activity_id=upcoming.id,
                volunteer_id=volunteer.id,
                status="signed_up" if i < 3 else "waiting",
                queued_at=moment - dt.timedelta(hours=10 - i),
            )
        )
    shop = (
        ("环保购物袋", 10, 50, "可重复使用的帆布袋。"),
        ("洗衣液", 25, 20, "2 kg 装。"),
        ("物业费抵扣券 20 元", 200, 10, "抵扣下期物业费 20 元。"),
    )
    rewards_ = [
        Reward(id=uuid7(), compound_id=a1, name=name, points_cost=cost, stock=stock, description=text, active=True)
        for name, cost, stock, text in shop
    ]
    seed.add(*rewards_)
    redeemer = people[0]
    redemption = Redemption(
        id=uuid7(),
        compound_id=a1,
        reward_id=rewards_[0].id,
        volunteer_id=redeemer.id,
        quantity=1,
        points=rewards_[0].points_cost,
        status="delivered",
        handled_at=moment,
    )
    rewards_[0].stock -= 1
    seed.add(redemption)
    redeemer.points_balance -= redemption.points
    entries.append(
        PointsEntry(
            id=uuid7(),
            compound_id=a1,
            volunteer_id=redeemer.id,
            delta=-redemption.points,
            balance_after=redeemer.points_balance,
            kind="redeem",
            reason=f"兑换 {rewards_[0].name} × 1",
            redemption_id=redemption.id,
            created_at=moment - dt.timedelta(days=1),
        )
    )
    seed.add(*entries)
