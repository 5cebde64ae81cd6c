"""Login, token and user structs."""

from __future__ import annotations

import datetime as dt
import uuid

from core.schemas import Input, LoginName, Name, NewPassword, Output, Password, Phone


class LoginIn(Input):
    """Staff log in with their username, residents with their phone number."""

    username: LoginName
    password: Password
    tenant_id: uuid.UUID | None = None


class SwitchTenantIn(Input):
    tenant_id: uuid.UUID


class TokenOut(Output):
    access_token: str
    token_type: str
    expires_at: dt.datetime
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None


class MembershipOut(Output):
    tenant_id: uuid.UUID
    tenant_name: str
    tenant_kind: str
    title: str | None


class MeOut(Output):
    id: uuid.UUID
    username: str | None
    display_name: str
    phone: str | None
    tenant_id: uuid.UUID | None
    tenant_kind: str | None
    memberships: list[MembershipOut]
    roles: list[str]
    reachable_compounds: int | None
    """How many compounds the caller reaches; null means all (platform)."""


class UserIn(Input):
    username: LoginName
    display_name: Name
    password: NewPassword
    phone: Phone | None = None
    title: Name | None = None


class UserOut(Output):
    id: uuid.UUID
    username: str | None
    display_name: str
    phone: str | None
    is_active: bool
