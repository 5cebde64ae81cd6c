"""Evaluating what plugins declare as figures: dashboard widgets and evaluation indicators.

Both run the plugins' ``compute`` functions in the caller's session (its scope
limits what they read) and only for modules active in the compound. A failing
``compute`` is logged and shown as unavailable; it never breaks the page or the
evaluation of the others (each runs in a savepoint).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.plugins.manager import PluginHost

log = logging.getLogger("redprop.figures")


@dataclass(frozen=True)
class Figure:
    code: str
    plugin: str
    label_zh: str
    label_en: str
    kind: str
    value: Any = None
    unit: str = ""
    series: list[tuple[str, Any]] = field(default_factory=list)
    error: bool = False

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en

    @property
    def peak(self) -> Any:
        return max((v for _, v in self.series if v is not None), default=0) or 1


@dataclass(frozen=True)
class IndicatorValue:
    code: str
    plugin: str
    label_zh: str
    label_en: str
    unit: str
    target: Decimal | None
    weight: Decimal | None
    higher_is_better: bool
    value: Decimal | None
    error: bool = False

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


async def _active(session: AsyncSession, host: PluginHost, compound_id: uuid.UUID) -> dict[str, bool]:
    states = (await rules().module_states(session, [compound_id], [rec.name for rec in host.modules])).get(compound_id, {})
    return {rec.name: (states.get(rec.name, (False, ""))[0] if rec.is_module else True) for rec in host.plugins.values()}


async def _run(session: AsyncSession, what: str, fn, *args) -> tuple[Any, bool]:
    try:
        async with session.begin_nested():
            return await fn(session, *args), False
    except Exception:  # a plugin's figure must not break the page
        log.exception("figure %s failed", what)
        return None, True


async def dashboard(
    session: AsyncSession, host: PluginHost, compound_id: uuid.UUID, today: dt.date, scope: str = "compound"
) -> list[Figure]:
    """The compound's dashboard: every active module's widgets of ``scope``."""
    active = await _active(session, host, compound_id)
    figures = []
    for rec, widget in host.declared("redprop_dashboard_widgets"):
        if widget.get("scope", "compound") != scope or not active.get(rec.name):
            continue
        result, failed = await _run(session, widget["code"], widget["compute"], [compound_id], today)
        result = result or {}
        figures.append(
            Figure(
                code=widget["code"],
                plugin=rec.name,
                label_zh=widget["label_zh"],
                label_en=widget["label_en"],
                kind=widget.get("kind", "figure"),
                value=result.get("value"),
                unit=result.get("unit", ""),
                series=[tuple(p) for p in result.get("series", [])],
                error=failed,
            )
        )
    return figures


async def indicator_values(
    session: AsyncSession, host: PluginHost, compound_id: uuid.UUID, start: dt.date, end: dt.date
) -> list[IndicatorValue]:
    """Every active module's indicators for the compound over [start, end), each by its per-compound ``compute``."""
    return (await indicator_values_many(session, host, [compound_id], start, end, bulk=False))[compound_id]


def _indicator_value(plugin: str, item: dict, value: Decimal | None, failed: bool) -> IndicatorValue:
    return IndicatorValue(
        code=item["code"],
        plugin=plugin,
        label_zh=item["label_zh"],
        label_en=item["label_en"],
        unit=item.get("unit", ""),
        target=item.get("target"),
        weight=item.get("weight"),
        higher_is_better=item.get("higher_is_better", True),
        value=value,
        error=failed,
    )


async def indicator_values_many(
    session: AsyncSession,
    host: PluginHost,
    compound_ids: list[uuid.UUID],
    start: dt.date,
    end: dt.date,
    codes: set[str] | None = None,
    *,
    bulk: bool = True,
) -> dict[uuid.UUID, list[IndicatorValue]]:
    """``indicator_values`` for many compounds at once (an evaluation period): one ``module_states`` call, then each
    indicator (only those in ``codes`` when given) over the compounds where its plugin is active — in one call of its
    bulk form ``compute_many(session, compound_ids, start, end) -> {compound_id: value}`` when it declares one (and
    ``bulk``), else ``compute`` per compound. A failing bulk form marks the indicator failed for all its compounds."""
    out: dict[uuid.UUID, list[IndicatorValue]] = {c: [] for c in compound_ids}
    for plugin, item, results in await _computed_many(session, host, compound_ids, start, end, codes, bulk):
        for c, (value, failed) in results.items():
            out[c].append(_indicator_value(plugin, item, value, failed))
    return out


