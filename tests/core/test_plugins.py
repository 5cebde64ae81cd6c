"""The plugin host: discovery, refusal of broken plugins, and one test per hook (``test_hook_<name>``)."""

from __future__ import annotations

import asyncio
import pathlib
import types
from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner
from litestar import Controller, get
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.app import create_app, load_plugins
from core.authz.guard import requires
from core.authz.store import read_policy_files
from core.db import Base, Database, Scope
from core.migrate import upgrade
from core.plugins import HOOK_API_VERSION, hookimpl, hookspecs
from core.plugins.manager import PluginHost
from core.settings import load_settings
from tenants.demo import build_demo_city
from tenants.models import Building

ROOT = pathlib.Path(__file__).resolve().parents[2]
AREA_PLUGINS = {"party_building", "coordination", "co_building", "quality", "smart_property"}


def make_plugin(name: str, api: int = HOOK_API_VERSION, **hooks) -> types.ModuleType:
    """A plugin module built in the test, the way a vendor's package would look to pluggy."""
    module = types.ModuleType(f"test_plugin_{name}")

    @hookimpl
    def redprop_plugin_info():
        return {"name": name, "version": "9.9", "hook_api": api, "module": True, "label_zh": name, "label_en": name}

    module.redprop_plugin_info = redprop_plugin_info
    for hook, fn in hooks.items():
        setattr(module, hook, hookimpl(fn))
    return module


def host_with(*modules: types.ModuleType) -> PluginHost:
    host = load_plugins(load_settings())
    for module in modules:
        host.add(module)
    return host


# --------------------------------------------------------------------------- discovery and refusal


def test_area_plugins_are_discovered_through_entry_points():
    host = load_plugins(load_settings())
    assert AREA_PLUGINS <= set(host.plugins)
    assert {"core", "tenants"} <= set(host.plugins)
    assert host.refused == {}
    modules = {p.name for p in host.modules}
    assert AREA_PLUGINS <= modules
    # any other module is an installed vendor package (CI installs examples/parcel_lockers), never one of ours left out
    assert all(not host.plugins[name].module.__name__.startswith("plugins.") for name in modules - AREA_PLUGINS)


def test_a_plugin_that_fails_to_import_is_left_out(monkeypatch, caplog):
    broken = EntryPoint(name="broken_vendor", value="no_such_module_anywhere", group="redprop.plugins")
    real = __import__("core.plugins.manager", fromlist=["entry_points"]).entry_points
    monkeypatch.setattr("core.plugins.manager.entry_points", lambda group: [*real(group=group), broken])
    host = load_plugins(load_settings())
    assert "import failed" in host.refused["broken_vendor"]
    assert AREA_PLUGINS <= set(host.plugins)
    assert "broken_vendor" in caplog.text


def test_disabled_plugins_are_not_loaded():
    host = load_plugins(load_settings({"REDPROP_DISABLED_PLUGINS": "quality"}))
    assert "quality" not in host.plugins and "disabled" in host.refused["quality"]


async def test_platform_runs_with_a_broken_plugin(settings):
    def explode():
        raise RuntimeError("vendor bug")

    host = host_with(make_plugin("exploding", redprop_route_handlers=explode))
    assert "vendor bug" in host.refused["exploding"]
    async with AsyncTestClient(app=create_app(settings, host)) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.post("/api/v1/auth/login", json={"username": "platform", "password": "redprop-demo"})).status_code == 200


