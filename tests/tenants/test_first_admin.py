"""A real instance without the demo (issue 15, point 1): an empty migrated database answers every page with the
setup page; ``redprop admin create`` makes the first platform administrator, who logs in and creates a tenant
and a compound (through the API and through the console); the operators' ``tenants`` and ``compounds`` commands."""

from __future__ import annotations

import asyncio
import itertools
import os
import re

import pytest
from click.testing import CliRunner

from core.app import rebind
from core.cli import main
from core.migrate import upgrade
from core.settings import get_settings, load_settings
from tests.conftest import APP_ROLE, BACKEND, WORKER_ROLE, _pg_admin, _pg_url

HTML = {"Accept": "text/html"}
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
_n = itertools.count()


@pytest.fixture
def empty_urls(template_db, plugin_host, tmp_path):
    """A migrated database without the demo: ``{"app", "cross", "owner"}`` URLs (as the suite's, per backend)."""
    if BACKEND == "postgresql":
        name = f"redprop_empty_{os.getpid()}_{next(_n)}"
        asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        upgrade(_pg_url(name), plugin_host)
        yield {"app": _pg_url(name, APP_ROLE), "cross": _pg_url(name, WORKER_ROLE), "owner": _pg_url(name)}
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        upgrade(url, plugin_host)
        yield {"app": url, "cross": url, "owner": url}


@pytest.fixture
def cli(empty_urls, monkeypatch):
    """``redprop …`` against the empty database, the way an operator runs it (the cross-scope role on PostgreSQL)."""
    monkeypatch.setenv("REDPROP_DATABASE_URL", empty_urls["app"])
    monkeypatch.setenv("REDPROP_CROSS_SCOPE_DATABASE_URL", empty_urls["cross"])
    monkeypatch.setenv("REDPROP_MIGRATE_DATABASE_URL", empty_urls["owner"])
    get_settings.cache_clear()
    yield lambda *args, input=None: CliRunner().invoke(main, [str(a) for a in args], input=input)
    get_settings.cache_clear()


@pytest.fixture
def acli(cli):
    """``await acli(…)``: the command in a thread, as from a shell, while the test's event loop runs the app."""
    return lambda *args, input=None: asyncio.to_thread(cli, *args, input=input)


@pytest.fixture
async def fresh(app, empty_urls):
    """The run's application pointed at the empty database, and a client that shows redirects."""
    from litestar.testing import AsyncTestClient

    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": empty_urls["app"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": empty_urls["cross"],
            "REDPROP_MIGRATE_DATABASE_URL": empty_urls["owner"],
            "REDPROP_POLICY_POLL_SECONDS": "0.2",
        }
    )
    async with AsyncTestClient(app=rebind(app, settings)) as client:
        client.follow_redirects = False
        yield client


async def test_an_empty_instance_answers_every_page_with_the_setup_page(fresh):
    for path in ("/", "/console/login", "/portal/login", "/console/", "/portal/"):
        answer = await fresh.get(path, headers=HTML)
        assert answer.status_code == 503, path
        assert "尚无管理员" in answer.text and "redprop admin create" in answer.text, path
    english = await fresh.get("/console/login?lang=en", headers=HTML)
    assert "No administrator yet" in english.text
    posted = await fresh.post("/console/login", data={"username": "x", "password": "y"}, headers=HTML)
    assert posted.status_code == 503  # never a 500, not even for a form


async def test_admin_create_then_log_in_and_create_a_tenant_and_a_compound_through_the_api(fresh, acli):
    mismatch = await acli(
        "admin", "create", "--username", "root", input="first-password-1\nother-password-2\nfirst-password-1\nfirst-password-1\n"
    )
    assert mismatch.exit_code == 0, mismatch.output  # asked twice; a mismatch asks again
    assert "root" in mismatch.output and "first-password-1" not in mismatch.output
    again = await acli("admin", "create", "--username", "root", input="first-password-1\nfirst-password-1\n")
    assert again.exit_code != 0 and "username" in again.output
    short = await acli("admin", "create", "--username", "root2", input="short\nshort\n")
    assert short.exit_code != 0 and "password" in short.output

    home = await fresh.get("/", headers=HTML)  # no more setup page: the chooser between the console and the portal
    assert home.status_code == 200 and 'href="/console/login"' in home.text and "redprop admin create" not in home.text
    assert (await fresh.get("/console/login", headers=HTML)).status_code == 200
    login = await fresh.post("/api/v1/auth/login", json={"username": "root", "password": "first-password-1"})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for _ in range(50):  # the running app learns the command's role grant from its policy poller (every 0.2 s)
        if (await fresh.get("/api/v1/tenants", headers=auth)).status_code == 200:
            break
        await asyncio.sleep(0.1)

    district = await fresh.post("/api/v1/tenants", json={"kind": "district", "name": "文峰区"}, headers=auth)
    assert district.status_code == 201, district.text
    district_id = district.json()["id"]
    street = await fresh.post("/api/v1/regions", json={"kind": "street", "name": "东大街街道", "tenant_id": district_id}, headers=auth)
    assert street.status_code == 201, street.text
    community = await fresh.post(
        "/api/v1/regions",
        json={"kind": "community", "name": "东关社区", "parent_id": street.json()["id"], "tenant_id": district_id},
        headers=auth,
    )
    assert community.status_code == 201, community.text
    compound = await fresh.post("/api/v1/compounds", json={"name": "幸福小区", "community_id": community.json()["id"]}, headers=auth)
    assert compound.status_code == 201, compound.text
    listed = await fresh.get("/api/v1/compounds", headers=auth)
    assert [c["name"] for c in listed.json()["items"]] == ["幸福小区"]


