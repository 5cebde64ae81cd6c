"""smart_property — 智慧物业 (Smart property, standard SPEC §3.5): the plugin's hook implementations and nothing else."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl

NAME = "smart_property"


@hookimpl
def redprop_plugin_info():
    return {
        "name": NAME,
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": True,
        "label_zh": "智慧物业",
        "label_en": "Smart property",
    }


@hookimpl
def redprop_models():
    from plugins.smart_property.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from plugins.smart_property.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from plugins.smart_property.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from plugins.smart_property.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from plugins.smart_property.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from plugins.smart_property.indicators import INDICATORS

    return INDICATORS


@hookimpl
def redprop_dashboard_widgets():
    from plugins.smart_property.indicators import WIDGETS

    return WIDGETS


@hookimpl
def redprop_event_types():
    return [
        {
            "name": "smart_property.alarm.raised",
            "fields": [
                "alarm_id",
                "device_id",
                "device_type",
                "rule",
                "severity",
                "metric",
                "value",
                "action",
                "category",
                "building_id",
                "description",
            ],
            "description": "A device alarm opened; action says who acts: notify (the control room), work_order (co_building), "
            "coordination_case (coordination), under category.",
        },
        {"name": "smart_property.alarm.resolved", "fields": ["alarm_id"], "description": "Staff resolved a device alarm."},
    ]


@hookimpl
def redprop_background_services():
    from plugins.smart_property.services.mqtt import BACKGROUND_SERVICES

    return BACKGROUND_SERVICES


@hookimpl
def redprop_demo_data(seed):
    from plugins.smart_property.services.demo import demo_rows

    demo_rows(seed)


@hookimpl
def redprop_generate_city(city):
    from plugins.smart_property.generate import register

    register(city)


@hookimpl
def redprop_cli_commands():
    from plugins.smart_property.cli import COMMANDS

    return COMMANDS
