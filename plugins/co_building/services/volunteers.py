"""co_building rules: volunteers."""

from __future__ import annotations
