"""party_building — 党建引领 (Party-building leadership, standard §4): the plugin's hook implementations and nothing else."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl

NAME = "party_building"


@hookimpl
def redprop_plugin_info():
    return {
        "name": NAME,
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": True,
        "label_zh": "党建引领",
        "label_en": "Party-building leadership",
    }


@hookimpl
def redprop_models():
    from plugins.party_building.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from plugins.party_building.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from plugins.party_building.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from plugins.party_building.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from plugins.party_building.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from plugins.party_building.indicators import INDICATORS

    return INDICATORS


@hookimpl
def redprop_dashboard_widgets():
    from plugins.party_building.indicators import DASHBOARD_WIDGETS

    return DASHBOARD_WIDGETS


@hookimpl
def redprop_record_types():
    from plugins.party_building import models

    return [
        {"name": "party_building.action_item", "object": "party_building.action_item", "model": models.ActionItem},
        {"name": "party_building.meeting", "object": "party_building.meeting", "model": models.Meeting},
        {"name": "party_building.study_session", "object": "party_building.study", "model": models.StudySession},
        {"name": "party_building.disclosure", "object": "party_building.disclosure", "model": models.Disclosure},
    ]


@hookimpl
def redprop_demo_data(seed):
    from plugins.party_building.demo import describe

    describe(seed)
