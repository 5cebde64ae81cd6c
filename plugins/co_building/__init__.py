"""co_building — 共建共享 (Co-building and sharing, standard §6): the plugin's hook implementations and nothing else."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl

NAME = "co_building"


@hookimpl
def redprop_plugin_info():
    return {
        "name": NAME,
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": True,
        "label_zh": "共建共享",
        "label_en": "Co-building and sharing",
    }


@hookimpl
def redprop_models():
    from plugins.co_building.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from plugins.co_building.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from plugins.co_building.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from plugins.co_building.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from plugins.co_building.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from plugins.co_building.indicators import INDICATORS

    return INDICATORS


@hookimpl
def redprop_dashboard_widgets():
    from plugins.co_building.indicators import WIDGETS

    return WIDGETS


@hookimpl
def redprop_record_types():
    from plugins.co_building.services import RECORD_TYPES

    return RECORD_TYPES


@hookimpl
def redprop_payment_providers():
    from plugins.co_building.services.fees import PROVIDERS

    return PROVIDERS


@hookimpl
def redprop_handle_event(event):
    from plugins.co_building.services import react

    return react(event)


@hookimpl
def redprop_demo_data(seed):
    from plugins.co_building.services import add_demo_rows

    add_demo_rows(seed)
