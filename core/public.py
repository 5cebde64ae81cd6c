"""The public plugin API of redprop: everything a plugin may import from the platform, in one module.

A vendor plugin imports ``core.public`` (and, in its tests, ``core.testing``) and nothing else from ``core`` or
``tenants``; the contract check (``core.plugins.contract``) names any other import. Every name here keeps its meaning
within a major version of :data:`API_VERSION`: a minor release adds names, only a major one removes or changes one.
A plugin may declare the version it was built with as ``"api"`` in ``redprop_plugin_info``; a newer minor or another
major is refused when it loads, with what to upgrade. The hook API (the hooks in ``core.plugins.hookspecs``) is
versioned the same way as :data:`HOOK_API`.

Each name is described in :data:`DOCS` (one line each, the reference in docs/plugins/reference.md is checked
against it). The seams they stand for are the ones in docs/architecture.md ("Kernel seams a plugin builds on").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import rls as _rls
from core.access import compound_today, compound_zone, module_disabled, module_state, rules
from core.authz.guard import authenticated, requires
from core.authz.holders import holders
from core.calendar import WorkCalendar, work_calendar
from core.clock import now
from core.context import RequestContext, forbidden
from core.db import Base, CompoundScoped, ExactDecimal, TenantScoped, Timestamped, UTCDateTime, utcnow, within
from core.events.services import emit
from core.ids import uuid7
from core.inputs import contains, one_of
from core.jobs.compounds import CompoundRun, active_compounds, for_each_active_compound
from core.jobs.runtime import Job, job
from core.notifications.services import notify
from core.pagination import LimitParam, OffsetParam, Page, check_offset, page_of, paginate
from core.plugins.hookspecs import HOOK_API, HOOK_API_VERSION, hookimpl
from core.plugins.versions import API_VERSION
from core.problems import Problem, conflict, invalid, not_found
from core.schemas import Input, LongName, Name, Output, Phone, Text
from core.security import mask_id_card, mask_phone
from core.states import IllegalTransition, StateMachine
from core.web.api import page_router
from core.web.confirm import confirmation
from core.web.forms import form_values, parse_form, to_input
from core.web.i18n import N_, negotiate
from core.web.render import PAGE_SIZE, Pager, done, fragment, is_htmx, page, pager, redirect
from core.xlsx import workbook, xlsx_response

# --------------------------------------------------------------------------- helpers that exist only here


async def compound_names(session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Name of each compound the session's scope sees (asked of the control plane; one query)."""
    return await rules().compound_names(session, list(compound_ids))


async def compound_name(session: AsyncSession, compound_id: uuid.UUID) -> str:
    """The name of one compound ("" where the session's scope does not see it)."""
    return (await compound_names(session, [compound_id])).get(compound_id, "")


async def user_ids_by_phone(session: AsyncSession, phones: Sequence[str]) -> dict[str, uuid.UUID]:
    """The accounts that log in with these phone numbers (residents), one query; numbers without one are absent."""
    from core.identity.models import User
    from core.identity.phones import phone_index

    wanted = sorted({p for p in phones if p})
    if not wanted:
        return {}
    by_index = {phone_index(p): p for p in wanted}  # phones are sealed: matched by their blind index
    rows = await session.execute(select(User.phone_index, User.id).where(User.phone.in_(wanted), User.is_active.is_(True)))
    return {by_index[index]: user_id for index, user_id in rows.all()}


def enable_rls(table: str, column: str = "compound_id") -> None:
    """In a migration: turn on and force row-level security on a compound-scoped table (PostgreSQL; a no-op on SQLite)."""
    _rls.enable(table, column)


def disable_rls(table: str) -> None:
    """In a migration's downgrade: drop the table's row-level security policy (PostgreSQL)."""
    _rls.disable(table)


def grant_app_access() -> None:
    """In a migration, after creating tables: give the application's (and the worker's) database role its data rights."""
    from core.settings import get_settings

    _rls.grant_app_role(get_settings().app_db_role)