async def indicator_value_map(
    session: AsyncSession, host: PluginHost, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date, codes: set[str] | None = None
) -> dict[uuid.UUID, dict[str, Decimal | None]]:
    """What ``indicator_values_many`` computes, as ``{compound_id: {code: value}}`` (None where it failed): all an
    evaluation period's scoring reads, without a record per compound and indicator."""
    out: dict[uuid.UUID, dict[str, Decimal | None]] = {c: {} for c in compound_ids}
    for _, item, results in await _computed_many(session, host, compound_ids, start, end, codes, True):
        code = item["code"]
        for c, (value, _) in results.items():
            out[c][code] = value
    return out


async def _computed_many(
    session: AsyncSession,
    host: PluginHost,
    compound_ids: list[uuid.UUID],
    start: dt.date,
    end: dt.date,
    codes: set[str] | None,
    bulk: bool,
) -> list[tuple[str, dict, dict[uuid.UUID, tuple[Any, bool]]]]:
    """Each indicator computed: ``(plugin, declaration, {compound_id: (value, failed)})`` in declaration order."""
    names = [rec.name for rec in host.modules]
    states = await rules().module_states(session, compound_ids, names) if compound_ids else {}
    out = []
    for rec, item in host.declared("redprop_indicators"):
        if "compute" not in item or (codes is not None and item["code"] not in codes):
            continue
        reached = [c for c in compound_ids if not rec.is_module or states.get(c, {}).get(rec.name, (False, ""))[0]]
        if not reached:
            continue
        if bulk and "compute_many" in item:
            found, failed = await _run(session, item["code"], item["compute_many"], reached, start, end)
            found = found or {}
            results = {c: (found.get(c), failed) for c in reached}
        else:
            results = {c: await _run(session, item["code"], item["compute"], c, start, end) for c in reached}
        out.append((rec.name, item, results))
    return out


async def zone_windows(
    session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date
) -> list[tuple[dt.datetime, dt.datetime, list[uuid.UUID]]]:
    """[start, end) local dates as UTC instants for each time zone among the compounds (``core.access.compound_zone``'s
    rule), with the compounds in it: a bulk indicator runs one query per zone, usually one."""
    from zoneinfo import ZoneInfo

    from core.settings import get_settings

    zones = await rules().compound_zones(session, compound_ids) if compound_ids else {}
    groups: dict[str, list[uuid.UUID]] = {}
    for c in compound_ids:
        groups.setdefault(zones.get(c) or get_settings().default_timezone, []).append(c)
    out = []
    for zone, ids in groups.items():
        tz = ZoneInfo(zone)
        out.append(
            (
                dt.datetime.combine(start, dt.time(), tzinfo=tz).astimezone(dt.UTC),
                dt.datetime.combine(end, dt.time(), tzinfo=tz).astimezone(dt.UTC),
                ids,
            )
        )
    return out


async def district_dashboard(session: AsyncSession, host: PluginHost, compound_ids: list[uuid.UUID], today: dt.date) -> list[Figure]:
    """A district's dashboard over ``compound_ids`` (the caller's reach): every widget of scope ``district``, then the
    compound widgets of kind ``figure`` summed over the same compounds; each widget sees only the compounds where its
    plugin is active, and one whose plugin is active nowhere is left out. A ``compute`` declared under both scopes
    (a district's figure that is also the compound's) runs once over the same compounds: at city scale each is a
    scan of hundreds of compounds' rows."""
    names = [rec.name for rec in host.modules]
    states = await rules().module_states(session, compound_ids, names) if compound_ids else {}
    figures = []
    declared = host.declared("redprop_dashboard_widgets")
    chosen = [(rec, w) for rec, w in declared if w.get("scope", "compound") == "district"]
    chosen += [(rec, w) for rec, w in declared if w.get("scope", "compound") == "compound" and w.get("kind", "figure") == "figure"]
    computed: dict[tuple[Any, tuple[uuid.UUID, ...]], tuple[Any, bool]] = {}
    for rec, widget in chosen:
        reached = [c for c in compound_ids if not rec.is_module or states.get(c, {}).get(rec.name, (False, ""))[0]]
        if not reached:
            continue
        key = (widget["compute"], tuple(reached))
        if key not in computed:
            computed[key] = await _run(session, widget["code"], widget["compute"], reached, today)
        result, failed = computed[key]
        result = result or {}
        figures.append(
            Figure(
                code=widget["code"],
                plugin=rec.name,
                label_zh=widget["label_zh"],
                label_en=widget["label_en"],
                kind=widget.get("kind", "figure"),
                value=result.get("value"),
                unit=result.get("unit", ""),
                series=[tuple(p) for p in result.get("series", [])],
                error=failed,
            )
        )
    return figures
