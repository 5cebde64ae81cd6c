"""Rendering pages: the Jinja environments, the shell around every page (switchers, navigation), redirects.

Templates are rendered here rather than through litestar's template engine so
each locale gets its own environment with its catalog installed once, and so a
plugin's templates (``<plugin>/templates``) are found as ``<plugin>/<name>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.response import Redirect
from sqlalchemy import select

from core.access import rules
from core.identity.models import Membership
from core.identity.principal import Principal, subject_of
from core.notifications.services import unread_count
from core.plugins.manager import PluginHost
from core.web import session as web_session
from core.web.i18n import HTML_LANG, LANG_COOKIE, LANG_PARAM, LOCALES, N_, install, negotiate, requested_locale, translations
from core.web.nav import GROUP_TITLES, Group, navigation

TEMPLATES = pathlib.Path(__file__).with_name("templates")
STATIC = pathlib.Path(__file__).with_name("static")
STATIC_URL = "/static/web"
COMPOUND_MENU_LIMIT = 300
"""The switcher lists this many compounds; a platform operator reaches the rest from the compounds page."""

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Vary": "Cookie, Accept-Language",
}

PERMISSION_ACTIONS = {
    "read": N_("view"),
    "read_all": N_("view all of"),
    "write": N_("change"),
    "approve": N_("approve"),
    "admin": N_("administer"),
    "use": N_("use"),
}
"""A permission's action as the sentence of a refusal says it (你的角色无权查看这项内容)."""

FLASH_MESSAGES = {
    "saved": N_("Saved."),
    "created": N_("Created."),
    "revoked": N_("Revoked."),
    "switched": N_("Switched."),
    "signed-out": N_("You have signed out."),
}


# --------------------------------------------------------------------------- templates


class Templates:
    """Jinja environments over the core's templates and each plugin's ``templates`` folder.

    One environment per locale for the core's pages, and one per locale and
    plugin for a plugin's pages: a plugin's catalog is merged over the core's
    only for its own templates, so two plugins may translate the same English
    message differently without one overriding the other.
    """

    def __init__(self, host: PluginHost, timezone: str) -> None:
        plugin_dirs = {}
        self.locale_dirs: dict[str, tuple[pathlib.Path, ...]] = {}
        for rec in host.plugins.values():
            source = getattr(rec.module, "__file__", None)
            if not source:
                continue
            root = pathlib.Path(source).parent
            if (root / "templates").is_dir():
                plugin_dirs[rec.name] = jinja2.FileSystemLoader(root / "templates")
            if (root / "locale").is_dir():
                self.locale_dirs[rec.name] = (root / "locale",)
        self.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES), jinja2.PrefixLoader(plugin_dirs)])
        self.zone = ZoneInfo(timezone)
        self.plugin_names = frozenset(plugin_dirs)
        self.module_labels = {
            rec.name: (str(rec.info.get("label_zh") or rec.name), str(rec.info.get("label_en") or rec.name))
            for rec in host.plugins.values()
        }
        self.module_labels.setdefault("core", ("平台", "Platform"))
        self.environments = {
            (locale, plugin): self._environment(locale, plugin) for locale in LOCALES for plugin in (None, *sorted(plugin_dirs))
        }

    def _environment(self, locale: str, plugin: str | None) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=self.loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        extra = self.locale_dirs.get(plugin, ()) if plugin else ()
        install(env, translations(locale, extra))
        env.filters.update(localtime=self.localtime, money=money, area=area, unit=lambda code: unit_label(code, locale))
        env.globals.update(
            static=static_url,
            group_titles=GROUP_TITLES,
            permission_actions=PERMISSION_ACTIONS,
            module_label=lambda name: self.module_label(name, locale),
        )
        return env

    def module_label(self, name: str | None, locale: str) -> str:
        """A plugin's name as people read it (共建共享, not co_building); an unknown name stays as it is."""
        labels = self.module_labels.get(name or "")
        return (labels[0] if locale == "zh_CN" else labels[1]) if labels else name or ""

    def localtime(self, value: dt.datetime | None) -> str:
        """Stored times are UTC; people read them in the platform's time zone."""
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if value else ""

    def render(self, locale: str, name: str, context: dict[str, Any], plugin: str | None = None) -> str:
        """``<plugin>/…`` templates render with that plugin's catalog over the core's; so does a core template
        (an error box, say) shown on ``plugin``'s pages; the rest with the core's catalog alone."""
        prefix = name.split("/", 1)[0]
        owner = prefix if prefix in self.plugin_names else plugin if plugin in self.plugin_names else None
        return self.environments[(locale, owner)].get_template(name).render(context)


