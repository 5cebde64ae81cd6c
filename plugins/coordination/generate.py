"""coordination's part of a generated city (``redprop generate city``, issue 17): a year of cases reported in each
compound (about one per thirty rooms), most of them through to closed, with their events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plugins.coordination.models.cases import Case, CaseEvent

CASES = (
    ("illegal_building", "楼顶私搭乱建"),
    ("green_space_enclosure", "圈占绿地种菜"),
    ("fire_lane_blocked", "消防通道堆放杂物"),
    ("group_renting", "疑似群租"),
    ("noise", "夜间噪音扰民"),
    ("dangerous_pets", "烈性犬未拴绳"),
    ("safety_hazard", "电动车楼道充电"),
    ("neighbour_dispute", "漏水引发邻里纠纷"),
)
FLOW = (("accept", "accepted"), ("start", "in_progress"), ("resolve", "resolved"), ("verify", "verified"), ("close", "closed"))


def register(city: Any) -> None:
    city.per_compounds("coordination", make)


def make(batch: Any) -> None:
    rng = batch.rng("coordination")
    now: dt.datetime = batch.now
    cases, events = [], []
    for compound in batch.compounds:
        per_day: dict[str, int] = {}
        manager = compound.staff["manager"]
        for _ in range(max(2, len(compound.rooms) // 30)):
            category, title = rng.choice(CASES)
            reported = now - dt.timedelta(seconds=rng.randrange(3600, 365 * 86400))
            day = (reported + dt.timedelta(hours=8)).strftime("%Y%m%d")
            per_day[day] = per_day.get(day, 0) + 1
            case = batch.new_id()
            steps = FLOW if (now - reported).days > 20 else FLOW[: rng.randrange(0, len(FLOW))]
            state, at, stamps = "reported", reported, {}
            row_events = [(reported, "report", None, "reported")]
            for action, after in steps:
                at = at + dt.timedelta(hours=rng.randrange(1, 72))
                row_events.append((at, action, state, after))
                state, stamps[after] = after, at
            building = rng.choice(compound.buildings) if compound.buildings else None
            cases.append(
                {
                    "compound_id": compound.id,
                    "id": case,
                    "number": f"XT{day}-{per_day[day]:04d}",
                    "source": "staff",
                    "source_id": None,
                    "category": category,
                    "priority": "urgent" if rng.random() < 0.1 else "normal",
                    "title": title,
                    "description": f"{compound.name}：{title}",
                    "location": "building" if building else "compound",
                    "building_id": building,
                    "room_id": None,
                    "district_tenant_id": compound.district_id,
                    "community_id": compound.community_id,
                    "department_id": None,
                    "reporter_user_id": manager,
                    "reporter_label": "物业项目经理",
                    "state": state,
                    "response_due_at": reported + dt.timedelta(hours=24),
                    "resolution_due_at": reported + dt.timedelta(days=7),
                    "accepted_at": stamps.get("accepted"),
                    "started_at": stamps.get("in_progress"),
                    "resolved_at": stamps.get("resolved"),
                    "verified_at": stamps.get("verified"),
                    "closed_at": stamps.get("closed"),
                    "created_at": reported,
                    "updated_at": at,
                }
            )
            for moment, action, before, after in row_events:
                events.append(
                    {
                        "compound_id": compound.id,
                        "id": batch.new_id(),
                        "case_id": case,
                        "action": action,
                        "from_state": before,
                        "to_state": after,
                        "actor_user_id": manager if action == "report" else None,
                        "actor_label": "物业项目经理" if action == "report" else "社区网格员",
                        "at": moment,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )
    batch.add(Case, cases)
    batch.add(CaseEvent, events)
