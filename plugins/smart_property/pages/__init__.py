"""Console and portal pages of smart_property; navigation entries are declared through redprop_pages."""

from __future__ import annotations

PAGES: list[dict] = []
