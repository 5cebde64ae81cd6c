"""Tables of co_building (共建共享); each is compound-scoped and created by this plugin's migrations."""

from __future__ import annotations

MODELS: list[type] = []
