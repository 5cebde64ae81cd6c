"""The core's own hook implementations: it is a plugin like any other (the datasette way)."""

from __future__ import annotations

import importlib
import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl


@hookimpl
def redprop_plugin_info():
    return {
        "name": "core",
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": False,
        "label_zh": "平台内核",
        "label_en": "Platform core",
    }


MODEL_MODULES = ("core.events.models", "core.audit.models", "core.notifications.models", "core.files.models", "core.identity.otp")
ROUTE_MODULES = ("core.audit.api", "core.notifications.api", "core.files.api", "core.web.api")


@hookimpl
def redprop_models():
    from core.authz.models import CasbinRule, PolicyChange, RoleDefinition
    from core.identity.models import AuthToken, LoginFailure, Membership, User

    models = [User, Membership, AuthToken, LoginFailure, CasbinRule, PolicyChange, RoleDefinition]
    for name in MODEL_MODULES:
        models.extend(importlib.import_module(name).MODELS)
    return models


@hookimpl
def redprop_route_handlers():
    from core.authz.api import RolesController
    from core.health import HealthController
    from core.identity.api import AuthController, MeController, UsersController

    handlers = [AuthController, MeController, UsersController, RolesController, HealthController]
    for name in ROUTE_MODULES:
        handlers.extend(importlib.import_module(name).ROUTE_HANDLERS)
    return handlers


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from core.jobs.maintenance import JOBS

    return JOBS


@hookimpl
def redprop_schedules():
    from core.jobs.maintenance import SCHEDULES

    return SCHEDULES
