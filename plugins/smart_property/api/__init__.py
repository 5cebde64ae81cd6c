"""HTTP handlers of smart_property, mounted under /api/v1/compounds/{compound_id}/smart_property, one module per part,
and the router of its pages."""

from __future__ import annotations

from plugins.smart_property.api import alarms, devices
from plugins.smart_property.pages import PAGE_ROUTER

ROUTE_HANDLERS = [*devices.ROUTE_HANDLERS, *alarms.ROUTE_HANDLERS, PAGE_ROUTER]
