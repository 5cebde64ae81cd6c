"""parcel_lockers — 快递柜: lockers per compound, parcels checked in for residents, single-use pickup codes, overdue
notices, a resident portal page and an indicator. An example vendor plugin: it imports only ``core.public``.

This module holds the hook implementations and nothing else.
"""

from __future__ import annotations

import pathlib

from core.public import API_VERSION, HOOK_API_VERSION, hookimpl

NAME = "parcel_lockers"


@hookimpl
def redprop_plugin_info():
    return {
        "name": NAME,
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "api": API_VERSION,
        "module": True,
        "label_zh": "快递柜",
        "label_en": "Parcel lockers",
    }


@hookimpl
def redprop_models():
    from redprop_parcel_lockers.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from redprop_parcel_lockers.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from redprop_parcel_lockers.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from redprop_parcel_lockers.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from redprop_parcel_lockers.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from redprop_parcel_lockers.indicators import INDICATORS

    return INDICATORS


@hookimpl
def redprop_event_types():
    return [
        {
            "name": "parcel_lockers.parcel.arrived",
            "fields": ["parcel_id", "recipient_user_id", "locker", "compartment", "carrier"],
            "description": "Staff checked a parcel into a locker for a resident (who is notified).",
        }
    ]


@hookimpl
def redprop_handle_event(event):
    from redprop_parcel_lockers.services import react

    return react(event)


@hookimpl
def redprop_demo_data(seed):
    from redprop_parcel_lockers.demo import add_demo_rows

    add_demo_rows(seed)
