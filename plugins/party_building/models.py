"""Tables of party_building (党建引领); each is compound-scoped and created by this plugin's migrations."""

from __future__ import annotations

MODELS: list[type] = []
