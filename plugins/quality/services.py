"""Rules of quality (服务质量评价与改进), without HTTP."""

from __future__ import annotations

import uuid

from plugins.quality.schemas import ModuleOverview

LABEL_ZH = "服务质量评价与改进"
LABEL_EN = "Service quality evaluation and improvement"


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="quality", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))
