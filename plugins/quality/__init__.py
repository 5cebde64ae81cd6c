"""quality — 服务质量评价与改进 (Service quality evaluation and improvement, standard §7): the plugin's hook implementations and nothing else."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl

NAME = "quality"


@hookimpl
def redprop_plugin_info():
    return {
        "name": NAME,
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": True,
        "label_zh": "服务质量评价与改进",
        "label_en": "Service quality evaluation and improvement",
    }


@hookimpl
def redprop_models():
    from plugins.quality.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from plugins.quality.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from plugins.quality.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from plugins.quality.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from plugins.quality.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from plugins.quality.indicators import INDICATORS

    return INDICATORS


@hookimpl
def redprop_dashboard_widgets():
    from plugins.quality.indicators import WIDGETS

    return WIDGETS


@hookimpl
def redprop_record_types():
    from plugins.quality.services import RECORD_TYPES

    return RECORD_TYPES


@hookimpl
def redprop_demo_data(seed):
    from plugins.quality.services.demo import add_demo_rows

    add_demo_rows(seed)


@hookimpl
def redprop_generate_city(city):
    from plugins.quality.generate import register

    register(city)


@hookimpl
def redprop_handle_event(event):
    from plugins.quality.services import react

    return react(event)


@hookimpl
def redprop_event_types():
    return [
        {
            "name": "quality.period.published",
            "fields": ["period_id", "name"],
            "description": "A district published an evaluation period's scores, stars and ranks.",
        },
        {
            "name": "quality.rectification.issued",
            "fields": ["notice_id", "number", "due_at"],
            "description": "A district issued a rectification notice to a compound's operator.",
        },
        {
            "name": "quality.rectification.escalated",
            "fields": ["notice_id", "number"],
            "description": "A rectification notice passed its deadline unanswered.",
        },
    ]
