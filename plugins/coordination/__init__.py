"""coordination — 协同联动 (Coordination and joint action, standard §5): the plugin's hook implementations and nothing else."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl

NAME = "coordination"


@hookimpl
def redprop_plugin_info():
    return {
        "name": NAME,
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": True,
        "label_zh": "协同联动",
        "label_en": "Coordination and joint action",
    }


@hookimpl
def redprop_models():
    from plugins.coordination.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from plugins.coordination.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from plugins.coordination.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from plugins.coordination.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from plugins.coordination.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from plugins.coordination.indicators import INDICATORS

    return INDICATORS