def test_redprop_plugins_command_lists_versions_hooks_and_enablement(database_urls, monkeypatch):
    from core.cli import main
    from core.settings import get_settings

    monkeypatch.setenv("REDPROP_DATABASE_URL", database_urls["owner"])
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["plugins"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "party_building 0.1.0" in result.output
    assert "hooks: redprop_actors, " in result.output  # the area plugins are no longer skeletons: each lists its own hooks
    block = result.output.split("party_building 0.1.0", 1)[1].split("\n\n", 1)[0]
    # standard plan in A1, A2, C1; the district enabled it for B2
    assert "enabled in 4 compound(s)" in block and "安居·解放小区" in block


# --------------------------------------------------------------------------- one test per hook


def test_hook_redprop_plugin_info():
    host = host_with(make_plugin("future", api=HOOK_API_VERSION + 1), make_plugin("fine"))
    assert "hook API" in host.refused["future"]
    assert host.plugins["fine"].version == "9.9" and host.plugins["fine"].is_module
    nameless = types.ModuleType("nameless")
    assert host.add(nameless) is None and "redprop_plugin_info" in host.refused["nameless"]


def test_hook_redprop_models():
    host = load_plugins(load_settings())
    declared = {model.__tablename__ for _, model in host.declared("redprop_models")}
    assert {"users", "casbin_rules", "tenants", "compounds", "rooms", "residents"} <= declared
    assert declared <= set(Base.metadata.tables)


async def test_hook_redprop_route_handlers(settings, as_user, city):
    class Hello(Controller):
        path = "/api/v1/compounds/{compound_id:uuid}/hello"

        @get("/", guards=[requires("tenants.compound", "read")])
        async def hello(self) -> dict[str, str]:
            return {"hello": "world"}

    host = host_with(make_plugin("hello", redprop_route_handlers=lambda: [Hello]))
    async with AsyncTestClient(app=create_app(settings, host)) as client:
        from tests.conftest import login

        h = await login(client, "district-1-admin")
        url = f"/api/v1/compounds/{city.compounds['A1']}/hello"
        r = await client.get(url, headers=h)
        assert r.status_code == 403 and r.json()["module"] == "hello"  # a module is off until enabled
        assert (
            await client.put(f"/api/v1/compounds/{city.compounds['A1']}/modules/hello", json={"enabled": True}, headers=h)
        ).status_code == 200
        assert (await client.get(url, headers=h)).json() == {"hello": "world"}


def test_hook_redprop_pages():
    page = {"path": "/console/hello", "label_zh": "你好", "label_en": "Hello", "permission": "tenants.compound:read", "portal": False}
    host = host_with(make_plugin("paged", redprop_pages=lambda: [page]))
    assert [(rec.name, item) for rec, item in host.declared("redprop_pages") if rec.name == "paged"] == [("paged", page)]


def test_hook_redprop_policies(tmp_path):
    csv = tmp_path / "policies.csv"
    csv.write_text(
        "r, hello_viewer, enterprise, 你好查看, Hello viewer\np, hello_viewer, *, hello.thing, read\np, enterprise_admin, *, hello.thing, write\n",
        encoding="utf-8",
    )
    host = host_with(make_plugin("policied", redprop_policies=lambda: [str(csv)]))
    templates = read_policy_files([(rec.name, pathlib.Path(p)) for rec, p in host.declared("redprop_policies")])
    assert templates["hello_viewer"].permissions == {("hello.thing", "read")}
    assert ("hello.thing", "write") in templates["enterprise_admin"].permissions  # plugins extend core roles
    bad = tmp_path / "bad.csv"
    bad.write_text("p, nobody, tenant:1, x, read\n", encoding="utf-8")
    with pytest.raises(ValueError, match="domain"):
        read_policy_files([("bad", bad)])


def test_hook_redprop_actors():
    marker = object()
    host = host_with(make_plugin("acting", redprop_actors=lambda: [marker]))
    assert [item for rec, item in host.declared("redprop_actors") if rec.name == "acting"] == [marker]


def test_hook_redprop_schedules():
    schedule = {"name": "tick", "actor": "hello.tick", "every_seconds": 60}
    host = host_with(make_plugin("scheduled", redprop_schedules=lambda: [schedule]))
    assert [item for rec, item in host.declared("redprop_schedules") if rec.name == "scheduled"] == [schedule]


def test_hook_redprop_indicators():
    indicator = {"code": "hello.rate", "label_zh": "比率", "label_en": "Rate", "target": "90", "weight": "1"}
    host = host_with(make_plugin("measured", redprop_indicators=lambda: [indicator]))
    assert ("measured", indicator) in [(rec.name, item) for rec, item in host.declared("redprop_indicators")]


def test_hook_redprop_dashboard_widgets():
    def broken():
        raise ValueError("bad widget")

    host = host_with(
        make_plugin("dash", redprop_dashboard_widgets=lambda: [{"code": "x"}]), make_plugin("dash_broken", redprop_dashboard_widgets=broken)
    )
    assert [item for rec, item in host.declared("redprop_dashboard_widgets") if rec.name.startswith("dash")] == [{"code": "x"}]
    assert "bad widget" in host.refused["dash_broken"]


def test_hook_redprop_notification_channels():
    channel = types.SimpleNamespace(name="pigeon")
    host = host_with(make_plugin("pigeon", redprop_notification_channels=lambda: [channel]))
    assert [item.name for _, item in host.declared("redprop_notification_channels")] == ["pigeon"]


def test_hook_redprop_background_services():
    """``redprop worker --<option>`` starts the services of that option; the embedded app those ``enabled`` says."""
    from core.app import start_background_services
    from core.settings import load_settings

    settings = load_settings({"REDPROP_ENV": "test", "REDPROP_DISABLED_PLUGINS": "smart_property"})
    started: list[str] = []

    def service(name: str, on: bool) -> dict:
        return {
            "name": name,
            "option": "pigeons",
            "enabled": lambda _s: on,
            "start": lambda _s, _h: (started.append(name), lambda: None)[1],
        }

    host = load_plugins(settings)  # without smart_property, whose subscriber would connect
    host.add(make_plugin("loft", redprop_background_services=lambda: [service("on", True), service("off", False)]))
    assert len(start_background_services(settings, host)) == 1 and started == ["on"]
    started.clear()
    assert len(start_background_services(settings, host, option="pigeons")) == 2 and started == ["on", "off"]
    assert start_background_services(settings, host, option="mqtt") == []


def test_hook_redprop_record_types(settings):
    from core.files.services import RECORD_TYPES

    host = host_with(make_plugin("recorded", redprop_record_types=lambda: [{"name": "recorded.thing", "object": "tenants.housing"}]))
    create_app(settings, host)
    entry = RECORD_TYPES.pop("recorded.thing")
    assert entry.obj == "tenants.housing" and entry.module == "recorded"  # gated with the plugin's module


def test_hook_redprop_payment_providers():
    """Providers are collected by name; starting a charge answers with the provider's reference."""
    import uuid

    from core.payments import Charge, ChargeStarted, collect_providers

    class Counter:
        name, label_zh, label_en = "counter", "柜台", "Counter"

        async def start(self, charge: Charge) -> ChargeStarted:
            return ChargeStarted(status="pending", provider_reference=f"C-{charge.reference}", instructions="pay at the counter")

    class Impostor(Counter):
        label_en = "Impostor"

    host = host_with(
        make_plugin("paying", redprop_payment_providers=lambda: [Counter()]),
        make_plugin("late", redprop_payment_providers=lambda: [Impostor()]),
    )
    providers = collect_providers(host)
    assert "counter" in providers and providers["counter"].label_en == "Counter"  # the first to claim a name keeps it
    started = asyncio.run(providers["counter"].start(Charge(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 100, "R1", "fee")))
    assert started.status == "pending" and started.provider_reference == "C-R1"


def test_hook_redprop_handle_event():
    """Each plugin returns a reaction (or None); a plugin that raises is reported, the others still answer."""
    seen = []

    def listener(event):
        async def react(session):
            seen.append(event["type"])

        return react if event["type"] == "demo.happened" else None

    def fail(event):
        raise RuntimeError("handler bug")

    host = host_with(make_plugin("listener", redprop_handle_event=listener), make_plugin("failing", redprop_handle_event=fail))
    results = dict(host.call_each("redprop_handle_event", event={"type": "demo.happened"}))
    assert isinstance(results["failing"], RuntimeError)
    asyncio.run(results["listener"](None))
    assert seen == ["demo.happened"]
    assert dict(host.call_each("redprop_handle_event", event={"type": "other"}))["listener"] is None


async def test_hook_redprop_demo_data(tmp_path):
    def demo(seed):
        seed.add(Building(compound_id=seed.city.compounds["C1"], name="插件楼"))

        async def rename(session, city):  # a step runs after every plugin's rows are in
            row = await session.scalar(select(Building).where(Building.compound_id == city.compounds["C1"], Building.name == "插件楼"))
            row.name = "插件楼（已启用）"

        seed.then(rename)

    host = host_with(make_plugin("demoing", redprop_demo_data=demo))
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    upgrade(url, host)
    db = Database(url)
    try:
        city = await build_demo_city(db, host)
        async with db.session(Scope.everything("test check")) as session:
            names = (await session.scalars(select(Building.name).where(Building.compound_id == city.compounds["C1"]))).all()
        assert "插件楼（已启用）" in names
        assert await build_demo_city(db, host) is None  # a second run leaves the city alone
    finally:
        await db.dispose()


def test_hook_redprop_demo_city(plugin_host, city):
    """The control plane answers with its demo city; the CLI's ``demo`` and the test suite build it through the host."""
    answer = plugin_host.pm.hook.redprop_demo_city()
    assert answer.password and callable(answer.build)
    assert {"platform", "ent-a-admin", "resident-a1"} <= {username for username, _, _ in answer.accounts}
    assert [name for name, rec in plugin_host.plugins.items() if "redprop_demo_city" in rec.hooks] == ["tenants"]
    assert city.compounds["A1"]  # the suite's template database was built through it (tests/conftest.py)


def test_hook_redprop_cli_commands(monkeypatch):
    """A plugin's commands join the ``redprop`` command; one clashing with the kernel's is left out."""
    import click

    import core.app
    from core.cli import RedpropCLI, main

    @click.command("hello")
    def hello():
        click.echo("hello from a plugin")

    @click.command("db")
    def clash():
        click.echo("never")

    host = host_with(make_plugin("talking", redprop_cli_commands=lambda: [hello, clash]))
    assert [item.name for _, item in host.declared("redprop_cli_commands") if _.name == "talking"] == ["hello", "db"]
    monkeypatch.setattr(core.app, "load_plugins", lambda *a, **kw: host)
    cli = RedpropCLI(name="redprop", commands=dict(main.commands))
    assert CliRunner().invoke(cli, ["hello"]).output == "hello from a plugin\n"
    assert cli.commands["db"] is main.commands["db"]
    listed = CliRunner().invoke(cli, ["--help"]).output
    assert "hello" in listed and "import" in listed  # the control plane's own (tenants.imports_cli)


# --------------------------------------------------------------------------- the extension surface is tested and documented


HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("redprop_") and callable(getattr(hookspecs, name)))


