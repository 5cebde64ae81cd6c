"""Phone numbers encrypted at rest with a blind index, as ID-card numbers are (issue 16, point 7)."""

from __future__ import annotations

import os
import pathlib
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from core.db import Scope
from core.identity.models import User
from core.identity.phones import phone_index
from core.migrate import upgrade
from core.security import decrypt_pii
from tenants.demo import DEMO_PASSWORD, RESIDENT_PHONES
from tenants.models import Resident

PHONE = RESIDENT_PHONES["resident-a1"]


async def test_no_table_keeps_a_plain_phone_number_of_an_account_or_a_resident(db):
    async with db.session(Scope.everything("test check")) as session:
        for table in ("users", "residents"):
            columns = {c["name"] for c in await session.run_sync(lambda s, t=table: sa.inspect(s.connection()).get_columns(t))}
            assert "phone" not in columns and {"phone_cipher", "phone_index"} <= columns, (table, columns)
        users = (await session.execute(text("SELECT phone_cipher, phone_index FROM users WHERE phone_cipher IS NOT NULL"))).all()
        residents = (await session.execute(text("SELECT phone_cipher, phone_index FROM residents WHERE phone_cipher IS NOT NULL"))).all()
    assert users and residents
    for cipher, index in [*users, *residents]:
        plain = decrypt_pii(bytes(cipher))
        assert plain.isdigit() and plain.encode() not in bytes(cipher) and plain not in index
        assert index == phone_index(plain)
    assert phone_index(PHONE) in {index for _, index in users}


async def test_look_ups_by_phone_go_through_the_blind_index(client, db):
    r = await client.post("/api/v1/auth/login", json={"username": PHONE, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})).json()
    assert me["phone"] == "138****0001"
    async with db.session(Scope.everything("test check")) as session:
        user = await session.scalar(select(User).where(User.phone == PHONE))
        assert user is not None and user.phone == PHONE
        statement = str(select(User.id).where(User.phone == PHONE).compile())
        assert "phone_index" in statement and PHONE not in statement
        # the resident linked to that account is found by the same index
        assert await session.scalar(select(sa.func.count()).select_from(Resident).where(Resident.phone == PHONE)) >= 1
    # one account per number still holds (the unique blind index)
    again = await client.post("/api/v1/auth/login", json={"username": " " + PHONE, "password": "wrong"})
    assert again.status_code == 401


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_seals_existing_rows_and_the_downgrade_opens_them(tmp_path: pathlib.Path, plugin_host):
    from alembic import command

    from core.migrate import alembic_config

    path = tmp_path / "phones.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, plugin_host, "core_0012")
    engine = sa.create_engine(f"sqlite:///{path}")
    user_id, resident_id = uuid.uuid4().hex, uuid.uuid4().hex
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (id, username, phone, display_name, is_active, locale, created_at, updated_at) "
                "VALUES (:id, NULL, '13900001111', '测试', 1, 'zh-CN', '2026-01-01', '2026-01-01')"
            ),
            {"id": user_id},
        )
        c.execute(
            text(
                "INSERT INTO residents (compound_id, id, household_id, name, role, phone, created_at, updated_at) "
                "VALUES (:c, :id, :h, '王五', 'owner', '13900002222', '2026-01-01', '2026-01-01')"
            ),
            {"c": uuid.uuid4().hex, "id": resident_id, "h": uuid.uuid4().hex},
        )
    upgrade(url, plugin_host, "core_0013")
    with engine.begin() as c:
        user = c.execute(text("SELECT phone_cipher, phone_index FROM users")).one()
        resident = c.execute(text("SELECT phone_cipher, phone_index FROM residents")).one()
    assert decrypt_pii(user[0]) == "13900001111" and user[1] == phone_index("13900001111")
    assert decrypt_pii(resident[0]) == "13900002222" and resident[1] == phone_index("13900002222")
    command.downgrade(alembic_config(url, plugin_host), "core_0012")
    with engine.begin() as c:
        assert c.execute(text("SELECT phone FROM users")).scalar_one() == "13900001111"
        assert c.execute(text("SELECT phone FROM residents")).scalar_one() == "13900002222"
    engine.dispose()


async def test_a_district_sees_a_filers_phone_masked_the_operators_staff_in_full(client, as_user, city):
    """``co_building.requester_pii`` (the operator's roles, who call back): a district supervising the queue holds
    work-order read but not the filer's number."""
    resident, manager, district = await as_user("resident-a1"), await as_user("ent-a-manager"), await as_user("district-1-admin")
    base = f"/api/v1/compounds/{city.compounds['A1']}/co_building"
    room = (await client.get(base + "/my-rooms", headers=resident)).json()["items"][0]["room_id"]
    body = {"kind": "repair", "category": "plumbing", "title": "楼道灯不亮", "description": "三楼", "location": "room", "room_id": room}
    filed = await client.post(base + "/requests/", json=body, headers=resident)
    assert filed.status_code == 201, filed.text
    url = base + f"/requests/{filed.json()['id']}"
    assert filed.json()["contact_phone"] == PHONE  # the filer's own
    assert (await client.get(url, headers=manager)).json()["contact_phone"] == PHONE
    seen = await client.get(url, headers=district)
    assert seen.status_code == 200 and seen.json()["contact_phone"] == "138****0001"
    listed = (await client.get(base + "/requests/", headers=district)).json()["items"]
    assert listed and all(i["contact_phone"] is None or "****" in i["contact_phone"] for i in listed)


async def test_one_time_codes_keep_the_phones_blind_index_not_the_number(client, db):
    phone = "13700001234"
    assert (await client.post("/api/v1/join/codes", json={"phone": phone})).status_code == 202
    async with db.session(Scope.everything("test check")) as session:
        columns = {c["name"] for c in await session.run_sync(lambda s: sa.inspect(s.connection()).get_columns("one_time_codes"))}
        rows = (await session.execute(text("SELECT * FROM one_time_codes"))).all()
    assert "phone" not in columns and "phone_index" in columns
    assert rows and not any(phone in str(value) for row in rows for value in row)
    assert phone_index(phone) in {row._mapping["phone_index"] for row in rows}
    # the limits still count by number: a second code at once is refused
    assert (await client.post("/api/v1/join/codes", json={"phone": phone})).status_code == 429