def plugin_of(connection: ASGIConnection) -> str | None:
    """The plugin whose route answers, for the catalog of what it renders: a gated module's routes carry
    ``opt["module"]``; an always-on part's (the control plane's) name theirs in ``opt["catalog"]``."""
    handler = connection.scope.get("route_handler")
    opt = getattr(handler, "opt", {}) if handler is not None else {}
    return opt.get("module") or opt.get("catalog")


def templates(connection: ASGIConnection) -> Templates:
    """The application's environments, built on first use from its plugin host."""
    state = connection.app.state
    found = state.get("web_templates")
    if found is None:
        found = state.web_templates = Templates(state.plugins, state.settings.default_timezone)
    return found


def money(fen: int | None) -> str:
    return "" if fen is None else f"¥{Decimal(fen) / 100:,.2f}"


def area(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f} m²"


UNITS = {"count": ("个", ""), "h": ("小时", "h"), "score": ("分", "points"), "hours": ("小时", "hours"), "days": ("天", "days")}
"""Unit codes the plugins' figures carry, as a reader sees them; any other unit (%, 件, m²) is shown as it is."""


def unit_label(code: str | None, locale: str) -> str:
    if not code:
        return ""
    known = UNITS.get(code)
    return (known[0] if locale == "zh_CN" else known[1]) if known else code


@lru_cache(maxsize=64)
def static_url(path: str) -> str:
    """URL of a bundled asset with a content hash, so browsers may cache it for good."""
    return f"{STATIC_URL}/{path}?v={hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]}"


# --------------------------------------------------------------------------- the shell


class Choice(NamedTuple):
    """A tenant or compound in a switcher."""

    id: uuid.UUID
    name: str
    kind: str | None = None


@dataclass
class Shell:
    """What the layout shows around a page: who, where, the switchers and the menu."""

    principal: Principal
    tenant_name: str | None = None
    memberships: list[Any] = field(default_factory=list)
    compounds: list[Any] = field(default_factory=list)
    compound_id: uuid.UUID | None = None
    compound_name: str | None = None
    nav: list[Group] = field(default_factory=list)
    unread: int = 0
    """The user's unread notifications, shown in the header beside the inbox link."""


