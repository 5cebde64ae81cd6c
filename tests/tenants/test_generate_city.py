"""The generated city (``redprop generate city``, issue 17) on a small city of three compounds, PostgreSQL only (it
writes with COPY): the API answers a district admin, an enterprise admin and a resident on it, and no compound
list's statement count grows with its page size (limit 5 against 50) — issue 17, "What must be shown", point 2."""

from __future__ import annotations

import asyncio
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core import clock
from core.db import Database, Scope
from core.migrate import upgrade
from core.testing.routes import compound_lists
from core.testing.statements import least
from tenants.generate import CITY_PASSWORD, generate_city
from tenants.models import Compound, Resident, Room
from tests.conftest import BACKEND, WORKER_ROLE, _pg_admin, _pg_available, _pg_url, login

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="the city generator writes with COPY: PostgreSQL only")
COMPOUNDS = 3


@pytest.fixture(scope="module")
def generated(plugin_host):
    """A fresh database, migrated and filled with a generated city as the cross-scope role: ``(urls, city)``."""
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    name = f"redprop_gen_{os.getpid()}"
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    urls = {"app": _pg_url(name, "redprop_app"), "cross": _pg_url(name, WORKER_ROLE), "owner": _pg_url(name), "backend": "postgresql"}
    upgrade(urls["owner"], plugin_host)

    async def run():
        db = Database(urls["cross"])
        try:
            return await generate_city(db, plugin_host, COMPOUNDS, 7, now=clock.now())
        finally:
            await db.dispose()

    city = asyncio.run(run())
    yield urls, city
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def database_urls(generated):
    return generated[0]


@pytest.fixture
def city(generated):
    return generated[1]


def _operator_admin(city, compound) -> str:
    key = next(k for k, v in city.tenants.items() if v == compound.operator_id)
    return f"{key}-admin"


def _district_admin(city, compound) -> str:
    key = next(k for k, v in city.tenants.items() if v == compound.district_id)
    return f"{key}-admin"


async def test_the_city_is_there_with_valid_sealed_people(db, city):
    from core.security import decrypt_pii
    from core.validators import id_card_problem

    async with db.transaction(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(Compound)) == COMPOUNDS
        assert await session.scalar(select(func.count()).select_from(Room)) >= COMPOUNDS * 100
        ciphers = (await session.scalars(select(Resident.id_card_cipher).where(Resident.id_card_cipher.is_not(None)).limit(200))).all()
    assert ciphers and all(id_card_problem(decrypt_pii(c)) is None for c in ciphers)
    assert city.counts["residents"] > city.counts["households"] > 0
    assert city.counts["co_building_requests"] > 0 and city.counts["co_building_bills"] > 0 and city.counts["co_building_ballots"] > 0


async def test_the_same_seed_refuses_a_database_that_is_not_empty(database_urls, plugin_host):
    from tenants.generate import NotEmpty

    db = Database(database_urls["cross"])
    try:
        with pytest.raises(NotEmpty, match="not empty"):
            await generate_city(db, plugin_host, 1, 7, now=clock.now())
    finally:
        await db.dispose()


def test_the_command_refuses_a_database_that_is_not_empty(database_urls):
    from core.cli import main

    result = CliRunner().invoke(main, ["generate", "city", "--compounds", "1", "--database-url", database_urls["cross"], "--quiet"])
    assert result.exit_code != 0
    assert "not empty" in result.output


@pytest.mark.parametrize("who", ["district", "enterprise", "resident"])
async def test_the_api_answers_on_the_generated_city(client, city, who):
    compound = city.compound_list[0]
    username = {
        "district": _district_admin(city, compound),
        "enterprise": _operator_admin(city, compound),
        "resident": f"{compound.key}-resident-1",
    }[who]
    headers = await login(client, username, CITY_PASSWORD)
    base = f"/api/v1/compounds/{compound.id}/co_building"
    for path in ("requests", "votes", "bills"):
        response = await client.get(f"{base}/{path}?limit=20", headers=headers)
        assert response.status_code == 200, (who, path, response.text)
        # a district reads no bill (fee.read_all is the operator's); a resident reads their own rooms' bills
        # and, here, no request (the generated ones are filed for owners picked at random)
        if (who, path) not in (("district", "bills"), ("resident", "requests")):
            assert response.json()["items"], (who, path)
    if who != "resident":  # staff reach the compound's residents (masked as their role requires)
        response = await client.get(f"/api/v1/compounds/{compound.id}/residents?limit=5", headers=headers)
        assert response.status_code == 200 and response.json()["items"]


async def test_no_compound_list_grows_with_its_page_size(app, client, city):
    """Every compound-scoped list (found from the routes) runs as many statements for 50 rows as for 5."""
    compound = city.compound_list[0]
    headers = await login(client, _operator_admin(city, compound), CITY_PASSWORD)
    grew, answered = [], 0
    for path, operation in compound_lists(app):
        url = path.format(compound_id=compound.id)
        small, first = await least(app, lambda url=url: client.get(f"{url}?limit=5", headers=headers))
        large, second = await least(app, lambda url=url: client.get(f"{url}?limit=50", headers=headers))
        if first.status_code != 200 or second.status_code != 200:
            continue  # not this role's (a resident's own list, a permission the admin lacks)
        answered += 1
        if large > small:
            grew.append(f"{operation}: {small} -> {large}")
    assert answered >= 20
    assert not grew, grew
