"""Evaluation indicators smart_property contributes to the quality plugin."""

from __future__ import annotations

INDICATORS: list[dict] = []
