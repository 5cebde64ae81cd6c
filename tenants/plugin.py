"""The control plane's hook implementations (always on, not a gated module)."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl


@hookimpl
def redprop_plugin_info():
    return {
        "name": "tenants",
        "version": "0.1.0",
        "hook_api": HOOK_API_VERSION,
        "module": False,
        "label_zh": "租户与房屋",
        "label_en": "Tenants and housing",
    }


@hookimpl
def redprop_access_rules():
    from tenants.access import ControlPlaneAccess

    return ControlPlaneAccess()


@hookimpl
def redprop_models():
    from tenants import billing, committee_terms, import_models, joining_models, models

    return [*billing.MODELS, *import_models.MODELS, *joining_models.MODELS, *committee_terms.MODELS] + [
        getattr(models, n)
        for n in (
            "Tenant",
            "Region",
            "Department",
            "Compound",
            "OperatorTerm",
            "Building",
            "Unit",
            "Room",
            "Household",
            "Resident",
            "OwnersCommittee",
            "CommitteeMember",
            "Plan",
            "Subscription",
            "ModuleEnablement",
        )
    ]


@hookimpl
def redprop_route_handlers():
    from tenants.api import ROUTE_HANDLERS
    from tenants.imports_api import ROUTE_HANDLERS as IMPORT_HANDLERS
    from tenants.joining_api import ROUTE_HANDLERS as JOINING_HANDLERS
    from tenants.pages import ROUTE_HANDLERS as PAGE_HANDLERS

    return [*ROUTE_HANDLERS, *IMPORT_HANDLERS, *JOINING_HANDLERS, *PAGE_HANDLERS]


@hookimpl
def redprop_pages():
    from tenants.pages import PAGES

    return PAGES


@hookimpl
def redprop_record_types():
    from tenants import models

    housing = (("building", models.Building), ("unit", models.Unit), ("room", models.Room), ("household", models.Household))
    return [
        *({"name": f"tenants.{name}", "object": "tenants.housing", "model": model} for name, model in housing),
        {"name": "tenants.resident", "object": "tenants.resident", "model": models.Resident},
        {"name": "tenants.committee", "object": "tenants.committee", "model": models.OwnersCommittee},
    ]


@hookimpl
def redprop_actors():
    from tenants.billing import generate_invoices_job
    from tenants.committee_terms import flag_expiring_job

    return [generate_invoices_job, flag_expiring_job]


@hookimpl
def redprop_schedules():
    # hourly: the job issues last month's invoices once (idempotent), whichever hour the month turns
    return [
        {"name": "tenants.monthly_invoices", "actor": "tenants.generate_invoices", "every_seconds": 3600},
        # daily: owners' committee terms ending within 90 days are flagged once to the district
        {"name": "tenants.committee_expiry", "actor": "tenants.flag_committee_expiry", "cron": "0 8 * * *"},
    ]


@hookimpl
def redprop_handle_event(event):
    from tenants.committee_terms import react

    return react(event)  # a closed elect_committee vote (co_building) is remembered for filling a term


@hookimpl
def redprop_cli_commands():
    from tenants.generate_cli import generate_group
    from tenants.imports_cli import import_group
    from tenants.operators_cli import COMMANDS

    return [import_group, generate_group, *COMMANDS]


@hookimpl
def redprop_demo_city():
    from tenants.demo import ControlPlaneDemo

    return ControlPlaneDemo()


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_event_types():
    summary = ["rows", "buildings", "units", "rooms", "households", "residents", "existing_residents", "rooms_updated", "sha256"]
    return [
        {
            "name": "tenants.housing.imported",
            "fields": ["import_id", *summary],
            "description": "A compound's buildings, rooms and residents were imported from a spreadsheet.",
        }
    ]
