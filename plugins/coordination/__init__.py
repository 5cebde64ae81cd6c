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


@hookimpl
def redprop_dashboard_widgets():
    from plugins.coordination.indicators import WIDGETS

    return WIDGETS


@hookimpl
def redprop_record_types():
    from plugins.coordination.services import RECORD_TYPES

    return RECORD_TYPES


@hookimpl
def redprop_handle_event(event):
    from plugins.coordination.services import react

    return react(event)


@hookimpl
def redprop_demo_data(seed):
    from plugins.coordination.services import add_demo_rows

    add_demo_rows(seed)


@hookimpl
def redprop_generate_city(city):
    from plugins.coordination.generate import register

    register(city)


@hookimpl
def redprop_event_types():
    return [
        {
            "name": "coordination.case.updated",
            "fields": ["case_id", "source", "source_id", "status", "note", "reference", "by"],
            "description": "A case was opened or moved (status is its state now); source and source_id name the record it came from, "
            "if any (co_building shows it on the resident's request).",
        },
        {
            "name": "coordination.case.escalated",
            "fields": ["case_id", "number", "category", "level"],
            "description": "A case past its limit went up a level (community, street, district).",
        },
    ]
