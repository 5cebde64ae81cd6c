"""Evaluation indicators and dashboard widgets smart_property contributes."""

from __future__ import annotations

INDICATORS: list[dict] = []
WIDGETS: list[dict] = []
