"""Derived access, as the kernel asks for it: who a caller is, which modules are on where, a compound's zone.

The rules themselves belong to the control plane (the always-on ``tenants``
plugin), which hands an :class:`AccessRules` object to the host through the
``redprop_access_rules`` hook. The kernel only calls it, so core never imports
the control plane, and every caller (guard, navigation, figures, attachments,
jobs) asks the same one rule.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from core.problems import Problem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.authz.enforcer import FastEnforcer
    from core.identity.principal import Principal

ModuleState = tuple[bool, str]
"""``(active, reason)``: whether a module is on for a compound, and why (shown to people)."""


class TenantLabel(NamedTuple):
    """What the kernel shows of a tenant."""

    name: str
    kind: str
    timezone: str = ""


class AccessRules(Protocol):
    """What the control plane answers for the kernel. Every method is set-based: a few queries, whatever the size."""

    async def resolve_principal(self, session: AsyncSession, user: Any, tenant_id: uuid.UUID | None, enforcer: FastEnforcer) -> Principal:
        """The caller of a request: the active tenant and the compounds it reaches (``session`` is cross-scope)."""

    async def module_states(
        self, session: AsyncSession, compound_ids: Sequence[uuid.UUID], modules: Sequence[str]
    ) -> dict[uuid.UUID, dict[str, ModuleState]]:
        """For each compound and module: active or not, and the reason (SPEC §2: subscription **or** district)."""

    async def compounds_with_module(self, session: AsyncSession, module: str) -> list[uuid.UUID]:
        """Every compound where ``module`` is active now (same rule as :meth:`module_states`)."""

    async def compound_zones(self, session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Each compound's IANA time zone: where its local day and office hours are counted."""

    async def compound_tenants(self, session: AsyncSession, compound_id: uuid.UUID) -> list[uuid.UUID]:
        """The tenants whose tenant-wide roles reach the compound (its operator now, its district, the platform)."""

    async def tenant_labels(self, session: AsyncSession, tenant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TenantLabel]:
        """Name and kind of each tenant (for display: memberships, the audit log, the tenant switcher)."""

    async def compound_names(self, session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Name of each compound the session's scope sees (a missing one is absent)."""

    async def compound_places(self, session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, str]]:
        """Each compound's name, street (街道) and community (社区) the session's scope sees (a district's home table)."""

    async def compound_menu(self, session: AsyncSession, limit: int) -> list[tuple[uuid.UUID, str]]:
        """The compounds the session's scope sees, by name, at most ``limit`` (the shell's compound switcher)."""

    async def forget_module(self, session: AsyncSession, module: str) -> dict[str, list[dict[str, Any]]]:
        """Remove every trace of a purged module from the control plane (districts' enablements, plans' module lists)
        and return what was removed, for the purge's export (``session`` is cross-scope)."""


_rules: AccessRules | None = None


def install(rules: AccessRules) -> None:
    """Called once by the application factory with what ``redprop_access_rules`` returned."""
    global _rules
    _rules = rules


def rules() -> AccessRules:
    if _rules is None:
        raise RuntimeError("no access rules installed: the control plane (tenants) plugin is not loaded")
    return _rules


NO_COMPOUND = "compound not found"
"""The reason a module is off where the compound is unknown (or outside the reader's scope)."""


async def module_state(session: AsyncSession, compound_id: uuid.UUID, module: str) -> ModuleState:
    """One module of one compound (pages that show a single switch). In a request's session for the route's compound,
    the request context's states (read once per request, kept by the process: no statement); else one query."""
    ctx = session.info.get("ctx")
    if ctx is not None and ctx.compound_id == compound_id:
        found = (await ctx.module_states()).get(module)
        if found is not None:
            return found
    states = await rules().module_states(session, [compound_id], [module])
    return states.get(compound_id, {}).get(module, (False, NO_COMPOUND))


def module_disabled(module: str, reason: str) -> Problem:
    """The 403 a gated module answers where it is off, with a machine-readable reason."""
    return Problem(
        403,
        "module-disabled",
        "Module not enabled",
        f"module '{module}' is not enabled for this compound: {reason}",
        module=module,
        reason=reason,
    )


async def compound_zone(session: AsyncSession, compound_id: uuid.UUID) -> str:
    """The compound's time zone (one rule for every plugin: see the control plane's ``compound_zones``)."""
    return (await rules().compound_zones(session, [compound_id])).get(compound_id) or _default_zone()


def _default_zone() -> str:
    from core.settings import get_settings

    return get_settings().default_timezone


async def compound_today(session: AsyncSession, compound_id: uuid.UUID) -> dt.date:
    """Today's date where the compound is (a bill's period, a meeting's day, "today's work orders")."""
    from zoneinfo import ZoneInfo

    from core.clock import now

    return now().astimezone(ZoneInfo(await compound_zone(session, compound_id))).date()


async def compounds_today(session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
    """Today's date where each compound is, in one query (a job over many compounds, each in its own zone)."""
    from zoneinfo import ZoneInfo

    from core.clock import now

    moment, zones = now(), await rules().compound_zones(session, list(compound_ids))
    return {c: moment.astimezone(ZoneInfo(zones.get(c) or _default_zone())).date() for c in compound_ids}


async def tenant_today(session: AsyncSession, tenant_id: uuid.UUID | None) -> dt.date:
    """Today in a tenant's own zone, for what belongs to a tenant and no compound (a district's periods)."""
    from zoneinfo import ZoneInfo

    from core.clock import now

    label = (await rules().tenant_labels(session, [tenant_id])).get(tenant_id) if tenant_id else None
    return now().astimezone(ZoneInfo((label and label.timezone) or _default_zone())).date()
