"""Evaluation indicators party_building contributes to the quality plugin."""

from __future__ import annotations

INDICATORS: list[dict] = []
