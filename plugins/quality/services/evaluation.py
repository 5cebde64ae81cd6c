"""Evaluation (考核评价): the indicator catalogue, schemes, periods, and computing, reviewing and publishing their scores.

The catalogue is what the installed plugins declare through
``redprop_indicators`` plus the district's manual indicators. A scheme picks
indicators with weights that sum to exactly 100, targets, the value where an
item scores nothing, the deduction for each overdue rectification notice and
the star thresholds. A period applies the scheme to the district's compounds
where quality is on: automatic indicators through
``core.plugins.figures.indicator_value_map``, manual ones as entered; then
composite, stars and ranks (see ``scoring``), and each operator's mean.
Period states: draft → computed → reviewed → published; a published period is
frozen (computing it again is a 409 naming no allowed move).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.audit.services import record
from core.authz.holders import holders
from core.clock import now
from core.events.services import emit
from core.ids import uuid7
from core.notifications.services import notify
from core.plugins.figures import indicator_value_map
from core.plugins.manager import PluginHost
from core.problems import invalid
from core.states import StateMachine
from plugins.quality.models import CompoundScore, ManualIndicator, ManualValue, OperatorScore, Period, Rectification, Scheme, SchemeItem
from plugins.quality.schemas import evaluation as s
from plugins.quality.services import scoring
from plugins.quality.services.common import MODULE, dec, one_of_tenant, to_decimal
from tenants.models import Compound, Region

PERIOD = StateMachine(
    "evaluation period",
    {
        "draft": {"compute": "computed"},
        "computed": {"compute": "computed", "review": "reviewed"},
        "reviewed": {"compute": "computed", "reopen": "computed", "publish": "published"},
        "published": {},
    },
)
HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- catalogue


def declared_indicators(host: PluginHost) -> list[s.IndicatorOut]:
    """What the installed plugins declare (``dimension`` and ``method`` are optional keys of a declaration)."""
    out = []
    for rec, item in host.declared("redprop_indicators"):
        out.append(
            s.IndicatorOut(
                code=item["code"],
                source="plugin",
                plugin=rec.name,
                label_zh=item["label_zh"],
                label_en=item.get("label_en", ""),
                dimension=item.get("dimension", rec.name),
                unit=item.get("unit", ""),
                higher_is_better=item.get("higher_is_better", True),
                target=dec(item.get("target")),
                weight=dec(item.get("weight")),
                method=item.get("method", ""),
            )
        )
    return out


def manual_out(row: ManualIndicator) -> s.IndicatorOut:
    return s.IndicatorOut(
        code=row.code,
        source="manual",
        plugin="",
        label_zh=row.label_zh,
        label_en=row.label_en,
        dimension=row.dimension,
        unit=row.unit,
        higher_is_better=row.higher_is_better,
        target=dec(row.target),
        weight=None,
        method=row.method,
    )


async def catalogue(session: AsyncSession, host: PluginHost, tenant_id: uuid.UUID | None) -> list[s.IndicatorOut]:
    """Every indicator a scheme of this tenant may choose, plugins' first, then the tenant's manual ones."""
    manual = (
        await session.scalars(select(ManualIndicator).where(ManualIndicator.tenant_id == tenant_id).order_by(ManualIndicator.code))
    ).all()
    return [*declared_indicators(host), *(manual_out(m) for m in manual)]


async def add_manual_indicator(
    session: AsyncSession, host: PluginHost, tenant_id: uuid.UUID | None, data: s.ManualIndicatorIn
) -> ManualIndicator:
    if tenant_id is None:
        raise invalid("tenant", "manual indicators belong to a district")
    if any(i.code == data.code for i in await catalogue(session, host, tenant_id)):
        raise invalid("code", "an indicator of this code exists")
    row = ManualIndicator(tenant_id=tenant_id, **{f: getattr(data, f) for f in data.__struct_fields__})
    session.add(row)
    await session.flush()
    return row


# --------------------------------------------------------------------------- schemes


def _check_decimal(field: str, value: Decimal, *, low: Decimal | None = None, high: Decimal | None = None) -> Decimal:
    if not value.is_finite():
        raise invalid(field, "must be a number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(field, f"must lie between {low} and {high}")
    return value


async def save_scheme(
    session: AsyncSession, host: PluginHost, tenant_id: uuid.UUID | None, data: s.SchemeIn, scheme_id: uuid.UUID | None = None
) -> Scheme:
    """Create (or replace the items of) a scheme; weights must sum to exactly 100, thresholds rise within 0–100."""
    if tenant_id is None:
        raise invalid("tenant", "schemes belong to a district")
    known = {i.code: i for i in await catalogue(session, host, tenant_id)}
    items = []
    seen: set[str] = set()
    for n, item in enumerate(data.items):
        field = f"items[{n}]"
        found = known.get(item.code)
        if found is None:
            raise invalid(f"{field}.code", "no such indicator in the catalogue")
        if item.code in seen:
            raise invalid(f"{field}.code", "chosen twice")
        seen.add(item.code)
        weight = _check_decimal(f"{field}.weight", item.weight, low=Decimal("0.01"), high=HUNDRED)
        target = item.target if item.target is not None else (Decimal(found.target) if found.target is not None else None)
        if target is None:
            raise invalid(f"{field}.target", "this indicator declares no target: give one")
        _check_decimal(f"{field}.target", target)
        zero = item.zero_at if item.zero_at is not None else (Decimal(0) if found.higher_is_better else target * 2)
        _check_decimal(f"{field}.zero_at", zero)
        if (found.higher_is_better and zero >= target) or (not found.higher_is_better and zero <= target):
            raise invalid(f"{field}.zero_at", "must lie on the worse side of the target")
        items.append((n, found, weight, target, zero))
    total = scoring.check_weights([w for _, _, w, _, _ in items])
    if total != HUNDRED:
        raise invalid("items", f"the weights must sum to 100 (they sum to {total.normalize():f})")
    thresholds = [_check_decimal(f"star_thresholds[{i}]", t, low=Decimal(0), high=HUNDRED) for i, t in enumerate(data.star_thresholds)]
    if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        raise invalid("star_thresholds", "the thresholds for 2, 3, 4 and 5 stars must rise")
    _check_decimal("overdue_deduction", data.overdue_deduction, low=Decimal(0), high=HUNDRED)
    if data.deduction_cap is not None:
        _check_decimal("deduction_cap", data.deduction_cap, low=Decimal(0), high=HUNDRED)
    if scheme_id is None:
        scheme = Scheme(tenant_id=tenant_id)
        session.add(scheme)
    else:
        scheme = await one_of_tenant(session, Scheme, tenant_id, scheme_id, "scheme")
        await session.execute(delete(SchemeItem).where(SchemeItem.scheme_id == scheme.id))
    scheme.name, scheme.note = data.name, data.note
    scheme.star_thresholds = [str(t) for t in thresholds]
    scheme.overdue_deduction, scheme.deduction_cap = data.overdue_deduction, data.deduction_cap
    await session.flush()
    for n, found, weight, target, zero in items:
        session.add(
            SchemeItem(
                tenant_id=tenant_id,
                scheme_id=scheme.id,
                code=found.code,
                source=found.source,
                label_zh=found.label_zh,
                label_en=found.label_en,
                unit=found.unit,
                weight=weight,
                target=target,
                zero_at=zero,
                higher_is_better=found.higher_is_better,
                position=n,
            )
        )
    await session.flush()
    return scheme


async def scheme_items(session: AsyncSession, scheme_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[SchemeItem]]:
    rows = (await session.scalars(select(SchemeItem).where(SchemeItem.scheme_id.in_(scheme_ids)).order_by(SchemeItem.position))).all()
    out: dict[uuid.UUID, list[SchemeItem]] = defaultdict(list)
    for r in rows:
        out[r.scheme_id].append(r)
    return out


def scheme_out(scheme: Scheme, items: list[SchemeItem]) -> s.SchemeOut:
    return s.SchemeOut(
        id=scheme.id,
        name=scheme.name,
        items=[
            s.SchemeItemOut(
                code=i.code,
                source=i.source,
                label_zh=i.label_zh,
                label_en=i.label_en,
                unit=i.unit,
                weight=str(i.weight),
                target=str(i.target),
                zero_at=str(i.zero_at),
                higher_is_better=i.higher_is_better,
            )
            for i in items
        ],
        star_thresholds=list(scheme.star_thresholds),
        overdue_deduction=str(scheme.overdue_deduction),
        deduction_cap=dec(scheme.deduction_cap),
        note=scheme.note,
    )


# --------------------------------------------------------------------------- periods


async def create_period(session: AsyncSession, tenant_id: uuid.UUID | None, data: s.PeriodIn) -> Period:
    await one_of_tenant(session, Scheme, tenant_id, data.scheme_id, "scheme")
    if data.ends_on <= data.starts_on:
        raise invalid("ends_on", "the period ends after it starts")
    row = Period(tenant_id=tenant_id, scheme_id=data.scheme_id, name=data.name, starts_on=data.starts_on, ends_on=data.ends_on)
    session.add(row)
    await session.flush()
    return row


def period_out(row: Period) -> s.PeriodOut:
    return s.PeriodOut(
        id=row.id,
        scheme_id=row.scheme_id,
        name=row.name,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        state=row.state,
        allowed=PERIOD.allowed(row.state),
        computed_at=row.computed_at,
        published_at=row.published_at,
    )


async def enter_manual_value(
    session: AsyncSession,
    tenant_id: uuid.UUID | None,
    period_id: uuid.UUID,
    compound_id: uuid.UUID,
    user_id: uuid.UUID,
    data: s.ManualValueIn,
) -> ManualValue:
    period = await one_of_tenant(session, Period, tenant_id, period_id, "evaluation period")
    if period.state == "published":
        PERIOD.next(period.state, "compute")  # the 409 of a frozen period
    manual = await session.scalar(select(ManualIndicator).where(ManualIndicator.tenant_id == tenant_id, ManualIndicator.code == data.code))
    if manual is None:
        raise invalid("code", "not a manual indicator of this district")
    _check_decimal("value", data.value)
    row = await session.scalar(
        select(ManualValue).where(ManualValue.compound_id == compound_id, ManualValue.period_id == period.id, ManualValue.code == data.code)
    )
    if row is None:
        row = ManualValue(compound_id=compound_id, period_id=period.id, code=data.code)
        session.add(row)
    row.value, row.entered_by = data.value, user_id
    await session.flush()
    return row


def _snapshot(scheme: Scheme, items: list[SchemeItem]) -> dict[str, Any]:
    return {
        "name": scheme.name,
        "star_thresholds": list(scheme.star_thresholds),
        "overdue_deduction": str(scheme.overdue_deduction),
        "deduction_cap": dec(scheme.deduction_cap),
        "items": [
            {
                "code": i.code,
                "source": i.source,
                "label_zh": i.label_zh,
                "label_en": i.label_en,
                "unit": i.unit,
                "weight": str(i.weight),
                "target": str(i.target),
                "zero_at": str(i.zero_at),
                "higher_is_better": i.higher_is_better,
            }
            for i in items
        ],
    }


async def _evaluated_compounds(session: AsyncSession, district_id: uuid.UUID) -> list[tuple[Compound, uuid.UUID | None]]:
    """The district's compounds where quality is on, each with its street (the community's parent)."""
    rows = (
        await session.execute(
            select(Compound, Region.parent_id)
            .join(Region, Region.id == Compound.community_id, isouter=True)
            .where(Compound.district_tenant_id == district_id)
            .order_by(Compound.name, Compound.id)
        )
    ).all()
    states = await rules().module_states(session, [c.id for c, _ in rows], [MODULE])
    return [(c, street) for c, street in rows if states.get(c.id, {}).get(MODULE, (False, ""))[0]]


async def compute_period(session: AsyncSession, host: PluginHost, tenant_id: uuid.UUID | None, period_id: uuid.UUID) -> Period:
    """(Re)compute every compound's and operator's score; refused (409) once the period is published."""
    period = await one_of_tenant(session, Period, tenant_id, period_id, "evaluation period")
    period.state = PERIOD.next(period.state, "compute")
    scheme = await one_of_tenant(session, Scheme, tenant_id, period.scheme_id, "scheme")
    items = (await scheme_items(session, [scheme.id]))[scheme.id]
    snapshot = _snapshot(scheme, items)
    rules_ = [
        scoring.ItemRule(i["code"], Decimal(i["weight"]), Decimal(i["target"]), Decimal(i["zero_at"]), i["higher_is_better"])
        for i in snapshot["items"]
    ]
    thresholds = [Decimal(t) for t in snapshot["star_thresholds"]]
    per_overdue = Decimal(snapshot["overdue_deduction"])
    cap = Decimal(snapshot["deduction_cap"]) if snapshot["deduction_cap"] is not None else None
    compounds = await _evaluated_compounds(session, period.tenant_id)
    ids = [c.id for c, _ in compounds]
    manual = defaultdict(dict)
    for row in (
        await session.execute(
            select(ManualValue.compound_id, ManualValue.code, ManualValue.value).where(
                ManualValue.period_id == period.id, ManualValue.compound_id.in_(ids)
            )
        )
    ).all():
        manual[row.compound_id][row.code] = row.value
    start = dt.datetime.combine(period.starts_on, dt.time(0), tzinfo=dt.UTC)
    end = dt.datetime.combine(period.ends_on, dt.time(0), tzinfo=dt.UTC)
    overdue = dict(
        (
            await session.execute(
                select(Rectification.compound_id, func.count())
                .where(Rectification.compound_id.in_(ids), Rectification.overdue_at >= start, Rectification.overdue_at < end)
                .group_by(Rectification.compound_id)
            )
        ).all()
    )
    automatic = {r.code for r in rules_} - {i["code"] for i in snapshot["items"] if i["source"] == "manual"}
    await session.execute(delete(CompoundScore).where(CompoundScore.period_id == period.id))
    await session.execute(delete(OperatorScore).where(OperatorScore.period_id == period.id))
    computed = await indicator_value_map(session, host, ids, period.starts_on, period.ends_on, codes=automatic) if automatic else {}
    moment = now()
    scores: list[dict[str, Any]] = []  # one pass over the prefetched values; written by one bulk INSERT below
    for compound, street in compounds:
        values: dict[str, Decimal | None] = {**manual.get(compound.id, {}), **computed.get(compound.id, {})}
        result = scoring.evaluate(rules_, values, deduction=per_overdue * overdue.get(compound.id, 0), cap=cap, thresholds=thresholds)
        scores.append(
            {
                "compound_id": compound.id,
                "id": uuid7(),
                "period_id": period.id,
                "operator_tenant_id": compound.operator_tenant_id,
                "community_id": compound.community_id,
                "street_id": street,
                "items": [{"code": i.code, "value": dec(i.value), "weight": str(i.weight), "score": dec(i.score)} for i in result.items],
                "deduction": result.deduction,
                "composite": result.composite,
                "stars": result.stars,
                "tied": False,
                "created_at": moment,
                "updated_at": moment,
            }
        )
    names = {c.id: c.name for c, _ in compounds}
    _rank_compounds(scores, names)
    if scores:
        await session.execute(insert(CompoundScore), scores)
        for row in scores:  # the audit trail an ORM insert would have left (when the session keeps one)
            record(
                session,
                "create",
                CompoundScore.__tablename__,
                f"{row['compound_id']}/{row['id']}",
                after={k: _plain(v) for k, v in row.items()},
                compound_id=row["compound_id"],
            )
    session.add_all(_operator_scores(period, scores, thresholds))
    period.scheme_snapshot = snapshot
    period.computed_at = moment
    await session.flush()
    return period


def _plain(value: Any) -> Any:
    """A score row's value as the audit trail keeps it (JSON)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID | Decimal) else value


