"""Tables of quality (服务质量评价与改进); each is compound-scoped and created by this plugin's migrations."""

from __future__ import annotations

MODELS: list[type] = []
