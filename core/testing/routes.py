"""The application's compound-scoped list endpoints, found from its routes: what statement-count tests and the
city benchmark (bench/city_lists.py) walk, so a plugin's new list is covered without being named."""

from __future__ import annotations

from typing import Any

COMPOUND_PREFIX = "/api/v1/compounds/{compound_id"


def compound_lists(app: Any) -> list[tuple[str, str]]:
    """``(path, operation id)`` of every GET route under ``/api/v1/compounds/{compound_id}`` whose only path
    parameter is the compound and that takes a ``limit`` (a paged list); the path has ``{compound_id}`` to format."""
    from litestar.routes import HTTPRoute

    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(COMPOUND_PREFIX) or len(route.path_parameters) != 1:
            continue
        handlers = route.route_handler_map.get("GET")
        if handlers is None:
            continue
        handler = handlers[0] if isinstance(handlers, tuple) else handlers
        if "limit" in handler.parsed_fn_signature.parameters:
            found.append((route.path.replace("{compound_id:uuid}", "{compound_id}"), handler.operation_id or route.path))
    return sorted(found)


__all__ = ["compound_lists"]
