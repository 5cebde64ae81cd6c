"""The district's targets and required meeting frequencies."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import RequestContext, forbidden
from core.problems import invalid
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    DEFAULT_REQUIREMENTS,
    HUNDRED,
    given,
)

# --------------------------------------------------------------------------- district targets and meeting requirements


async def targets(session: AsyncSession, district_tenant_id: uuid.UUID | None) -> s.TargetsOut:
    row = (
        await session.scalar(select(m.DistrictTargets).where(m.DistrictTargets.tenant_id == district_tenant_id))
        if district_tenant_id
        else None
    )
    row = row or m.DistrictTargets(
        committee_party_share=Decimal("50"),
        secretary_on_committee=True,
        coverage=Decimal("100"),
        action_items_on_time=Decimal("90"),
        study_hours_per_member=Decimal("32"),
    )
    return s.TargetsOut(
        committee_party_share=row.committee_party_share,
        secretary_on_committee=row.secretary_on_committee,
        coverage=row.coverage,
        action_items_on_time=row.action_items_on_time,
        study_hours_per_member=row.study_hours_per_member,
        requirements=[
            s.RequirementOut(kind=k, period=p, minimum=n) for k, (p, n) in (await requirements(session, district_tenant_id)).items()
        ],
    )


async def requirements(session: AsyncSession, district_tenant_id: uuid.UUID | None) -> dict[str, tuple[str, int]]:
    """Per meeting kind: (period, minimum) as the district set it, the defaults elsewhere."""
    out = dict(DEFAULT_REQUIREMENTS)
    if district_tenant_id:
        for row in (await session.scalars(select(m.MeetingRequirement).where(m.MeetingRequirement.tenant_id == district_tenant_id))).all():
            out[row.kind] = (row.period, row.minimum)
    return out


def check_decimal(value: Decimal | None, field: str, low: Decimal, high: Decimal, *, low_included: bool = True) -> None:
    """Bounds and at most two decimals for a percentage or hours (exact, never a float)."""
    if value is None:
        return
    if not value.is_finite() or value > high or value < low or (value == low and not low_included):
        raise invalid(field, f"must lie between {low} and {high}")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid(field, "at most two decimal places")


def _setter(ctx: RequestContext) -> uuid.UUID:
    """The district whose targets the caller sets: their own tenant (who may set them at all is the routes'
    ``party_building.settings:write``, a permission only district roles hold)."""
    if ctx.tenant_id is None:
        raise forbidden("party_building.settings", "write")
    return ctx.tenant_id


async def set_targets(ctx: RequestContext, data: s.TargetsIn) -> s.TargetsOut:
    session = ctx.session
    tenant_id = _setter(ctx)
    for field in ("committee_party_share", "coverage", "action_items_on_time"):
        check_decimal(getattr(data, field), field, Decimal(0), HUNDRED)
    check_decimal(data.study_hours_per_member, "study_hours_per_member", Decimal(0), Decimal(1000))
    row = await session.scalar(select(m.DistrictTargets).where(m.DistrictTargets.tenant_id == tenant_id))
    if row is None:
        row = m.DistrictTargets(
            tenant_id=tenant_id,
            committee_party_share=Decimal("50"),
            secretary_on_committee=True,
            coverage=Decimal("100"),
            action_items_on_time=Decimal("90"),
            study_hours_per_member=Decimal("32"),
        )
        session.add(row)
    for key in given(data):
        setattr(row, key, getattr(data, key))
    await session.flush()
    return await targets(session, tenant_id)


async def set_requirement(ctx: RequestContext, data: s.RequirementIn) -> s.TargetsOut:
    session = ctx.session
    tenant_id = _setter(ctx)
    row = await session.scalar(
        select(m.MeetingRequirement).where(m.MeetingRequirement.tenant_id == tenant_id, m.MeetingRequirement.kind == data.kind)
    )
    if row is None:
        session.add(m.MeetingRequirement(tenant_id=tenant_id, kind=data.kind, period=data.period, minimum=data.minimum))
    else:
        row.period, row.minimum = data.period, data.minimum
    await session.flush()
    return await targets(session, tenant_id)
