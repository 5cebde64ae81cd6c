"""Tables of smart_property (智慧物业); each is compound-scoped and created by this plugin's migrations."""

from __future__ import annotations

MODELS: list[type] = []