def _rank_compounds(scores: list[dict[str, Any]], names: dict[uuid.UUID, str]) -> None:
    """Competition ranks within community, street and district (ties share a rank, listed by name); ``tied`` is the district's."""
    for attr, group in (("rank_community", "community_id"), ("rank_street", "street_id"), ("rank_district", None)):
        groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for score in scores:
            groups[score[group] if group else None].append(score)
        for members in groups.values():
            by_id = {m["compound_id"]: m for m in members}
            for key, position, tied in scoring.rank([(m["compound_id"], m["composite"], names[m["compound_id"]]) for m in members]):
                by_id[key][attr] = position
                if attr == "rank_district":
                    by_id[key]["tied"] = tied


def _operator_scores(period: Period, scores: list[dict[str, Any]], thresholds: list[Decimal]) -> list[OperatorScore]:
    """Each operating enterprise: the mean composite of the compounds it runs, its stars, and its rank in the district."""
    by_operator: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
    for score in scores:
        if score["operator_tenant_id"] is not None:
            by_operator[score["operator_tenant_id"]].append(score["composite"])
    rows = {}
    for operator, composites in by_operator.items():
        mean = to_decimal(sum((Fraction(c) for c in composites), Fraction(0)) / len(composites))
        rows[operator] = OperatorScore(
            tenant_id=period.tenant_id,
            period_id=period.id,
            operator_tenant_id=operator,
            compounds=len(composites),
            composite=mean,
            stars=scoring.stars_for(mean, thresholds),
            rank=0,
        )
    for key, position, tied in scoring.rank([(k, r.composite, str(k)) for k, r in rows.items()]):
        rows[key].rank, rows[key].tied = position, tied
    return list(rows.values())


