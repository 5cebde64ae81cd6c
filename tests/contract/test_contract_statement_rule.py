"""The contract suite's statement rule fails a plugin whose list runs a query per row, naming the route."""

from __future__ import annotations

import dataclasses

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app, load_plugins
from core.testing.contract import ContractSuite
from tests.conftest import login


class NPlusOne(ContractSuite):
    plugin = "tests.support.n_plus_one_plugin"


async def test_a_list_with_a_query_per_row_is_flagged(settings, city):
    extra = dataclasses.replace(settings, extra_plugins=("tests.support.n_plus_one_plugin",))
    host = load_plugins(extra)
    app = create_app(extra, host)
    async with AsyncTestClient(app=app) as client:

        async def as_user(name):
            return await login(client, name)

        async def enable_module(*_args):
            raise AssertionError("a built-in part is never switched")

        with pytest.raises(AssertionError, match=r"n_plus_one/rooms: \d+ statements for 1 row, \d+ for 50"):
            await NPlusOne().test_list_statements_do_not_grow_with_the_page_size(host, app, client, as_user, enable_module, city)
