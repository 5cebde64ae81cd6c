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
    from tenants import billing, import_models, models

    return [*billing.MODELS, *import_models.MODELS] + [
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

    return [*ROUTE_HANDLERS, *IMPORT_HANDLERS]


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_event_types():
    summary = ["rows", "buildings", "units", "rooms", "households", "residents", "existing_residents", "sha256"]
    return [
        {
            "name": "tenants.housing_imported",
            "fields": ["import_id", *summary],
            "description": "A compound's buildings, rooms and residents were imported from a spreadsheet.",
            "legacy_name": True,
        }
    ]
