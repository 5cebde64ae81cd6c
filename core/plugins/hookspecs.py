"""Every hook a redprop plugin may implement, one docstring each (documented in docs/plugin-hooks.md).

Hooks *declare* things; anything that does I/O runs in a service or an actor,
never inside a hook call.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "redprop"
HOOK_API = "1.3.0"
"""Semantic version of the hook API: a plugin built for an older minor of the same major keeps working; one built
for another major (or a newer minor) is refused at load with what to upgrade. 1.1 added ``redprop_event_types``,
``redprop_background_services`` and the ``api`` key of ``redprop_plugin_info``; 1.2 ``redprop_waiting_items`` and
``redprop_pre_reviewer``; 1.3 ``redprop_generate_city``."""
HOOK_API_VERSION = 1
"""The hook API's major: what a plugin declares as ``hook_api`` (an int major, or a ``"major.minor"`` string)."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ----------------------------------------------------------------- identity


@hookspec(firstresult=True)
def redprop_plugin_info() -> dict[str, Any]:
    """Name, version, hook API version, labels and whether it is a gated module of the plugin."""


@hookspec(firstresult=True)
def redprop_access_rules() -> Any:
    """The control plane's ``core.access.AccessRules``: principals, module states, compound zones (one plugin answers)."""


@hookspec(firstresult=True)
def redprop_demo_city() -> Any:
    """The control plane's demo city (one plugin answers): an object with ``password``, ``accounts`` (``(username,
    name, what they do)`` rows) and ``async build(db, host) -> city | None`` (None when one is there already), which
    builds the tenants, compounds and people and then asks every plugin's ``redprop_demo_data``."""


@hookspec
def redprop_cli_commands() -> list[Any]:
    """Click commands or groups added to the ``redprop`` command (names must not clash with the kernel's)."""


# ----------------------------------------------------------------- declarations


@hookspec
def redprop_models() -> list[type]:
    """SQLAlchemy model classes the plugin owns (their tables come from its migrations)."""


@hookspec
def redprop_route_handlers() -> list[Any]:
    """Litestar routers or controllers, mounted at the paths they declare (compound-scoped ones declare
    /api/v1/compounds/{compound_id:uuid}/<plugin>/...); a gated module's are wrapped in a router carrying its name."""


@hookspec
def redprop_pages() -> list[dict[str, Any]]:
    """Console and portal navigation entries: ``{"path", "label_zh", "label_en", "permission", "portal"}``, optionally
    ``"group"`` (``overview``, ``compound``, ``modules`` (default), ``admin``, ``me``) and ``"order"`` inside it (default 100)."""


@hookspec
def redprop_policies() -> list[str]:
    """Paths of ``policies.csv`` files with role templates (``p`` lines with domain ``*``)."""


@hookspec
def redprop_actors() -> list[Any]:
    """Dramatiq actors the plugin defines."""


@hookspec
def redprop_schedules() -> list[dict[str, Any]]:
    """Periodic jobs: ``{"name", "actor", "every_seconds" or "cron"}`` run by the one scheduler (cron in the platform's time zone)."""


@hookspec
def redprop_event_types() -> list[dict[str, Any]]:
    """Domain events the plugin emits: ``{"name": "<plugin>.<thing>.<past verb>", "fields": [...], "description"}``."""


@hookspec
def redprop_indicators() -> list[dict[str, Any]]:
    """Evaluation indicators: ``{"code", "label_zh", "label_en", "target", "weight", "compute"}``."""


@hookspec
def redprop_dashboard_widgets() -> list[dict[str, Any]]:
    """Dashboard figures and charts for compound and district screens."""


@hookspec
def redprop_waiting_items() -> list[dict[str, Any]]:
    """What is waiting for a person on their home (待办): ``{"code", "label_zh", "label_en", "permission": "obj:act",
    "audience": "console" | "portal", "compute"}``; ``compute(session, user_id, compound_ids, moment)`` counts over
    all the compounds at once and returns ``{"count", "urgent", "href", "items"}`` (core.waiting)."""


@hookspec(firstresult=True)
def redprop_pre_reviewer() -> Any:
    """The party organisation's pre-review (前置把关) as a ``core.review.PreReviewer`` (one plugin answers): other
    plugins ask through ``core.review`` whether a matter may become a vote or take effect."""


@hookspec
def redprop_record_types() -> list[dict[str, Any]]:
    """Records that take attachments: ``{"name", "object", "model"}`` (read/write checked on ``object``)."""


@hookspec
def redprop_payment_providers() -> list[Any]:
    """Payment providers (``core.payments.PaymentProvider``): start a charge, answer with a reference."""


@hookspec
def redprop_background_services() -> list[dict[str, Any]]:
    """Long-running services beside the job worker (an MQTT subscriber): ``{"name", "option", "enabled", "start"}``;
    ``redprop worker --<option>`` runs them, the embedded app too where ``enabled(settings)``; ``start(settings, host)``
    returns a stop callable."""


@hookspec
def redprop_notification_channels() -> list[Any]:
    """Notification channels (email, SMS, WeChat …) keyed by name."""


# ----------------------------------------------------------------- reactions


@hookspec
def redprop_handle_event(event: dict[str, Any]) -> Any:
    """Return an async reaction ``(session) -> None`` to a domain event, a list or dict of them, or None; each is applied once."""


@hookspec
def redprop_demo_data(seed: Any) -> None:
    """Describe the plugin's demo rows; ``seed`` collects them and writes them in one transaction."""


@hookspec
def redprop_generate_city(city: Any) -> None:
    """Register the plugin's part of a generated city (``redprop generate city``): ``city.per_compounds(name, make)``
    queues ``make(batch)``, called for every batch of generated compounds, which adds row dicts with
    ``batch.add(Model, rows)``; the control plane writes them by COPY. The hook itself does no I/O."""
