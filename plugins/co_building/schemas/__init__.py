"""Request and response structs of co_building, one module per part (as in services)."""

from __future__ import annotations

from core.schemas import Output


class ModuleOverview(Output):
    """What the module is and whether it serves this compound."""

    module: str
    label_zh: str
    label_en: str
    compound_id: str