def test_hookspecs_are_the_ones_in_the_design():
    assert set(HOOKS) >= {
        "redprop_plugin_info",
        "redprop_models",
        "redprop_route_handlers",
        "redprop_pages",
        "redprop_policies",
        "redprop_actors",
        "redprop_schedules",
        "redprop_handle_event",
        "redprop_indicators",
        "redprop_dashboard_widgets",
        "redprop_notification_channels",
        "redprop_payment_providers",
        "redprop_demo_data",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert f"def test_hook_{hook}(" in tests, f"write test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    assert f"\n## {hook}\n" in docs, f"document {hook} in docs/plugin-hooks.md"


def test_documentation_names_no_hook_that_does_not_exist():
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    documented = {line[3:].strip() for line in docs.splitlines() if line.startswith("## redprop_")}
    assert documented == set(HOOKS)


def test_hook_redprop_access_rules(plugin_host):
    """The control plane answers for the kernel; no other plugin does."""
    from core.access import AccessRules

    answer = plugin_host.pm.hook.redprop_access_rules()
    for method in (
        "resolve_principal",
        "module_states",
        "compounds_with_module",
        "compound_zones",
        "compound_tenants",
        "tenant_labels",
        "compound_names",
        "compound_menu",
    ):
        assert callable(getattr(answer, method)), method
    assert [name for name, rec in plugin_host.plugins.items() if "redprop_access_rules" in rec.hooks] == ["tenants"]
    assert AccessRules.__doc__


def test_hook_redprop_event_types():
    """Types are checked at load (namespace, naming rule, fields) and emit accepts only declared ones, with their fields."""
    from core.events.catalogue import EventCatalogueError, check, declared

    ok = {"name": "typed.parcel.delivered", "fields": ["parcel_id"], "description": "A parcel reached the service centre."}
    host = host_with(make_plugin("typed", redprop_event_types=lambda: [ok]))
    assert "typed" in host.plugins and declared()["typed.parcel.delivered"].fields == {"parcel_id"}
    assert check("typed.parcel.delivered", {"parcel_id": "p1"}, "tests.core.test_plugins").plugin == "typed"
    with pytest.raises(EventCatalogueError, match="missing"):
        check("typed.parcel.delivered", {}, None)
    with pytest.raises(EventCatalogueError, match="not declared"):
        check("typed.parcel.lost", {"parcel_id": "p1"}, None)
    with pytest.raises(EventCatalogueError, match="an event of typed"):
        check("typed.parcel.delivered", {"parcel_id": "p1"}, "plugins.co_building.services.requests")  # another plugin's event

    bad = {
        "foreign": {"name": "co_building.parcel.delivered", "fields": [], "description": "x"},
        "unshaped": {"name": "unshaped.parcel_delivered", "fields": [], "description": "x"},
        "present": {"name": "present.parcel.deliver", "fields": [], "description": "x"},
    }
    host = host_with(*(make_plugin(name, redprop_event_types=lambda item=item: [item]) for name, item in bad.items()))
    assert "namespace" in host.refused["foreign"]
    assert "three lower-case" in host.refused["unshaped"]
    assert "past verb" in host.refused["present"]
    legacy = {"name": "legacy.parcel_delivered", "fields": [], "description": "an old name kept", "legacy_name": True}
    assert "legacy" in host_with(make_plugin("legacy", redprop_event_types=lambda: [legacy])).plugins


def test_every_emitted_event_type_is_declared_by_its_plugin():
    """Every ``emit(session, "<type>", …)`` literal in core, tenants and plugins names a type its own package declares."""
    import ast

    from core.events.catalogue import declared

    host = load_plugins(load_settings())
    types = declared()
    owners = {rec.name for rec in host.plugins.values()}
    missing = []
    for top in ("core", "tenants", "plugins"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "emit" and len(node.args) >= 2:
                    name = node.args[1]
                    if isinstance(name, ast.Constant) and name.value not in types:
                        missing.append(f"{path.relative_to(ROOT)}: {name.value}")
    assert not missing, missing
    assert {event_type.plugin for event_type in types.values()} >= {"co_building", "party_building", "tenants"} & owners


def test_schedules_with_a_bad_cron_are_refused_at_load():
    good = {"name": "nightly", "actor": "clocked.run", "cron": "30 3 * * *"}
    bad = {"name": "never", "actor": "broken.run", "cron": "61 * * * *"}
    host = host_with(make_plugin("clocked", redprop_schedules=lambda: [good]), make_plugin("broken_clock", redprop_schedules=lambda: [bad]))
    assert "clocked" in host.plugins and "minute" in host.refused["broken_clock"]


def test_the_host_mounts_route_handlers_at_the_paths_they_declare(app):
    """No prefix is added: a gated module's API routes are the ones it wrote under /api/v1/compounds/{compound_id}/<plugin>/ or its own /api/v1/<plugin>/."""
    from litestar.routes import HTTPRoute

    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            module = handler.opt.get("module")
            if module and route.path.startswith("/api/"):
                scoped = route.path.startswith(f"/api/v1/compounds/{{compound_id:uuid}}/{module}")
                assert scoped or route.path.startswith(f"/api/v1/{module}"), route.path
