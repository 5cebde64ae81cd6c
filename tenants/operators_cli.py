"""``redprop admin create``, ``redprop tenants create|list|disable|enable`` and ``redprop compounds create|list``:
starting a real instance without the demo, and what operators script."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import click
import msgspec

from core.audit.services import AuditContext
from core.db import Database, Scope
from core.identity.schemas import UserIn
from core.problems import Problem
from core.settings import get_settings
from tenants import operators
from tenants import schemas as s
from tenants.imports_cli import _operator
from tenants.services import create_tenant, set_tenant_status

GENERATED_PASSWORD_BYTES = 18
"""A generated password: 24 URL-safe characters (144 random bits)."""


def _run(label: str, work):
    """``await work(session)`` in one cross-scope transaction, audited as the operator at the command line."""

    async def go():
        db = Database.from_settings(get_settings())
        try:
            async with db.transaction(Scope.everything(label)) as session:
                session.info["audit"] = AuditContext(None, None, _operator(), label)
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except Problem as problem:
        fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in (problem.extra.get("errors") or []))
        raise click.ClickException(fields or problem.detail or problem.title) from None


def _convert(values: dict, struct):
    try:
        return msgspec.convert({k: v for k, v in values.items() if v is not None}, struct)
    except msgspec.ValidationError as exc:
        raise click.ClickException(str(exc)) from None


# --------------------------------------------------------------------------- admin


@click.group("admin")
def admin_group() -> None:
    """Platform administrators (平台管理员)."""


@admin_group.command("create")
@click.option("--username", default="admin", show_default=True, help="The login name.")
@click.option("--name", "display_name", default="平台管理员", show_default=True, help="The name shown in the console.")
@click.option("--phone", default=None, help="A mobile number (optional).")
@click.option("--generate", is_flag=True, help="Generate a strong password and print it once instead of asking for one.")
def admin_create(username: str, display_name: str, phone: str | None, generate: bool) -> None:
    """Create a platform administrator (the first one makes a fresh instance usable); the password is asked twice."""
    if generate:
        password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    else:
        password = click.prompt("Password / 密码", hide_input=True, confirmation_prompt="Repeat / 再输一次")
    data = _convert({"username": username, "display_name": display_name, "password": password, "phone": phone}, UserIn)
    user = _run("redprop admin create", lambda session: operators.create_platform_admin(session, data))
    click.echo(f"platform administrator {user.username} created ({user.id}); log in at /console/login")
    if generate:
        click.echo(f"password (shown once, keep it safe): {password}")


# --------------------------------------------------------------------------- tenants


@click.group("tenants")
def tenants_group() -> None:
    """Tenants: property enterprises (物业企业) and districts (街道/社区)."""


@tenants_group.command("create")
@click.option("--kind", type=click.Choice(["enterprise", "district"]), required=True)
@click.option("--name", required=True)
@click.option("--credit-code", default=None, help="The unified social credit code (required for an enterprise).")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
@click.option("--phone", default=None, help="A contact phone.")
def tenants_create(kind: str, name: str, credit_code: str | None, timezone: str, phone: str | None) -> None:
    """Create an enterprise or a district; prints its id."""
    data = _convert({"kind": kind, "name": name, "credit_code": credit_code, "timezone": timezone, "contact_phone": phone}, s.TenantIn)
    tenant = _run("redprop tenants create", lambda session: create_tenant(session, data))
    click.echo(str(tenant.id))


@tenants_group.command("list")
@click.option("--kind", type=click.Choice(["platform", "enterprise", "district"]), default=None)
def tenants_list(kind: str | None) -> None:
    """Every tenant: id, kind, status and name (tab-separated)."""
    for t in _run("redprop tenants list", lambda session: operators.tenants_list(session, kind)):
        click.echo(f"{t.id}\t{t.kind}\t{t.status}\t{t.name}")


@tenants_group.command("disable")
@click.argument("tenant_id", type=click.UUID)
def tenants_disable(tenant_id: uuid.UUID) -> None:
    """Suspend a tenant: its people can no longer act for it (the platform tenant cannot be suspended)."""
    _run("redprop tenants disable", lambda session: set_tenant_status(session, tenant_id, "suspended"))
    click.echo(f"{tenant_id} suspended")


@tenants_group.command("enable")
@click.argument("tenant_id", type=click.UUID)
def tenants_enable(tenant_id: uuid.UUID) -> None:
    """Reactivate a suspended tenant."""
    _run("redprop tenants enable", lambda session: set_tenant_status(session, tenant_id, "active"))
    click.echo(f"{tenant_id} active")


# --------------------------------------------------------------------------- compounds


@click.group("compounds")
def compounds_group() -> None:
    """Compounds (小区)."""


@compounds_group.command("create")
@click.option("--district", "district_id", required=True, type=click.UUID, help="Id of the district tenant.")
@click.option("--street", required=True, help="The street (街道); created when missing.")
@click.option("--community", required=True, help="The community (社区) under the street; created when missing.")
@click.option("--name", required=True)
@click.option("--address", default="")
@click.option("--operator", "operator_id", default=None, type=click.UUID, help="Id of the operating enterprise (optional).")
def compounds_create(district_id: uuid.UUID, street: str, community: str, name: str, address: str, operator_id: uuid.UUID | None) -> None:
    """Register a compound in a district's community; prints its id."""
    placeholder = uuid.UUID(int=0)  # the community is found or created by name below
    data = _convert({"name": name, "community_id": placeholder, "address": address, "operator_tenant_id": operator_id}, s.CompoundIn)
    compound = _run(
        "redprop compounds create", lambda session: operators.register_compound_by_names(session, district_id, street, community, data)
    )
    click.echo(str(compound.id))


@compounds_group.command("list")
def compounds_list() -> None:
    """Every compound: id, name, community and operator (tab-separated)."""
    for compound, operator_name, community_name in _run("redprop compounds list", operators.compounds_list):
        click.echo(f"{compound.id}\t{compound.name}\t{community_name or '-'}\t{operator_name or '-'}")


COMMANDS = [admin_group, tenants_group, compounds_group]