def principal_of(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("state", {}).get("principal")


async def build_shell(request: Request, principal: Principal, locale: str, *, portal: bool, compound_id: uuid.UUID | None) -> Shell:
    state = request.app.state
    shell = Shell(principal)
    control_plane = rules()  # tenants and compounds belong to the control plane: the kernel asks it
    async with state.db.session(principal.scope) as session:
        member_of = (await session.scalars(select(Membership.tenant_id).where(Membership.user_id == principal.user_id))).all()
        labels = await control_plane.tenant_labels(session, member_of)
        shell.memberships = sorted((Choice(tid, label.name, label.kind) for tid, label in labels.items()), key=lambda m: m.name)
        shell.tenant_name = next((m.name for m in shell.memberships if m.id == principal.tenant_id), None)
        shell.compounds = [Choice(cid, name) for cid, name in await control_plane.compound_menu(session, COMPOUND_MENU_LIMIT)]
        names = {c.id: c.name for c in shell.compounds}
        for candidate in (compound_id, web_session.remembered_compound(request)):
            if candidate is None or not principal.scope.allows(candidate):
                continue
            if candidate not in names:
                names.update(await control_plane.compound_names(session, [candidate]))
                if candidate not in names:
                    continue
            shell.compound_id, shell.compound_name = candidate, names[candidate]
            break
        else:
            if shell.compounds:
                shell.compound_id, shell.compound_name = shell.compounds[0].id, shell.compounds[0].name
        nav = await navigation(
            session, principal, state.policy.enforcer, state.plugins, shell.compound_id, locale, request.url.path, portal=portal
        )
        shell.unread = await unread_count(session, principal.user_id)
    # an entry stays only where its route's own guards let this person in (a staff member reading a portal page is
    # not offered the residents' home): the menu follows the permissions the routes check, not a list of its own
    kept = [Group(g.key, [link for link in g.links if link_opens(request, principal, link.href)]) for g in nav]
    shell.nav = [g for g in kept if g.links]
    return shell


def url_with(connection: ASGIConnection, **changes: Any) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    params = {k: v for k, v in connection.query_params.items()}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return connection.url.path + ("?" + query if query else "")


def base_context(connection: ASGIConnection, locale: str) -> dict[str, Any]:
    """What every template may use, with or without a logged-in user."""
    return {
        "request": connection,
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "csrf": web_session.csrf_token(connection),
        "csrf_field": web_session.CSRF_FIELD,
        "lang_links": [(loc, HTML_LANG[loc], url_with(connection, **{LANG_PARAM: HTML_LANG[loc]})) for loc in LOCALES],
        "url_with": lambda **kw: url_with(connection, **kw),
        "flash": FLASH_MESSAGES.get(connection.cookies.get(web_session.FLASH_COOKIE) or ""),
    }


def _cookies(connection: ASGIConnection, *, compound_id: uuid.UUID | None = None) -> list[Cookie]:
    """Cookies a rendered page sets: the chosen language, a new pre-session, the current compound, a shown flash."""
    out = []
    chosen = requested_locale(connection)
    if chosen:
        out.append(web_session.cookie(connection, LANG_COOKIE, chosen, max_age=web_session.LONG_LIVED))
    minted = connection.scope.get("state", {}).get("new_presession")
    if minted:
        out.append(web_session.cookie(connection, web_session.PRESESSION_COOKIE, minted))
    if compound_id is not None and web_session.remembered_compound(connection) != compound_id:
        out.append(web_session.cookie(connection, web_session.COMPOUND_COOKIE, str(compound_id), max_age=web_session.LONG_LIVED))
    if connection.cookies.get(web_session.FLASH_COOKIE):
        out.append(web_session.expired(connection, web_session.FLASH_COOKIE))
    return out


def html(content: str, *, status: int = 200, cookies: list[Cookie] | None = None, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        content=content,
        media_type=MediaType.HTML,
        status_code=status,
        cookies=cookies or [],
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


async def page(
    request: Request, template: str, *, status: int = 200, portal: bool = False, compound_id: uuid.UUID | None = None, **context: Any
) -> Response[str]:
    """A full page inside the console's (or the portal's) layout."""
    locale = negotiate(request)
    principal = principal_of(request)
    assert principal is not None, "pages behind a guard only"
    shell = await build_shell(request, principal, locale, portal=portal, compound_id=compound_id)
    enforcer = request.app.state.policy.enforcer

    def may(obj: str, act: str) -> bool:
        """``can("co_building.meeting", "read")`` in a template: offer a link or a button only to who may use it."""
        return enforcer.enforce_any(subject_of(principal.user_id), principal.domains_for(compound_id), obj, act)

    def opens(href: str) -> bool:
        """``opens(link)``: whether a GET of this site's ``link`` passes its route's guards for this user (the compound
        reachable, every permission held) — a link made elsewhere (a notification, another plugin's matter) is offered
        only then. A handler may still find the record itself out of reach; a link to another site counts as opening."""
        return link_opens(request, principal, href)

    body = templates(request).render(
        locale,
        template,
        {
            **base_context(request, locale),
            "shell": shell,
            "portal": portal,
            "compound_id": compound_id,
            "can": may,
            "opens": opens,
            **context,
        },
        plugin_of(request),
    )
    return html(body, status=status, cookies=_cookies(request, compound_id=shell.compound_id))


_COMPOUND_PATH = re.compile(r"/compounds/([0-9a-fA-F-]{36})(?=/|$)")


def link_opens(connection: ASGIConnection, principal: Principal, href: str) -> bool:
    """Whether ``principal`` may GET ``href`` of this site: the route exists, its compound is in reach and every
    ``requires`` guard on it (handler, controller, router) is satisfied."""
    if not href or not href.startswith("/") or href.startswith("//"):
        return True
    path = href.split("?", 1)[0].split("#", 1)[0]
    try:
        handler = connection.app.asgi_router.handle_routing(path=path.rstrip("/") or "/", method="GET")[1]
    except Exception:  # no such route (404) or no GET on it (405)
        return False
    found = _COMPOUND_PATH.search(path)
    compound_id = uuid.UUID(found.group(1)) if found else None
    if compound_id is not None and not principal.scope.allows(compound_id):
        return False
    enforcer = connection.app.state.policy.enforcer
    domains = principal.domains_for(compound_id)
    for guard in handler.resolve_guards():
        permission = getattr(guard, "permission", None)
        if permission and not enforcer.enforce_any(subject_of(principal.user_id), domains, *permission):
            return False
    return True


def public_page(connection: ASGIConnection, template: str, *, status: int = 200, **context: Any) -> Response[str]:
    """A page without the shell (login, errors): no database, safe to render from an exception handler."""
    locale = negotiate(connection)
    body = templates(connection).render(
        locale, template, {**base_context(connection, locale), "principal": principal_of(connection), **context}, plugin_of(connection)
    )
    return html(body, status=status, cookies=_cookies(connection))


def fragment(request: Request, template: str, *, status: int = 200, **context: Any) -> Response[str]:
    """A piece of a page for htmx to swap in."""
    locale = negotiate(request)
    body = templates(request).render(
        locale, template, {**base_context(request, locale), "principal": principal_of(request), **context}, plugin_of(request)
    )
    return html(body, status=status)


def redirect(url: str, *, cookies: list[Cookie] | None = None) -> Response[Any]:
    """303 See Other: after a form, the browser fetches ``url`` with GET."""
    return Redirect(url, status_code=303, cookies=cookies or [])


def is_htmx(connection: ASGIConnection) -> bool:
    return connection.headers.get("hx-request") == "true"


def done(request: Request, url: str, flash: str = "saved", *, cookies: list[Cookie] | None = None) -> Response[Any]:
    """After a successful form: go to ``url`` (post/redirect/get) and say what happened there."""
    jar = [web_session.cookie(request, web_session.FLASH_COOKIE, flash, max_age=60), *(cookies or [])]
    if is_htmx(request):
        # htmx would follow a 303 inside the XMLHttpRequest and swap the next page into the form's slot
        return Response(content=b"", status_code=204, headers={"HX-Redirect": url}, cookies=jar)
    return redirect(url, cookies=jar)


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this site: never ``//host`` or ``https://host`` (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


PAGE_SIZE = 50


@dataclass(frozen=True)
class Pager:
    """Where a paginated list stands, with the links to its neighbours."""

    total: int
    offset: int
    limit: int
    prev_url: str | None
    next_url: str | None


def pager(connection: ASGIConnection, total: int, offset: int, limit: int = PAGE_SIZE) -> Pager:
    prev_url = url_with(connection, offset=max(offset - limit, 0) or None) if offset > 0 else None
    next_url = url_with(connection, offset=offset + limit) if offset + limit < total else None
    return Pager(total, offset, limit, prev_url, next_url)