DOCS: dict[str, str] = {
    # versions and hooks
    "API_VERSION": "Semantic version of this module; declare it as redprop_plugin_info()['api'].",
    "HOOK_API": "Semantic version of the hook API (core.plugins.hookspecs).",
    "HOOK_API_VERSION": "The hook API's major: declare it as redprop_plugin_info()['hook_api'].",
    "hookimpl": "Marks a function of the plugin's package as a hook implementation (@hookimpl).",
    # tables
    "Base": "SQLAlchemy declarative base of every table.",
    "CompoundScoped": "Mixin of compound-scoped tables: compound_id first in the primary key, scoped by the ORM and by row-level security.",
    "TenantScoped": "Mixin of per-tenant configuration tables (tenant_id first in the primary key).",
    "Timestamped": "Mixin adding created_at and updated_at (UTC).",
    "UTCDateTime": "Column type: an aware datetime stored in UTC.",
    "ExactDecimal": "Column type: a Decimal stored exactly (money, areas, scores; never float).",
    "uuid7": "A time-ordered UUID for new rows.",
    "utcnow": "The current time in UTC as core.clock sees it (column defaults).",
    "within": "within(statement, compound_ids): the statement reads only these compounds of the reach (one compound filter; use it instead of compound_id IN).",
    "enable_rls": "Migration helper: turn on and force row-level security on a compound-scoped table.",
    "disable_rls": "Migration helper: drop a table's row-level security policy (downgrade).",
    "grant_app_access": "Migration helper: give the application's database role its rights on new tables.",
    # the request
    "RequestContext": "The request's caller, compound and one unit of work: ctx.session, ctx.can(), ctx.require(), ctx.module_on().",
    "requires": "Route guard: requires(object, action) — the permission must be in the plugin's policies.csv.",
    "authenticated": "Route guard: any signed-in caller (for routes whose rule is decided in the service).",
    "forbidden": "The 403 problem naming a missing permission.",
    "holders": "Who holds a permission in a compound (whom to notify), custom roles included.",
    # errors
    "Problem": "An RFC 9457 problem answer (raise it).",
    "invalid": "A 422 problem naming the field that is wrong.",
    "not_found": "A 404 problem naming what was not found.",
    "conflict": "A 409 problem with a detail.",
    "StateMachine": "A named state machine: .next(state, action) raises IllegalTransition (409, names the allowed moves).",
    "IllegalTransition": "The 409 problem of a move a state machine does not allow.",
    # input and output
    "Input": "Base struct of request bodies (unknown fields refused).",
    "Output": "Base struct of responses.",
    "Name": "A required text of at most 100 characters.",
    "LongName": "A required text of at most 200 characters.",
    "Text": "A text of at most 2000 characters.",
    "Phone": "A mainland mobile number (11 digits).",
    "one_of": "Validate a value against allowed choices (422 naming the field).",
    "contains": "A case-insensitive 'contains' filter for a column, with the term's wildcards escaped.",
    "mask_phone": "A phone number masked for roles that do not need it (138****0001).",
    "mask_id_card": "An ID-card number masked for roles that do not need it.",
    # lists
    "Page": "One page of a list: items, total, limit, offset — every list endpoint answers one.",
    "paginate": "Rows of one page of a statement and the total count (two statements whatever the page size).",
    "page_of": "A Page of a list computed whole and bounded by nature.",
    "check_offset": "Refuse an offset past the maximum (pages that take offset from the query).",
    "LimitParam": "Query parameter type of a page size.",
    "OffsetParam": "Query parameter type of an offset.",
    # modules, compounds and time
    "module_state": "Whether a module is on for a compound, and why (outside requests; inside use ctx.module_on).",
    "module_disabled": "The 403 problem a gated module answers where it is off.",
    "compound_zone": "The compound's IANA time zone.",
    "compound_today": "The compound's local date today.",
    "compound_names": "Names of compounds the session sees, in one query.",
    "compound_name": "The name of one compound.",
    "user_ids_by_phone": "The resident accounts that log in with given phone numbers, in one query.",
    "now": "The current time (UTC); tests move it with core.testing's clock.",
    "work_calendar": "The working-day calendar (add_working_hours, add_working_days) for deadlines.",
    "WorkCalendar": "The type work_calendar() returns.",
    # events, notifications, jobs
    "emit": "Record a domain event (declared through redprop_event_types) in the caller's transaction.",
    "notify": "Notify users (inbox, and the channels they enabled).",
    "Job": "An async job declared through redprop_actors.",
    "job": "Decorator publishing an async function (runtime, *args) as a Job.",
    "for_each_active_compound": "Run step(session, compound_id) in each compound where a module is on, one transaction each; pending= one look-up of those that may have work.",
    "active_compounds": "The compounds where a module is on.",
    "CompoundRun": "What for_each_active_compound reports: compounds done and failed.",
    # pages
    "page_router": "Mount page handlers (console /console, portal /portal) with sessions, CSRF and HTML errors.",
    "page": "Render a full page in the console's or the portal's shell.",
    "fragment": "Render a piece of a page for htmx.",
    "redirect": "303 See Other to a URL.",
    "done": "After a form: back to a page with a flash message.",
    "is_htmx": "Whether the request came from htmx.",
    "pager": "The pager of a paginated page (links to the previous and next page).",
    "Pager": "The type pager() returns.",
    "PAGE_SIZE": "Rows per page on pages.",
    "parse_form": "Read a form into an Input struct (422 naming the field).",
    "form_values": "Read a form into a dict.",
    "confirmation": "Before an irreversible action: None once confirmed, else the step saying what will happen.",
    "to_input": "Convert a dict of form values into an Input struct.",
    "N_": "Mark a message for translation without translating it here.",
    "negotiate": "The locale of the request (zh-CN first).",
    # Excel
    "xlsx_response": "An Excel download response (safe file name in any language, never cached).",
    "workbook": "An .xlsx file from sheets of (title, headers, rows).",
}

