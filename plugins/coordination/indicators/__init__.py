"""Evaluation indicators (for the quality plugin) and dashboard widgets coordination contributes, one module per part."""

from __future__ import annotations

from plugins.coordination.indicators import cases

_PARTS = (cases,)
INDICATORS: list[dict] = [item for part in _PARTS for item in part.INDICATORS]
WIDGETS: list[dict] = [item for part in _PARTS for item in part.WIDGETS]