async def move_period(
    session: AsyncSession,
    host: PluginHost,
    tenant_id: uuid.UUID | None,
    period_id: uuid.UUID,
    action: str,
    user_id: uuid.UUID | None,
    *,
    announce: bool = True,
) -> Period:
    """compute / review / reopen / publish; publishing freezes the scores and tells the operators
    (``announce=False``: the demo city publishes without filling the operators' inboxes)."""
    if action == "compute":
        return await compute_period(session, host, tenant_id, period_id)
    period = await one_of_tenant(session, Period, tenant_id, period_id, "evaluation period")
    period.state = PERIOD.next(period.state, action)
    if action == "review":
        period.reviewed_by = user_id
    if action == "publish":
        period.published_at = now()
        await _announce(session, period, notify_operators=announce)
    await session.flush()
    return period


async def _announce(session: AsyncSession, period: Period, *, notify_operators: bool) -> None:
    emit(session, "quality.period.published", {"period_id": str(period.id), "name": period.name}, tenant_id=period.tenant_id)
    if not notify_operators:
        return
    some_compound: dict[uuid.UUID, uuid.UUID] = {}  # one compound per operator to ask who holds the permission there
    for operator, compound_id in (
        await session.execute(
            select(CompoundScore.operator_tenant_id, CompoundScore.compound_id)
            .where(CompoundScore.period_id == period.id, CompoundScore.operator_tenant_id.is_not(None))
            .order_by(CompoundScore.operator_tenant_id, CompoundScore.compound_id)
        )
    ).all():
        some_compound.setdefault(operator, compound_id)
    for operator, compound_id in some_compound.items():
        people = await holders(session, "quality.score", "read", compound_id, tenant_ids=[operator])
        if people:
            await notify(
                session,
                people,
                "quality.published",
                f"考核结果已发布：{period.name}",
                "请查看各小区得分、星级和排名。",
                link="/console/quality/scores",
                tenant_id=operator,
            )


