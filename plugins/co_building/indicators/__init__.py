"""Evaluation indicators (for the quality plugin) and dashboard widgets co_building contributes, one module per part."""

from __future__ import annotations

from plugins.co_building.indicators import consultation, featured, fees, requests, volunteers

_PARTS = (requests, fees, featured, volunteers, consultation)
INDICATORS: list[dict] = [item for part in _PARTS for item in part.INDICATORS]
WIDGETS: list[dict] = [item for part in _PARTS for item in part.WIDGETS]
