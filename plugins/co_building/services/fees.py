"""co_building rules: fees."""

from __future__ import annotations
