"""HTTP handlers of smart_property, mounted under /api/v1/compounds/{compound_id}/smart_property, one module per part."""

from __future__ import annotations

from plugins.smart_property.api import alarms, devices

ROUTE_HANDLERS = [*devices.ROUTE_HANDLERS, *alarms.ROUTE_HANDLERS]
