"""What is waiting for a person (待办): each plugin declares its kinds of waiting work with ``redprop_waiting_items``;
the console's and the portal's homes gather them here.

Each declaration is asked once for all the compounds where its module is on and the person holds its permission
(set-based: its ``compute`` counts over the list, never a query per compound). A failing ``compute`` is logged and
shown as unavailable; it never breaks the home page.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules

log = logging.getLogger("redprop.waiting")


@dataclass(frozen=True)
class Waiting:
    """One kind of waiting work: how many, how many are urgent (near or past a deadline), the first few and where the
    whole list is."""

    code: str
    plugin: str
    label_zh: str
    label_en: str
    count: int = 0
    urgent: int = 0
    href: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    error: bool = False
    order: int = 100
    by_compound: dict[uuid.UUID, int] = field(default_factory=dict)
    """Alerts per compound, where the plugin counts them (``"by_compound"`` in its answer): the district's table."""

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en


async def waiting_for(
    session: AsyncSession,
    host: Any,
    principal: Any,
    enforcer: Any,
    compound_ids: Sequence[uuid.UUID],
    *,
    audience: str,
    moment: dt.datetime,
) -> list[Waiting]:
    """Every declared kind of ``audience`` (``console`` or ``portal``) the person may see, counted over the compounds
    where its module is on and its permission is held; kinds with nothing waiting are kept (a zero says "all done")."""
    ids = list(dict.fromkeys(compound_ids))
    if not ids:
        return []
    names = [rec.name for rec in host.modules]
    states = await rules().module_states(session, ids, names)
    out: list[Waiting] = []
    for rec, item in host.declared("redprop_waiting_items"):
        if item.get("audience", "console") != audience:
            continue
        obj, act = item["permission"].split(":", 1)
        reached = [
            c
            for c in ids
            if (not rec.is_module or states.get(c, {}).get(rec.name, (False, ""))[0])
            and enforcer.enforce_any(principal.subject, principal.domains_for(c), obj, act)
        ]
        if not reached:
            continue
        try:
            async with session.begin_nested():
                result = await item["compute"](session, principal.user_id, reached, moment) or {}
            failed = False
        except Exception:  # one plugin's count must not break a person's home
            log.exception("waiting item %s failed", item["code"])
            result, failed = {}, True
        out.append(
            Waiting(
                code=item["code"],
                plugin=rec.name,
                label_zh=item["label_zh"],
                label_en=item["label_en"],
                count=int(result.get("count", 0)),
                urgent=int(result.get("urgent", 0)),
                href=result.get("href", item.get("href", "")),
                items=list(result.get("items", []))[:5],
                error=failed,
                order=int(item.get("order", 100)),
                by_compound={c: int(n) for c, n in (result.get("by_compound") or {}).items()},
            )
        )
    out.sort(key=lambda w: (-(w.urgent > 0), -(w.count > 0), w.order, w.code))
    return out


async def compound_alerts(session: AsyncSession, waiting: list[Waiting], compound_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The district's table: each street with its compounds and the alerts counted per compound by the waiting items
    (one control-plane query for the names and streets), streets with most alerts first."""
    places = await rules().compound_places(session, list(compound_ids)) if compound_ids else {}
    streets: dict[str, dict[str, Any]] = {}
    for cid, (name, street, community) in places.items():
        alerts = {w.code: w.by_compound.get(cid, 0) for w in waiting if w.by_compound.get(cid)}
        row = streets.setdefault(street, {"street": street, "compounds": [], "alerts": 0})
        row["compounds"].append({"id": cid, "name": name, "community": community, "alerts": sum(alerts.values()), "kinds": alerts})
        row["alerts"] += sum(alerts.values())
    for row in streets.values():
        row["compounds"].sort(key=lambda c: (-c["alerts"], c["name"]))
    return sorted(streets.values(), key=lambda r: (-r["alerts"], r["street"]))