# --------------------------------------------------------------------------- results


def scores_query(period_id: uuid.UUID):
    return (
        select(CompoundScore).where(CompoundScore.period_id == period_id).order_by(CompoundScore.rank_district, CompoundScore.compound_id)
    )


async def scores_out(session: AsyncSession, period: Period, rows: list[CompoundScore]) -> list[s.CompoundScoreOut]:
    names = await rules().compound_names(session, [r.compound_id for r in rows]) if rows else {}
    labels = {i["code"]: i["label_zh"] for i in period.scheme_snapshot.get("items", [])}
    return [
        s.CompoundScoreOut(
            compound_id=r.compound_id,
            compound_name=names.get(r.compound_id, ""),
            period_id=period.id,
            period_name=period.name,
            composite=str(r.composite),
            stars=r.stars,
            deduction=str(r.deduction),
            rank_community=r.rank_community,
            rank_street=r.rank_street,
            rank_district=r.rank_district,
            tied=r.tied,
            items=[
                s.ScoreItemOut(
                    code=i["code"], label_zh=labels.get(i["code"], i["code"]), value=i["value"], weight=i["weight"], score=i["score"]
                )
                for i in r.items
            ],
        )
        for r in rows
    ]


async def operator_scores_out(session: AsyncSession, rows: list[OperatorScore]) -> list[s.OperatorScoreOut]:
    labels = await rules().tenant_labels(session, [r.operator_tenant_id for r in rows]) if rows else {}
    return [
        s.OperatorScoreOut(
            operator_tenant_id=r.operator_tenant_id,
            operator_name=getattr(labels.get(r.operator_tenant_id), "name", ""),
            compounds=r.compounds,
            composite=str(r.composite),
            stars=r.stars,
            rank=r.rank,
            tied=r.tied,
        )
        for r in rows
    ]


