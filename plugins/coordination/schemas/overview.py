"""The module's overview body."""

from __future__ import annotations

from core.schemas import Output


class ModuleOverview(Output):
    """What the module is and whether it serves this compound."""

    module: str
    label_zh: str
    label_en: str
    compound_id: str