async def test_admin_create_generates_a_password_once_and_the_console_creates_a_tenant_and_a_compound(fresh, acli):
    made = await acli("admin", "create", "--username", "ops", "--generate")
    assert made.exit_code == 0, made.output
    password = re.search(r"shown once, keep it safe\): (\S+)", made.output).group(1)
    assert len(password) >= 20

    form = await fresh.get("/console/login", headers=HTML)
    token = CSRF.search(form.text).group(1)
    signed = await fresh.post("/console/login", data={"username": "ops", "password": password, "_csrf": token}, headers=HTML)
    assert signed.status_code == 303 and signed.headers["location"] == "/console/"
    for _ in range(50):  # the running app learns the command's role grant from its policy poller (every 0.2 s)
        if (await fresh.get("/console/tenants", headers=HTML)).status_code == 200:
            break
        await asyncio.sleep(0.1)

    async def post(path: str, **data):
        page = await fresh.get("/console/compounds", headers=HTML)
        assert page.status_code == 200, page.text
        answer = await fresh.post(path, data={**data, "_csrf": CSRF.search(page.text).group(1)}, headers=HTML)
        assert answer.status_code == 303, answer.text
        return answer

    await post("/console/tenants", kind="district", name="北关区")
    tenants = await fresh.get("/console/tenants", headers=HTML)
    assert "北关区" in tenants.text
    page = await fresh.get("/console/compounds", headers=HTML)
    assert "新增街道或社区" in page.text
    district_id = re.search(r'<option value="([0-9a-f-]{36})">北关区</option>', page.text).group(1)
    await post("/console/compounds/regions", kind="street", name="红旗街道", tenant_id=district_id)
    page = await fresh.get("/console/compounds", headers=HTML)
    street_id = re.search(r'<option value="([0-9a-f-]{36})">红旗街道</option>', page.text).group(1)
    await post("/console/compounds/regions", kind="community", name="红旗社区", parent_id=street_id, tenant_id=district_id)
    page = await fresh.get("/console/compounds", headers=HTML)
    community_id = re.search(r'<option value="([0-9a-f-]{36})">红旗社区</option>', page.text).group(1)
    created = await post("/console/compounds", name="和平小区", community_id=community_id, address="和平路 1 号", operator_tenant_id="")
    assert created.headers["location"].startswith("/console/compounds/")
    assert "和平小区" in (await fresh.get("/console/compounds", headers=HTML)).text


def test_operators_script_tenants_and_compounds(cli):
    assert cli("admin", "create", "--username", "root", "--generate").exit_code == 0
    district = cli("tenants", "create", "--kind", "district", "--name", "文峰区")
    assert district.exit_code == 0, district.output
    district_id = district.output.strip()
    bad = cli("tenants", "create", "--kind", "enterprise", "--name", "无码物业")
    assert bad.exit_code != 0 and "credit_code" in bad.output
    from tenants.demo import credit_code

    enterprise = cli("tenants", "create", "--kind", "enterprise", "--name", "红城物业", "--credit-code", credit_code(7))
    assert enterprise.exit_code == 0, enterprise.output
    enterprise_id = enterprise.output.strip()
    made = cli(
        "compounds", "create", "--district", district_id, "--street", "东大街街道", "--community", "东关社区", "--name", "幸福小区",
        "--operator", enterprise_id,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    second = cli(
        "compounds", "create", "--district", district_id, "--street", "东大街街道", "--community", "东关社区", "--name", "安康小区"
    )
    assert second.exit_code == 0, second.output  # the street and community are found again, not duplicated
    listed = cli("compounds", "list").output
    assert "幸福小区\t东关社区\t红城物业" in listed and "安康小区\t东关社区\t-" in listed
    assert cli("compounds", "create", "--district", enterprise_id, "--street", "x", "--community", "y", "--name", "z").exit_code != 0

    assert cli("tenants", "disable", enterprise_id).exit_code == 0
    rows = cli("tenants", "list", "--kind", "enterprise").output
    assert f"{enterprise_id}\tenterprise\tsuspended\t红城物业" in rows
    platform_id = cli("tenants", "list", "--kind", "platform").output.split("\t")[0]
    refused = cli("tenants", "disable", platform_id)
    assert refused.exit_code != 0 and "platform" in refused.output
