"""Records numbered by counting (work orders, receipts) stay unique when they are written at the same moment:
``make bench-load`` found two residents filing together both numbered N + 1, and the second a 500."""

from __future__ import annotations

import asyncio

import pytest

from core import clock
from tests.plugins.co_building.test_work_orders import MONDAY_10, file_repair


@pytest.fixture(autouse=True)
def monday():
    with clock.frozen_at(MONDAY_10):
        yield


async def test_requests_filed_at_the_same_moment_get_distinct_numbers(client, as_user, city, database_urls):
    if database_urls["backend"] != "postgresql":
        pytest.skip("concurrent transactions are PostgreSQL's; SQLite lets one writer in at a time")
    residents = [await as_user(name) for name in ("resident-a1", "resident-a1b", "resident-a1c", "resident-a1d")]
    filed = await asyncio.gather(*(file_repair(client, city, headers) for headers in residents * 2))
    numbers = [order["number"] for order in filed]
    assert len(set(numbers)) == len(numbers), numbers
