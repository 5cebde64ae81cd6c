"""quality's part of a generated city (``redprop generate city``, issue 17): each compound's satisfaction survey of
last quarter (closed) with the answers of about a third of its households."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from plugins.quality.models.surveys import Campaign, Response
from plugins.quality.services.surveys import STANDARD_QUESTIONS

IMPROVE = ["停车管理", "电梯维护", "垃圾分类", "绿化", "夜间照明"]


def register(city: Any) -> None:
    city.per_compounds("quality", make)


def make(batch: Any) -> None:
    rng = batch.rng("quality")
    questions = msgspec.to_builtins(STANDARD_QUESTIONS)
    ratings = [q.key for q in STANDARD_QUESTIONS if q.kind == "rating"]
    opens = batch.now - dt.timedelta(days=100)
    closes = batch.now - dt.timedelta(days=70)
    launch = batch.new_id()
    campaigns, responses = [], []
    for compound in batch.compounds:
        campaign = batch.new_id()
        campaigns.append(
            {
                "compound_id": compound.id,
                "id": campaign,
                "tenant_id": compound.district_id,
                "batch_id": launch,
                "kind": "campaign",
                "title": "物业服务满意度调查（上季度）",
                "questions": questions,
                "anonymous": False,
                "salt": None,
                "opens_at": opens,
                "closes_at": closes,
                "state": "closed",
                "households_total": len(compound.households),
                "created_at": opens,
                "updated_at": closes,
            }
        )
        base = rng.choice((3, 4, 4, 5))
        for household, _room in compound.households:
            if rng.random() >= 0.35:
                continue
            answers: dict[str, Any] = {key: max(1, min(5, base + rng.choice((-1, 0, 0, 1)))) for key in ratings}
            answers["improve"] = rng.sample(IMPROVE, 2)
            responses.append(
                {
                    "compound_id": compound.id,
                    "id": batch.new_id(),
                    "campaign_id": campaign,
                    "household_key": str(household),
                    "household_id": household,
                    "answers": answers,
                    "submitted_on": (opens + dt.timedelta(days=rng.randrange(0, 30))).date(),
                }
            )
    batch.add(Campaign, campaigns)
    batch.add(Response, responses)
