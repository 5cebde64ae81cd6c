"""Tables of coordination (协同联动); each is compound-scoped and created by this plugin's migrations."""

from __future__ import annotations

MODELS: list[type] = []
