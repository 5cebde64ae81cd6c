"""The web console and portal without a browser: cookie session, CSRF, languages, navigation, errors, masking, forms."""

from __future__ import annotations

import pathlib
import re
import types
import uuid

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Controller, Request, Response, get
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.app import create_app, load_plugins
from core.authz.guard import requires
from core.db import Scope
from core.identity.models import Membership
from core.notifications.services import notify
from core.plugins import HOOK_API_VERSION, hookimpl
from core.settings import load_settings
from core.web.api import page_router
from core.web.i18n import LOCALE_DIR, catalog_path
from core.web.render import page
from tenants.demo import DEMO_PASSWORD
from tenants.models import Building, ModuleEnablement

HTML = {"Accept": "text/html"}
HTMX = {"Accept": "*/*", "HX-Request": "true"}
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
WEB = pathlib.Path(__file__).resolve().parents[2] / "core" / "web"


@pytest.fixture
def web(client):
    """The app's test client, acting like a browser that shows each redirect rather than following it."""
    client.follow_redirects = False
    return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


async def sign_in(client, username: str, *, portal: bool = False):
    """Log in through the form, as a browser would; the client keeps the cookies."""
    client.cookies.clear()
    base = "/portal" if portal else "/console"
    form = await client.get(f"{base}/login", headers=HTML)
    return await client.post(
        f"{base}/login", data={"username": username, "password": DEMO_PASSWORD, "_csrf": csrf_of(form.text)}, headers=HTML
    )


async def token_for(client, path: str = "/console/") -> str:
    return csrf_of((await client.get(path, headers=HTML)).text)


async def buildings(db, compound_id) -> int:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(func.count()).select_from(Building).where(Building.compound_id == compound_id))


# --------------------------------------------------------------------------- session and CSRF


