"""Rules of coordination (协同联动), without HTTP."""

from __future__ import annotations

import uuid

from plugins.coordination.schemas import ModuleOverview

LABEL_ZH = "协同联动"
LABEL_EN = "Coordination and joint action"


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="coordination", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))
