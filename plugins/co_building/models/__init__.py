"""Tables of co_building (共建共享), one module per part; each is compound-scoped and created by this plugin's migrations."""

from __future__ import annotations

from plugins.co_building.models import consultation, featured, fee_changes, fees, requests, rules, volunteers

MODELS: list[type] = [
    *requests.MODELS,
    *fees.MODELS,
    *featured.MODELS,
    *volunteers.MODELS,
    *consultation.MODELS,
    *rules.MODELS,
    *fee_changes.MODELS,
]
