"""Rules of party_building (党建引领), without HTTP."""

from __future__ import annotations

import uuid

from plugins.party_building.schemas import ModuleOverview

LABEL_ZH = "党建引领"
LABEL_EN = "Party-building leadership"


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="party_building", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))
