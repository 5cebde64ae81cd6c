"""Request and response structs of smart_property (msgspec), one module per part."""

from __future__ import annotations

from core.schemas import Output


class ModuleOverview(Output):
    module: str
    label_zh: str
    label_en: str
    compound_id: str