__all__ = [
    "API_VERSION",
    "Base",
    "CompoundRun",
    "CompoundScoped",
    "ExactDecimal",
    "HOOK_API",
    "HOOK_API_VERSION",
    "IllegalTransition",
    "Input",
    "Job",
    "LimitParam",
    "LongName",
    "N_",
    "Name",
    "OffsetParam",
    "Output",
    "PAGE_SIZE",
    "Page",
    "Pager",
    "Phone",
    "Problem",
    "RequestContext",
    "StateMachine",
    "TenantScoped",
    "Text",
    "Timestamped",
    "UTCDateTime",
    "WorkCalendar",
    "active_compounds",
    "authenticated",
    "check_offset",
    "compound_name",
    "compound_names",
    "compound_today",
    "compound_zone",
    "confirmation",
    "conflict",
    "contains",
    "disable_rls",
    "done",
    "emit",
    "enable_rls",
    "for_each_active_compound",
    "forbidden",
    "form_values",
    "fragment",
    "grant_app_access",
    "holders",
    "hookimpl",
    "invalid",
    "is_htmx",
    "job",
    "mask_id_card",
    "mask_phone",
    "module_disabled",
    "module_state",
    "negotiate",
    "not_found",
    "notify",
    "now",
    "one_of",
    "page",
    "page_of",
    "page_router",
    "pager",
    "paginate",
    "parse_form",
    "redirect",
    "requires",
    "to_input",
    "user_ids_by_phone",
    "utcnow",
    "within",
    "uuid7",
    "work_calendar",
    "workbook",
    "xlsx_response",
]
"""Every name a plugin may use (the keys of :data:`DOCS`; a test keeps the two equal)."""