async def published_for_compound(session: AsyncSession, compound_id: uuid.UUID) -> tuple[Period, CompoundScore] | None:
    """The compound's latest published result (what residents and the operator see)."""
    found = (
        await session.execute(
            select(Period, CompoundScore)
            .join(CompoundScore, CompoundScore.period_id == Period.id)
            .where(CompoundScore.compound_id == compound_id, Period.state == "published")
            .order_by(Period.ends_on.desc())
            .limit(1)
        )
    ).first()
    return (found[0], found[1]) if found else None


async def latest_stars(session: AsyncSession, compound_ids: list[uuid.UUID]) -> list[int]:
    """The stars of each compound's latest published period (compounds never published are left out)."""
    latest = (
        select(CompoundScore.compound_id, func.max(Period.ends_on).label("ends_on"))
        .join(Period, Period.id == CompoundScore.period_id)
        .where(CompoundScore.compound_id.in_(compound_ids), Period.state == "published")
        .group_by(CompoundScore.compound_id)
        .subquery()
    )
    rows = await session.scalars(
        select(CompoundScore.stars)
        .join(Period, Period.id == CompoundScore.period_id)
        .join(latest, (latest.c.compound_id == CompoundScore.compound_id) & (latest.c.ends_on == Period.ends_on))
        .where(Period.state == "published")
    )
    return list(rows.all())
