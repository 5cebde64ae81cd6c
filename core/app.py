"""The application factory: one place that asks pluggy for every plugin's routes and wires the kernel."""

from __future__ import annotations

import asyncio
import gc
import logging
import pathlib
from collections.abc import Callable
from importlib.metadata import entry_points
from types import ModuleType

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.static_files import create_static_files_router

from core import access, builtin, review
from core.authz.store import PolicyStore, read_policy_files, sync_templates_safely
from core.context import close_unfinished
from core.db import Database
from core.deps import DEPENDENCIES
from core.inputs import check_request
from core.jobs.runtime import build_runtime
from core.openapi import document, openapi_config
from core.plugins.manager import PluginHost
from core.problems import EXCEPTION_HANDLERS
from core.security import security_headers
from core.settings import Settings, get_settings

log = logging.getLogger("redprop.app")

BUILTIN_GROUP = "redprop.builtins"
"""Entry points of the always-on parts above the kernel (the control plane, ``tenants``): found by name, never imported by core."""


def builtin_parts() -> tuple[ModuleType, ...]:
    """The kernel's own hooks, then each part installed under ``redprop.builtins`` (by name); none found is an error."""
    found = sorted(entry_points(group=BUILTIN_GROUP), key=lambda ep: ep.name)
    if not found:
        raise RuntimeError(f"no {BUILTIN_GROUP} entry point: install the project (pip install -e .) so the control plane is found")
    return (builtin, *(ep.load() for ep in found))


def start_background_services(settings: Settings, host: PluginHost, *, option: str | None = None) -> list[Callable[[], None]]:
    """Start the plugins' background services (``redprop_background_services``): those of ``option`` (``redprop worker
    --<option>``), or, without one, those whose ``enabled(settings)`` holds (the embedded app); returns their stop callables."""
    stops = []
    for rec, item in host.declared("redprop_background_services"):
        wanted = item.get("option") == option if option else bool(item.get("enabled", lambda _s: False)(settings))
        if wanted:
            try:
                stops.append(item["start"](settings, host))
            except Exception:  # a service that cannot start is logged; the platform runs on without it
                logging.getLogger("redprop.plugins").exception("background service %s of %s did not start", item.get("name"), rec.name)
    return stops


def load_plugins(settings: Settings | None = None, *, discover: bool = True) -> PluginHost:
    """Core and the built-in parts first (always on), then every installed plugin that passes the checks."""
    settings = settings or get_settings()
    host = PluginHost().load(builtins=builtin_parts(), extras=settings.extra_plugins, disabled=settings.disabled_plugins, discover=discover)
    access.install(host.pm.hook.redprop_access_rules())  # also for processes that build no app (demo seeding, scripts)
    review.install(host.pm.hook.redprop_pre_reviewer())
    return host


def _route_handlers(host: PluginHost) -> list:
    handlers: list = []
    for rec in host.plugins.values():
        items = rec.declarations.get("redprop_route_handlers", [])
        if not items:
            continue
        if rec.is_module:
            # every route of a gated module carries its name; the guard answers 403 where it is off
            handlers.append(Router(path="/", route_handlers=items, opt={"module": rec.name}))
        else:
            handlers.extend(items)
    return handlers


def _swagger_assets() -> Router:
    import swagger_ui_bundle

    return create_static_files_router(
        path="/static/swagger", directories=[pathlib.Path(swagger_ui_bundle.swagger_ui_path)], opt={"public": True}, include_in_schema=False
    )


def _bind(state: State, settings: Settings) -> None:
    """What an application holds for one database: settings, the database handle, the policy store, caches."""
    policy = PolicyStore(reconcile_seconds=settings.policy_reconcile_seconds)
    policy.templates = state.policy_templates
    state.settings, state.db, state.policy = settings, Database.from_settings(settings), policy
    for cached in ("storage", "jobs"):
        state.pop(cached, None)
    pages = state.get("web_templates")
    if pages is not None and str(pages.zone) != settings.default_timezone:
        state.pop("web_templates")


def rebind(app: Litestar, settings: Settings) -> Litestar:
    """Point a built (and stopped) application at other settings and database.

    Building the application registers ~700 routes, which costs seconds; the
    test suite builds it once per run and rebinds it to each test's database.
    """
    _bind(app.state, settings)
    return app


def create_app(settings: Settings | None = None, host: PluginHost | None = None) -> Litestar:
    """Build the ASGI application for ``settings`` (read from the environment by default)."""
    from core.files.services import register_record_type

    settings = settings or get_settings()
    host = host or load_plugins(settings)
    access.install(host.pm.hook.redprop_access_rules())
    review.install(host.pm.hook.redprop_pre_reviewer())
    for rec, item in host.declared("redprop_record_types"):
        register_record_type(item["name"], item["object"], item.get("model"), rec.name if rec.is_module else None, item.get("visible"))
    policy_files = [(rec.name, pathlib.Path(path)) for rec, path in host.declared("redprop_policies")]
    templates = read_policy_files(policy_files)

    async def start(app: Litestar) -> None:
        # everything is read from app.state, so ``rebind`` can point a built application at another database
        state = app.state
        db, policy, settings = state.db, state.policy, state.settings
        await sync_templates_safely(db.sessions, policy.templates)
        async with db.sessions() as session:
            await policy.load(session)
        policy.start_polling(db.sessions, settings.policy_poll_seconds)
        if settings.embedded_worker and settings.broker_url.startswith("stub"):
            # the embedded mode: no broker server, the app is its own worker
            runtime = build_runtime(settings, state.plugins)
            runtime.start_worker()
            runtime.start_loops()
            state.jobs = runtime
            state.background = start_background_services(settings, state.plugins)

    async def stop(app: Litestar) -> None:
        for stop_service in app.state.get("background") or []:
            await asyncio.to_thread(stop_service)
        app.state.background = []
        runtime = app.state.get("jobs")
        if runtime is not None:
            await asyncio.to_thread(runtime.stop)
            app.state.jobs = None
        await app.state.policy.stop_polling()
        await app.state.db.dispose()

    state = State({"plugins": host, "policy_templates": templates})
    _bind(state, settings)
    app = Litestar(
        route_handlers=[*_route_handlers(host), _swagger_assets()],
        dependencies=DEPENDENCIES,
        middleware=[close_unfinished],
        before_send=[security_headers],  # CSP, frame denial, nosniff, referrer and permissions policies, HSTS over TLS
        before_request=check_request,  # NUL characters and over-deep JSON: a 400 naming the field (core.inputs)
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        on_startup=[start],
        on_shutdown=[stop],
        state=state,
        openapi_config=openapi_config(),  # the bearer scheme, problem+json errors, a viewer without inline script
        debug=False,
    )
    document(app)
    return app


def freeze_startup_heap() -> None:
    """Move what a built application keeps for its whole life (modules, routes, plugins: about 420,000 objects) out of
    the garbage collector's sight, once, before it serves (``gc.freeze``).

    A full collection walks every tracked object: with the start-up heap in it (480,000 objects, the city-scale policy
    included) one took 360 ms, a stall of every request in flight, and it comes round as request garbage accumulates;
    with the start-up heap frozen, 19 ms (bench/README.md). Called after a ``collect`` (nothing already garbage is kept) and before the start-up hook
    loads the policy, so the enforcer a reconcile replaces each minute is still collected. Only the server and the demo
    call it (``redprop serve``); a test process building many applications does not.
    """
    gc.collect()
    gc.freeze()
