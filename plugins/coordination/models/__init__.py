"""Tables of coordination (协同联动), one module per part; business rows are compound-scoped, configuration per district."""

from __future__ import annotations

from plugins.coordination.models import cases, grids, publicity, tasks

MODELS: list[type] = [*cases.MODELS, *grids.MODELS, *tasks.MODELS, *publicity.MODELS]
