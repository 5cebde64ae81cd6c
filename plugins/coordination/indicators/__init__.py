"""Evaluation indicators and dashboard widgets coordination contributes."""

from __future__ import annotations

INDICATORS: list[dict] = []
WIDGETS: list[dict] = []
