"""co_building rules: featured."""

from __future__ import annotations
