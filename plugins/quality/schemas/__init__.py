"""Request and response structs of quality, one module per part (surveys, evaluation, field, improvement)."""

from __future__ import annotations

from core.schemas import Output


class ModuleOverview(Output, kw_only=True):
    """What the module is and whether it serves this compound."""

    module: str
    label_zh: str
    label_en: str
    compound_id: str
