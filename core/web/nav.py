"""Navigation of the console and the portal: the core's own entries plus the enabled plugins' ``redprop_pages``.

An entry is shown when the user holds its permission (in the tenant, or in the
current compound for compound pages) and, for a gated module's entry, when the
module is active for the current compound — the same two checks the routes make.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.enforcer import FastEnforcer
from core.authz.guard import can
from core.identity.principal import Principal
from core.plugins.manager import PluginHost
from core.web.i18n import N_, gettext

COMPOUND_PLACEHOLDER = "{compound_id}"


@dataclass(frozen=True)
class Entry:
    """One navigation entry; ``path`` may hold ``{compound_id}`` (the current compound)."""

    group: str
    path: str
    label: str
    """English label, translated through the catalog unless ``label_zh`` is given (plugins give both)."""
    permission: tuple[str, str] | None = None
    label_zh: str | None = None
    module: str | None = None
    """The gated module the entry belongs to: hidden where the module is off."""
    order: int = 100
    """Place inside its group (lower first; equal ones keep the order they were declared in)."""

    @property
    def per_compound(self) -> bool:
        return COMPOUND_PLACEHOLDER in self.path


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    active: bool


@dataclass(frozen=True)
class Group:
    key: str
    links: list[Link]


GROUP_TITLES = {
    "overview": N_("Overview"),
    "compound": N_("Current compound"),
    "modules": N_("Modules"),
    "admin": N_("Administration"),
    "me": N_("Me"),
}

# the kernel's own entries; the control plane's (tenants, compounds, housing …) come through redprop_pages
CONSOLE = (
    Entry("overview", "/console/", N_("Home")),
    Entry("admin", "/console/users", N_("Users"), ("core.user", "read")),
    Entry("admin", "/console/roles", N_("Roles"), ("core.role", "read")),
    Entry("admin", "/console/audit", N_("Audit log"), ("core.audit", "read")),
    Entry("me", "/console/inbox", N_("Inbox")),
)
PORTAL = (
    Entry("overview", "/portal/", N_("My home")),
    Entry("me", "/portal/inbox", N_("Inbox")),
)


def plugin_entries(host: PluginHost, *, portal: bool) -> list[Entry]:
    """The entries plugins declare through ``redprop_pages`` for the console or the portal."""
    out = []
    for rec, item in host.declared("redprop_pages"):
        if bool(item.get("portal", False)) != portal:
            continue
        permission = item.get("permission")
        obj, _, act = permission.partition(":") if permission else ("", "", "")
        out.append(
            Entry(
                group=item.get("group", "modules"),
                path=item["path"],
                label=item.get("label_en") or item.get("label_zh") or item["path"],
                permission=(obj, act) if permission else None,
                label_zh=item.get("label_zh"),
                module=rec.name if rec.is_module else None,
                order=int(item.get("order", 100)),
            )
        )
    return out


def _label(entry: Entry, locale: str) -> str:
    if entry.label_zh is not None:
        return entry.label_zh if locale == "zh_CN" else entry.label
    return gettext(locale, entry.label)


def _is_active(href: str, path: str) -> bool:
    # litestar hands handlers the path without its trailing slash ("/console/" arrives as "/console")
    section, here = href.rstrip("/"), path.rstrip("/")
    if href.endswith("/"):
        return here == section
    return here == section or here.startswith(section + "/")


async def navigation(
    session: AsyncSession,
    principal: Principal,
    enforcer: FastEnforcer,
    host: PluginHost,
    compound_id: uuid.UUID | None,
    locale: str,
    path: str,
    *,
    portal: bool = False,
) -> list[Group]:
    """The groups of links this user sees now, in the order of the menu."""
    entries = sorted([*(PORTAL if portal else CONSOLE), *plugin_entries(host, portal=portal)], key=lambda e: e.order)
    modules = sorted({e.module for e in entries if e.module})
    module_on: dict[str, bool] = {}
    if compound_id is not None and modules:
        states = (await rules().module_states(session, [compound_id], modules)).get(compound_id, {})
        module_on = {m: state[0] for m, state in states.items()}
    groups: dict[str, list[Link]] = {}
    for entry in entries:
        if (entry.per_compound or entry.module) and compound_id is None:
            continue
        if entry.permission and not can(
            principal, enforcer, *entry.permission, compound_id if entry.per_compound or entry.module else None
        ):
            continue
        if entry.module:
            if not module_on.get(entry.module):
                continue
        href = entry.path.replace(COMPOUND_PLACEHOLDER, str(compound_id))
        groups.setdefault(entry.group, []).append(Link(_label(entry, locale), href, False))
    # the longest matching link is the active one (the compound profile is a prefix of its housing page)
    hrefs = [link.href for links in groups.values() for link in links if _is_active(link.href, path)]
    current = max(hrefs, key=len) if hrefs else None
    order = list(GROUP_TITLES)
    ranked = sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return [Group(key, [Link(link.label, link.href, link.href == current) for link in links]) for key, links in ranked]