async def test_login_sets_an_httponly_lax_session_cookie(web):
    page = await web.get("/console/login", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in page.headers and "redprop_presession" in page.headers["set-cookie"]
    r = await sign_in(web, "ent-a-admin")
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("redprop_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain http here
    home = await web.get("/console/", headers=HTML)
    assert home.status_code == 200 and "红城物业管理员" in home.text


async def test_cookie_is_secure_over_https(app):
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        client.follow_redirects = False
        r = await sign_in(client, "ent-a-admin")
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("redprop_session="))
        assert "Secure" in cookie


async def test_a_wrong_password_shows_the_form_again_with_the_reason(web):
    form = await web.get("/console/login", headers=HTML)
    r = await web.post("/console/login", data={"username": "ent-a-admin", "password": "wrong", "_csrf": csrf_of(form.text)}, headers=HTML)
    assert r.status_code == 401 and "用户名或密码错误" in r.text and 'value="ent-a-admin"' in r.text
    assert "redprop_session" not in r.headers.get("set-cookie", "")


async def test_pages_need_a_session_and_send_the_browser_to_log_in(web, city):
    r = await web.get(f"/console/compounds/{city.compounds['A1']}/housing", headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=%2Fconsole%2Fcompounds%2F")
    r = await web.get("/portal/", headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/portal/login")
    # the session cookie does not open the API: it still wants the bearer header (so it needs no CSRF defence)
    await sign_in(web, "ent-a-admin")
    assert (await web.get("/api/v1/me")).status_code == 401


async def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(web, db, city):
    a1 = city.compounds["A1"]
    await sign_in(web, "ent-a-admin")
    before = await buildings(db, a1)
    url = f"/console/compounds/{a1}/buildings"
    missing = await web.post(url, data={"name": "99号楼"}, headers=HTML)
    assert missing.status_code == 403 and "安全校验失败" in missing.text
    forged = await web.post(url, data={"name": "99号楼", "_csrf": "x" * 43}, headers=HTML)
    assert forged.status_code == 403
    assert (await web.post(url, data={"name": "99号楼"}, headers={**HTMX, "X-CSRF-Token": "nope"})).status_code == 403
    assert await buildings(db, a1) == before
    # the login form is protected too (login CSRF)
    assert (await web.post("/console/login", data={"username": "ent-a-admin", "password": DEMO_PASSWORD}, headers=HTML)).status_code == 403
    # with the token (in the form, or in htmx's header) it goes through
    await sign_in(web, "ent-a-admin")
    ok = await web.post(url, data={"name": "99号楼", "_csrf": await token_for(web)}, headers=HTML)
    assert ok.status_code == 303 and ok.headers["location"] == f"/console/compounds/{a1}/housing"
    ok = await web.post(url, data={"name": "98号楼"}, headers={**HTMX, "X-CSRF-Token": await token_for(web)})
    assert ok.status_code == 204 and ok.headers["hx-redirect"] == f"/console/compounds/{a1}/housing"
    assert await buildings(db, a1) == before + 2


async def test_the_token_of_one_session_does_not_work_in_another(web, city):
    await sign_in(web, "ent-a-admin")
    old = await token_for(web)
    await sign_in(web, "ent-a-admin")
    r = await web.post(f"/console/compounds/{city.compounds['A1']}/buildings", data={"name": "97号楼", "_csrf": old}, headers=HTML)
    assert r.status_code == 403


async def test_logout_revokes_the_token(web):
    r = await sign_in(web, "ent-a-admin")
    token = next(c for c in r.headers.get_list("set-cookie") if c.startswith("redprop_session=")).split(";")[0].split("=", 1)[1]
    assert (await web.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    out = await web.post("/console/logout", data={"_csrf": await token_for(web)}, headers=HTML)
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert (await web.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    login = await web.get("/console/login", headers=HTML)
    assert "您已退出登录" in login.text


async def test_next_after_login_stays_on_this_site(web):
    form = await web.get("/console/login?next=//evil.example/x", headers=HTML)
    r = await web.post(
        "/console/login",
        data={"username": "ent-a-admin", "password": DEMO_PASSWORD, "_csrf": csrf_of(form.text), "next": "//evil.example/x"},
        headers=HTML,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    form = await web.get("/console/login", headers=HTML)
    r = await web.post(
        "/console/login",
        data={"username": "ent-a-admin", "password": DEMO_PASSWORD, "_csrf": csrf_of(form.text), "next": "/console/plans"},
        headers=HTML,
    )
    assert r.headers["location"] == "/console/plans"


# --------------------------------------------------------------------------- languages


async def test_chinese_by_default_english_on_request_and_remembered(web):
    zh = await web.get("/console/login", headers=HTML)
    assert '<html lang="zh-CN">' in zh.text and "用户名" in zh.text
    en = await web.get("/console/login?lang=en", headers=HTML)
    assert '<html lang="en">' in en.text and "Username" in en.text
    assert "redprop_lang=en" in en.headers["set-cookie"]
    again = await web.get("/console/login", headers=HTML)
    assert "Username" in again.text
    back = await web.get("/console/login?lang=zh-CN", headers=HTML)
    assert "用户名" in back.text


async def test_accept_language_is_the_fallback(web):
    assert "Username" in (await web.get("/console/login", headers={**HTML, "Accept-Language": "en-GB,en;q=0.9"})).text
    assert "用户名" in (await web.get("/console/login", headers={**HTML, "Accept-Language": "fr-FR, zh;q=0.5, en;q=0.3"})).text
    assert "用户名" in (await web.get("/console/login", headers={**HTML, "Accept-Language": "de"})).text


PLUGINS = WEB.parents[1] / "plugins"


def _catalogs(locale_dir: pathlib.Path, locale: str) -> list:
    found = []
    for path in sorted(catalog_path(locale_dir, locale).parent.glob("*.po")):
        with path.open("rb") as source:
            found.append(read_po(source))
    return found


@pytest.mark.parametrize(
    "root",
    [WEB, WEB.parents[1] / "tenants", *sorted(p for p in PLUGINS.iterdir() if (p / "pages.py").is_file() or (p / "pages").is_dir())],
    ids=lambda p: p.name,
)
def test_every_message_of_the_pages_has_a_chinese_translation(root):
    """The core's pages against the core's catalog; a plugin's pages against its own catalog merged over the core's."""
    used = {
        m[2] if isinstance(m[2], str) else m[2][0]
        for m in extract_from_dir(
            str(root),
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }
    for locale in ("zh_CN", "en"):
        catalogs = [*_catalogs(root / "locale", locale), *_catalogs(LOCALE_DIR, locale)]

        def translated(message: str, catalogs=catalogs, locale=locale) -> bool:
            for catalog in catalogs:
                entry = catalog.get(message)
                strings = entry.string if entry is not None and isinstance(entry.string, tuple) else [entry and entry.string]
                if entry is not None and (locale == "en" or all(strings)):
                    return True
            return False

        assert sorted(m for m in used if not translated(m)) == [], locale


# --------------------------------------------------------------------------- navigation


class NoticeboardPages(Controller):
    path = "/console/compounds/{compound_id:uuid}/noticeboard"

    @get("/", guards=[requires("tenants.compound", "read")])
    async def board(self, request: Request, compound_id: uuid.UUID) -> Response:
        return await page(request, "console/home.html", compound_id=compound_id, reached=None)


def noticeboard_plugin() -> types.ModuleType:
    """A gated module with one console page, the way a vendor would declare it and mount it."""
    module = types.ModuleType("test_plugin_noticeboard")

    @hookimpl
    def redprop_plugin_info():
        return {
            "name": "noticeboard",
            "version": "1.0",
            "hook_api": HOOK_API_VERSION,
            "module": True,
            "label_zh": "公告栏",
            "label_en": "Notice board",
        }

    @hookimpl
    def redprop_pages():
        return [
            {
                "path": "/console/compounds/{compound_id}/noticeboard",
                "label_zh": "公告栏",
                "label_en": "Notice board",
                "permission": "tenants.compound:read",
                "portal": False,
            }
        ]

    @hookimpl
    def redprop_route_handlers():
        return [page_router([NoticeboardPages])]

    module.redprop_plugin_info, module.redprop_pages, module.redprop_route_handlers = (
        redprop_plugin_info,
        redprop_pages,
        redprop_route_handlers,
    )
    return module


async def test_a_module_page_and_its_menu_entry_exist_only_where_the_module_is_on(settings, db, city):
    host = load_plugins(load_settings())
    host.add(noticeboard_plugin())
    a1 = city.compounds["A1"]
    async with AsyncTestClient(app=create_app(settings, host)) as client:
        await sign_in(client, "ent-a-admin")
        page = await client.get(f"/console/compounds/{a1}/housing", headers=HTML)
        assert page.status_code == 200 and "公告栏" not in page.text
        off = await client.get(f"/console/compounds/{a1}/noticeboard", headers=HTML)
        assert off.status_code == 403 and "模块未开通" in off.text and "noticeboard" in off.text
        async with db.transaction(Scope.everything("test")) as session:
            session.add(ModuleEnablement(compound_id=a1, module="noticeboard", enabled=True, by_tenant_id=city.tenants["D1"]))
        page = await client.get(f"/console/compounds/{a1}/housing", headers=HTML)
        assert f'href="/console/compounds/{a1}/noticeboard"' in page.text
        on = await client.get(f"/console/compounds/{a1}/noticeboard", headers=HTML)
        assert on.status_code == 200 and 'aria-current="page">公告栏</a>' in on.text
        assert (
            f"/console/compounds/{city.compounds['A2']}/noticeboard"
            not in (await client.get(f"/console/compounds/{city.compounds['A2']}/housing", headers=HTML)).text
        )
        async with db.transaction(Scope.everything("test")) as session:
            row = await session.scalar(
                select(ModuleEnablement).where(ModuleEnablement.compound_id == a1, ModuleEnablement.module == "noticeboard")
            )
            row.enabled = False
        assert "公告栏" not in (await client.get(f"/console/compounds/{a1}/housing", headers=HTML)).text


async def test_navigation_follows_permissions(web, city):
    await sign_in(web, "officer-1")
    page = (await web.get(f"/console/compounds/{city.compounds['A1']}/housing", headers=HTML)).text
    assert "房屋" in page and "Excel 导入" not in page and "审计日志" not in page and ">居民<" not in page
    await sign_in(web, "platform")
    page = (await web.get("/console/", headers=HTML)).text
    assert 'href="/console/tenants"' in page and 'href="/console/audit"' in page


# --------------------------------------------------------------------------- errors and reach


async def test_another_tenants_compound_is_a_404_page(web, city):
    await sign_in(web, "ent-a-admin")
    for path in ("", "/housing", "/residents", "/committee", "/modules", "/import"):
        r = await web.get(f"/console/compounds/{city.compounds['B1']}{path}", headers=HTML)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "未找到" in r.text and "该小区不存在，或您无权访问" in r.text and "安居" not in r.text
    english = await web.get(f"/console/compounds/{city.compounds['B1']}/housing?lang=en", headers=HTML)
    assert "Not found" in english.text
    # a web that does not ask for HTML gets the same problem as JSON
    r = await web.get(f"/console/compounds/{city.compounds['B1']}/housing", headers={"Accept": "application/json"})
    assert (
        r.status_code == 404
        and r.headers["content-type"].startswith("application/problem+json")
        and r.json()["type"].endswith("/not-found")
    )


async def test_a_missing_permission_is_a_403_page(web, city):
    await sign_in(web, "officer-1")
    r = await web.get(f"/console/compounds/{city.compounds['A1']}/import", headers=HTML)
    assert r.status_code == 403 and "无权操作" in r.text


async def test_bad_form_input_shows_the_problem_and_writes_nothing(web, db, city):
    a1 = city.compounds["A1"]
    await sign_in(web, "ent-a-admin")
    before = await buildings(db, a1)
    token = await token_for(web)
    taken = await web.post(
        f"/console/compounds/{a1}/buildings", data={"name": "1号楼", "_csrf": token}, headers={**HTMX, "X-CSRF-Token": token}
    )
    assert taken.status_code == 409 and 'class="alert error"' in taken.text and "已存在" in taken.text and "<html" not in taken.text
    floors = await web.post(f"/console/compounds/{a1}/buildings", data={"name": "50号楼", "floors": "many", "_csrf": token}, headers=HTML)
    assert floors.status_code == 400 and "floors" in floors.text and "<html" in floors.text
    assert await buildings(db, a1) == before


async def test_residents_are_masked_for_a_district(web, city):
    a1 = city.compounds["A1"]
    await sign_in(web, "district-1-admin")
    page = await web.get(f"/console/compounds/{a1}/residents", headers=HTML)
    assert page.status_code == 200 and "已脱敏" in page.text
    phones = re.findall(r'<td class="mono">(1[0-9*]{10})</td>', page.text)
    assert phones and all("****" in p for p in phones)
    assert not re.search(r"\b\d{17}[\dX]\b", page.text)  # no full ID-card number
    await sign_in(web, "ent-a-admin")
    page = await web.get(f"/console/compounds/{a1}/residents", headers=HTML)
    assert "已脱敏" not in page.text and re.search(r'<td class="mono">1[3-9]\d{9}</td>', page.text)


# --------------------------------------------------------------------------- switching


async def test_switching_compound_keeps_the_page_and_is_remembered(web, city):
    a1, a2 = city.compounds["A1"], city.compounds["A2"]
    await sign_in(web, "ent-a-admin")
    token = await token_for(web)
    r = await web.post(
        "/console/switch-compound",
        data={"compound_id": str(a2), "next": f"/console/compounds/{a1}/residents", "_csrf": token},
        headers=HTML,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/console/compounds/{a2}/residents"
    home = await web.get("/console/", headers=HTML)
    assert f'<option value="{a2}" selected>' in home.text
    other = await web.post("/console/switch-compound", data={"compound_id": str(city.compounds["B1"]), "_csrf": token}, headers=HTML)
    assert other.status_code == 404


async def test_switching_tenant_issues_a_new_session(web, db, city):
    async with db.transaction(Scope.everything("test")) as session:
        session.add(Membership(user_id=city.users["ent-a-admin"], tenant_id=city.tenants["B"], title="顾问"))
    await sign_in(web, "ent-a-admin")
    page = await web.get("/console/", headers=HTML)
    assert 'id="switch-tenant"' in page.text
    r = await web.post("/console/switch-tenant", data={"tenant_id": str(city.tenants["B"]), "_csrf": csrf_of(page.text)}, headers=HTML)
    assert r.status_code == 303 and "redprop_session=" in r.headers["set-cookie"]
    page = await web.get("/console/", headers=HTML)
    assert (
        f'<option value="{city.tenants["B"]}" selected>安阳安居物业管理有限公司</option>' in page.text and "红城·幸福家园" not in page.text
    )
    refused = await web.post(
        "/console/switch-tenant", data={"tenant_id": str(city.tenants["C"]), "_csrf": csrf_of(page.text)}, headers=HTML
    )
    assert refused.status_code == 403


# --------------------------------------------------------------------------- pages that write


async def test_district_switches_a_module_and_sees_the_reason(web, city):
    a3 = city.compounds["A3"]
    await sign_in(web, "district-2-admin")
    page = await web.get(f"/console/compounds/{a3}/modules", headers=HTML)
    assert "物业企业未订阅，街道（区）也未开通" in page.text
    r = await web.post(
        f"/console/compounds/{a3}/modules/party_building", data={"enabled": "true", "_csrf": csrf_of(page.text)}, headers=HTML
    )
    assert r.status_code == 303
    page = await web.get(f"/console/compounds/{a3}/modules", headers=HTML)
    row = re.search(r'<tr data-module="party_building">.*?</tr>', page.text, re.S).group(0)
    assert "已开通" in row and "街道（区）已开通" in row


async def test_users_and_role_assignments_pages(web, db, city):
    await sign_in(web, "ent-a-admin")
    page = await web.get("/console/users", headers=HTML)
    r = await web.post(
        "/console/users",
        data={"username": "ent-a-clerk", "display_name": "前台", "password": "a-long-password", "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 303
    page = await web.get("/console/roles", headers=HTML)
    clerk = re.search(r'<option value="([0-9a-f-]{36})">前台 \(ent-a-clerk\)</option>', page.text).group(1)
    a1 = str(city.compounds["A1"])
    r = await web.post(
        "/console/roles/assign",
        data={"user_id": clerk, "role": "enterprise_staff", "compound_ids": a1, "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 303
    page = await web.get("/console/roles", headers=HTML)
    assert re.search(r"前台 \(ent-a-clerk\)</td>\s*<td>物业员工</td>\s*<td>红城·幸福家园</td>", page.text)
    escalation = await web.post(
        "/console/roles/assign", data={"user_id": clerk, "role": "platform_admin", "_csrf": csrf_of(page.text)}, headers=HTML
    )
    assert escalation.status_code == 422
    r = await web.post(
        "/console/roles/revoke",
        data={"user_id": clerk, "role": "enterprise_staff", "compound_ids": a1, "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 303
    assert "前台 (ent-a-clerk)</td>" not in (await web.get("/console/roles", headers=HTML)).text


async def test_audit_log_and_inbox_pages(web, db, city):
    await sign_in(web, "ent-a-admin")
    a1 = city.compounds["A1"]
    await web.post(f"/console/compounds/{a1}/buildings", data={"name": "88号楼", "_csrf": await token_for(web)}, headers=HTML)
    audit = await web.get("/console/audit?target_type=buildings", headers=HTML)
    assert audit.status_code == 200 and "88号楼" in audit.text and "ent-a-admin" in audit.text
    async with db.transaction(Scope.everything("test")) as session:
        await notify(session, [city.users["ent-a-admin"]], "test.hello", "欢迎使用", "第一条消息", link="/console/plans")
    inbox = await web.get("/console/inbox", headers=HTML)
    assert "欢迎使用" in inbox.text and 'href="/console/plans"' in inbox.text
    notice = re.search(r'id="notice-([0-9a-f-]{36})"', inbox.text).group(1)
    token = csrf_of(inbox.text)
    row = await web.post(f"/console/inbox/{notice}/read", headers={**HTMX, "X-CSRF-Token": token})
    assert row.status_code == 200 and "unread" not in row.text and "<html" not in row.text


# --------------------------------------------------------------------------- portal and assets


async def test_resident_portal(web, city):
    r = await sign_in(web, "13800000001", portal=True)
    assert r.status_code == 303 and r.headers["location"] == "/portal/"
    home = await web.get("/portal/", headers=HTML)
    assert "张建国" in home.text and "红城·幸福家园" in home.text and 'name="viewport"' in home.text
    # a resident has no console; staff who use the portal's form land in the console
    assert (await web.get("/console/", headers=HTML)).headers["location"] == "/portal/"
    r = await sign_in(web, "ent-a-admin", portal=True)
    assert r.headers["location"] == "/console/"


@pytest.mark.parametrize("asset", ["vendor/htmx.min.js", "redprop.css", "redprop.js"])
async def test_assets_are_served_by_the_app(web, asset):
    r = await web.get(f"/static/web/{asset}")
    assert r.status_code == 200 and len(r.content) > 100


def test_templates_load_nothing_from_elsewhere():
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', text), template
