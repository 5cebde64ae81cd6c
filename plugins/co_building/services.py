"""Rules of co_building (共建共享), without HTTP."""

from __future__ import annotations

import uuid

from plugins.co_building.schemas import ModuleOverview

LABEL_ZH = "共建共享"
LABEL_EN = "Co-building and sharing"


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="co_building", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))
