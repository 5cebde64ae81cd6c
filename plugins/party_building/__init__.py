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
        {"name": "party_building.pre_review", "object": "party_building.pre_review", "model": models.PreReview},
    ]


@hookimpl
def redprop_demo_data(seed):
    from plugins.party_building.demo import describe

    describe(seed)


@hookimpl
def redprop_generate_city(city):
    from plugins.party_building.generate import register

    register(city)


@hookimpl
def redprop_event_types():
    owner = ["owner_kind", "owner_name", "owner_tenant_id"]
    return [
        {
            "name": "party_building.meeting.scheduled",
            "fields": ["meeting_id", "kind", "title", "scheduled_at"],
            "description": "A party meeting was scheduled.",
        },
        {
            "name": "party_building.meeting.held",
            "fields": ["meeting_id", "kind", "title", "held_at", "resolutions"],
            "description": "A meeting was held and its resolutions recorded.",
        },
        {
            "name": "party_building.meeting.missed",
            "fields": ["kind", "period", "required", "held", "period_start", "period_end"],
            "description": "A period ended with fewer meetings of a kind than required.",
        },
        {
            "name": "party_building.action_item.assigned",
            "fields": ["action_item_id", "title", "due_on", *owner, "owner_user_id", "meeting_id", "meeting_kind", "meeting_title"]
            + ["resolution", "link"],
            "description": "A resolution became an action item with an owner and a due date.",
        },
        {
            "name": "party_building.action_item.closed",
            "fields": ["action_item_id", "title", "owner_kind", "on_time"],
            "description": "An action item was closed.",
        },
        {
            "name": "party_building.action_item.lapsed",
            "fields": ["action_item_id", "title", *owner, "due_on"],
            "description": "An action item passed its due date open.",
        },
        {
            "name": "party_building.disclosure.published",
            "fields": ["disclosure_id", "category", "title", "version", "publish_from", "publish_until"],
            "description": "A disclosure was published.",
        },
        {
            "name": "party_building.pre_review.requested",
            "fields": ["pre_review_id", "matter", "subject_id", "title"],
            "description": "A matter was put to the community party organisation for pre-review (前置把关).",
        },
        {
            "name": "party_building.pre_review.recorded",
            "fields": ["pre_review_id", "matter", "subject_id", "opinion", "reviewer_name", "reviewed_on"],
            "description": "The party organisation recorded its pre-review opinion (approve, approve with conditions, reject).",
        },
    ]


@hookimpl
def redprop_pre_reviewer():
    from plugins.party_building.services.pre_review import PartyPreReviewer

    return PartyPreReviewer()


@hookimpl
def redprop_waiting_items():
    from plugins.party_building.services.meetings import waiting_action_items
    from plugins.party_building.services.pre_review import waiting_reviews

    return [
        {
            "code": "party_building.pre_reviews",
            "label_zh": "待前置把关事项",
            "label_en": "Matters awaiting pre-review",
            "permission": "party_building.pre_review:approve",
            "audience": "console",
            "order": 10,
            "compute": waiting_reviews,
        },
        {
            "code": "party_building.action_items",
            "label_zh": "联席会议待办事项",
            "label_en": "Open action items of the joint meetings",
            "permission": "party_building.action_item:write",
            "audience": "console",
            "order": 20,
            "compute": waiting_action_items,
        },
    ]
