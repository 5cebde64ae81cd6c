"""The points ledger (积分) and the rewards shop: append-only lines, a balance that never goes below zero
(also under two concurrent redemptions), stock, refunds."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.db import Scope
from core.problems import Problem
from plugins.co_building.models.volunteers import LedgerIsAppendOnly, PointsEntry, Redemption, Reward, Volunteer
from plugins.co_building.schemas import volunteers as s
from plugins.co_building.services import volunteers as services
from tests.conftest import BACKEND
from tests.plugins.co_building.support_featured_volunteers import count, resident_principal, staff_principal

C = "/api/v1/compounds/{}/co_building"
postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL (REDPROP_TEST_BACKEND=postgresql)")


async def _resident_with_points(db, city, points: int) -> uuid.UUID:
    """resident-a1 registered as a volunteer, credited ``points`` by a manual award."""
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        volunteer = await services.register_volunteer(session, resident_principal(city), a1, s.VolunteerIn(), for_others=False)
        if points:
            await services.adjust_points(
                session, staff_principal(city), a1, s.AdjustmentIn(volunteer_id=volunteer.id, delta=points, reason="表彰：协助抗洪")
            )
        return volunteer.id


async def _reward(db, city, cost: int, stock: int) -> uuid.UUID:
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        return (
            await services.create_reward(session, a1, s.RewardIn(name=f"奖品 {uuid.uuid4().hex[:6]}", points_cost=cost, stock=stock))
        ).id


async def _written(db) -> tuple[int, int, int]:
    async with db.session(Scope.everything("test")) as session:
        stock = await session.scalar(select(func.sum(Reward.stock)))
    return await count(db, PointsEntry), await count(db, Redemption), int(stock or 0)


async def test_redeeming_more_than_the_balance_is_refused_and_writes_nothing(client, as_user, city, db):
    a1 = city.compounds["A1"]
    await _resident_with_points(db, city, 30)
    reward = await _reward(db, city, cost=20, stock=5)
    h = await as_user("resident-a1")
    before = await _written(db)
    r = await client.post(C.format(a1) + f"/rewards/{reward}/redeem", json={"quantity": 2}, headers=h)
    assert r.status_code == 409 and r.json()["type"].endswith("/insufficient-points")
    assert r.json()["balance"] == 30 and r.json()["needed"] == 40 and r.json()["errors"][0]["field"] == "quantity"
    assert await _written(db) == before
    ok = await client.post(C.format(a1) + f"/rewards/{reward}/redeem", json={"quantity": 1}, headers=h)
    assert ok.status_code == 201 and ok.json()["points"] == 20 and ok.json()["status"] == "pending"
    balance = (await client.get(C.format(a1) + "/points/balance", headers=h)).json()
    assert balance["balance"] == 10
    ledger = (await client.get(C.format(a1) + "/points/ledger", headers=h)).json()["items"]
    assert [(e["delta"], e["balance_after"], e["kind"]) for e in ledger] == [(-20, 10, "redeem"), (30, 30, "adjust")]


async def test_out_of_stock_is_409_and_gives_the_points_back(db, city):
    a1 = city.compounds["A1"]
    volunteer = await _resident_with_points(db, city, 100)
    reward = await _reward(db, city, cost=10, stock=1)
    async with db.transaction(Scope.of([a1])) as session:
        with pytest.raises(Problem) as caught:
            await services.redeem(session, resident_principal(city), a1, reward, s.RedeemIn(quantity=2), for_others=False)
        assert caught.value.slug == "out-of-stock"
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(Volunteer, (a1, volunteer))).points_balance == 100
        assert (await session.get(Reward, (a1, reward))).stock == 1


@pytest.mark.parametrize(
    "body,field", [({"points_cost": -5}, "points_cost"), ({"points_cost": 0}, "points_cost"), ({"stock": -1}, "stock")]
)
async def test_negative_reward_figures_are_refused(client, as_user, city, db, body, field):
    before = await count(db, Reward)
    r = await client.post(
        C.format(city.compounds["A1"]) + "/rewards", json={"name": "x", "points_cost": 5, **body}, headers=await as_user("ent-a-manager")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    assert await count(db, Reward) == before


async def test_a_negative_adjustment_beyond_the_balance_is_refused(client, as_user, city, db):
    a1 = city.compounds["A1"]
    volunteer = await _resident_with_points(db, city, 5)
    before = await count(db, PointsEntry)
    h = await as_user("ent-a-admin")
    r = await client.post(
        C.format(a1) + "/points/adjustments", json={"volunteer_id": str(volunteer), "delta": -6, "reason": "更正"}, headers=h
    )
    assert r.status_code == 409 and r.json()["balance"] == 5
    zero = await client.post(
        C.format(a1) + "/points/adjustments", json={"volunteer_id": str(volunteer), "delta": 0, "reason": "更正"}, headers=h
    )
    assert zero.status_code == 422 and zero.json()["errors"][0]["field"] == "delta"
    assert await count(db, PointsEntry) == before
    resident = await client.post(
        C.format(a1) + "/points/adjustments",
        json={"volunteer_id": str(volunteer), "delta": 100, "reason": "自己加分"},
        headers=await as_user("resident-a1"),
    )
    assert resident.status_code == 403


async def test_the_ledger_is_append_only(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        entry = await session.scalar(select(PointsEntry).where(PointsEntry.compound_id == a1).limit(1))
        entry.delta = 1000
        with pytest.raises(LedgerIsAppendOnly):
            await session.flush()
        await session.rollback()
    async with db.transaction(Scope.of([a1])) as session:
        entry = await session.scalar(select(PointsEntry).where(PointsEntry.compound_id == a1).limit(1))
        await session.delete(entry)
        with pytest.raises(LedgerIsAppendOnly):
            await session.flush()
        await session.rollback()
    for statement in ("UPDATE co_building_points_ledger SET delta = 1000", "DELETE FROM co_building_points_ledger"):
        with pytest.raises(DBAPIError):
            async with db.transaction(Scope.everything("test: tamper")) as session:
                await session.execute(text(statement))
    assert await count(db, PointsEntry, delta=1000) == 0


async def test_cancelling_a_redemption_refunds_with_a_new_line_and_restocks(client, as_user, city, db):
    a1 = city.compounds["A1"]
    volunteer = await _resident_with_points(db, city, 50)
    reward = await _reward(db, city, cost=25, stock=3)
    made = (
        await client.post(C.format(a1) + f"/rewards/{reward}/redeem", json={"quantity": 2}, headers=await as_user("resident-a1"))
    ).json()
    staff = await as_user("ent-a-manager")
    cancelled = await client.post(C.format(a1) + f"/redemptions/{made['id']}/cancel", headers=staff)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = await client.post(C.format(a1) + f"/redemptions/{made['id']}/deliver", headers=staff)
    assert twice.status_code == 409 and twice.json()["allowed"] == []
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(Volunteer, (a1, volunteer))).points_balance == 50
        assert (await session.get(Reward, (a1, reward))).stock == 3
        kinds = (
            await session.scalars(select(PointsEntry.kind).where(PointsEntry.volunteer_id == volunteer).order_by(PointsEntry.id))
        ).all()
    assert kinds == ["adjust", "redeem", "refund"]


async def test_residents_see_only_their_own_ledger_and_redemptions(client, as_user, city, db):
    a1 = city.compounds["A1"]
    await _resident_with_points(db, city, 10)
    h = await as_user("resident-a1")
    ledger = (await client.get(C.format(a1) + "/points/ledger", headers=h)).json()
    assert ledger["total"] == 1 and ledger["items"][0]["volunteer_name"] == "张建国"
    assert (await client.get(C.format(a1) + "/redemptions", headers=h)).json()["total"] == 0
    everyone = (await client.get(C.format(a1) + "/points/ledger", headers=await as_user("ent-a-admin"))).json()
    assert everyone["total"] > 1


async def test_every_balance_equals_its_ledger(db, city):
    async with db.session(Scope.everything("test")) as session:
        sums = dict(
            (await session.execute(select(PointsEntry.volunteer_id, func.sum(PointsEntry.delta)).group_by(PointsEntry.volunteer_id))).all()
        )
        balances = dict((await session.execute(select(Volunteer.id, Volunteer.points_balance))).all())
        last = {}
        for entry in (await session.scalars(select(PointsEntry).order_by(PointsEntry.created_at, PointsEntry.id))).all():
            last[entry.volunteer_id] = entry.balance_after
    assert sums and all(balances[v] == total == last[v] for v, total in sums.items())
    assert all(b == 0 for v, b in balances.items() if v not in sums)


@postgres_only
async def test_two_concurrent_redemptions_never_take_the_balance_below_zero(db, city):
    a1 = city.compounds["A1"]
    volunteer = await _resident_with_points(db, city, 30)
    reward = await _reward(db, city, cost=20, stock=10)

    async def spend():
        async with db.transaction(Scope.of([a1])) as session:
            await services.redeem(session, resident_principal(city), a1, reward, s.RedeemIn(quantity=1), for_others=False)

    results = await asyncio.gather(spend(), spend(), return_exceptions=True)
    refused = [r for r in results if isinstance(r, Problem)]
    assert len(refused) == 1 and refused[0].slug == "insufficient-points", results
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(Volunteer, (a1, volunteer))).points_balance == 10
        assert (await session.get(Reward, (a1, reward))).stock == 9
        lines = (await session.scalars(select(PointsEntry).where(PointsEntry.volunteer_id == volunteer).order_by(PointsEntry.id))).all()
    assert [(e.delta, e.balance_after) for e in lines] == [(30, 30), (-20, 10)]


@postgres_only
async def test_concurrent_debits_through_the_ledger_stop_at_zero(db, city):
    """Ten debits of 10 against a balance of 30, at once: exactly three pass, the balance ends at 0."""
    a1 = city.compounds["A1"]
    volunteer = await _resident_with_points(db, city, 30)

    async def debit():
        async with db.transaction(Scope.of([a1])) as session:
            await services.post_points(session, a1, volunteer, -10, "adjust", "并发扣减")

    results = await asyncio.gather(*(debit() for _ in range(10)), return_exceptions=True)
    assert sum(1 for r in results if r is None) == 3
    assert all(isinstance(r, Problem) and r.status == 409 for r in results if r is not None)
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(Volunteer, (a1, volunteer))).points_balance == 0
        assert sorted(
            (
                await session.scalars(select(PointsEntry.balance_after).where(PointsEntry.volunteer_id == volunteer, PointsEntry.delta < 0))
            ).all()
        ) == [0, 10, 20]
