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
    from plugins.co_building.services import alarms, react

    from_alarm = alarms.react(event)  # smart_property's alarms asking for a work order (key co_building:alarms)
    return {"alarms": from_alarm} if from_alarm is not None else react(event)


@hookimpl
def redprop_demo_data(seed):
    from plugins.co_building.services import add_demo_rows

    add_demo_rows(seed)


@hookimpl
def redprop_generate_city(city):
    from plugins.co_building.generate import register

    register(city)


@hookimpl
def redprop_event_types():
    request = ["request_id", "number", "kind", "category"]
    handed_over = [*request, "title", "description", "location", "room_id", "reason", "filed_at", "resident_user_id"]
    tally = ["rule", "special", "total_area", "total_heads", "participating_area", "participating_heads"]
    tally += ["approving_area", "approving_heads", "quorum_met", "passed", "reasons"]
    return [
        {
            "name": "co_building.request.filed",
            "fields": [*request, "priority"],
            "description": "A resident or staff filed a service request.",
        },
        {"name": "co_building.request.rated", "fields": ["request_id", "rating"], "description": "The resident rated a closed request."},
        {
            "name": "co_building.request.completed",
            "fields": ["request_id", "number", "kind", "category", "filed_for_user_id", "room_id"],
            "description": "A work order was completed (quality sends the resident a follow-up survey).",
        },
        {
            "name": "co_building.request.handed_over",
            "fields": handed_over,
            "description": "A request beyond the property company's powers goes to coordination (which opens a case).",
        },
        {"name": "co_building.vote.opened", "fields": ["vote_id", "title", "closes_at"], "description": "An owners' vote opened."},
        {
            "name": "co_building.vote.closed",
            "fields": ["vote_id", "title", "matter", *tally],
            "description": "An owners' vote closed, with its tally.",
        },
        {
            "name": "co_building.proposal.qualified",
            "fields": ["proposal_id", "title", "signatures"],
            "description": "A residents' proposal gathered enough signatures.",
        },
        {
            "name": "co_building.service.booked",
            "fields": ["booking_id", "service_id", "slot_id"],
            "description": "A featured service was booked.",
        },
        {
            "name": "co_building.booking.cancelled",
            "fields": ["booking_id", "by_staff"],
            "description": "A booking was cancelled.",
        },
        {
            "name": "co_building.care_visit.missed",
            "fields": ["visit_id", "subject_id", "due_on"],
            "description": "A care-list visit was not made in time.",
        },
        {
            "name": "co_building.volunteer.signed_up",
            "fields": ["activity_id", "signup_id", "status"],
            "description": "A volunteer signed up for an activity.",
        },
        {
            "name": "co_building.volunteer.promoted",
            "fields": ["activity_id", "signup_id"],
            "description": "A waiting volunteer got a place.",
        },
        {
            "name": "co_building.volunteer.checked_out",
            "fields": ["activity_id", "signup_id", "hours", "points"],
            "description": "A volunteer's hours and points were recorded.",
        },
        {
            "name": "co_building.points.redeemed",
            "fields": ["redemption_id", "reward_id", "points"],
            "description": "A volunteer redeemed points for a reward.",
        },
    ]


@hookimpl
def redprop_waiting_items():
    from plugins.co_building.waiting import WAITING_ITEMS

    return WAITING_ITEMS
