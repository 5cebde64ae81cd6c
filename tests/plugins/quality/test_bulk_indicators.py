"""Every declared indicator has a bulk form (``compute_many``, used by an evaluation period), and it gives exactly what
its per-compound ``compute`` gives, on the demo, for every compound and a few periods; and ``indicator_values_many``
matches ``indicator_values`` compound by compound (only active modules, same order, same values), as does
``indicator_value_map`` (what an evaluation period scores)."""

from __future__ import annotations

import datetime as dt

from core.db import Scope
from core.plugins.figures import indicator_value_map, indicator_values, indicator_values_many

PERIODS = [
    (dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
    (dt.date(2026, 1, 1), dt.date(2026, 7, 1)),
    (dt.date(2026, 7, 1), dt.date(2027, 1, 1)),
]


def test_every_declared_indicator_has_a_bulk_form(plugin_host):
    # the platform's own plugins (the bulk form stays optional for a vendor's: docs/plugin-hooks.md)
    declared = [
        i for _, i in plugin_host.declared("redprop_indicators") if "compute" in i and i["compute"].__module__.startswith("plugins.")
    ]
    assert len(declared) >= 25
    assert [item["code"] for item in declared if "compute_many" not in item] == []


async def test_every_bulk_form_matches_its_per_compound_compute(db, city, plugin_host):
    compounds = list(city.compounds.values())
    bulk = [(rec, item) for rec, item in plugin_host.declared("redprop_indicators") if "compute_many" in item and "compute" in item]
    plugins = {rec.name for rec, _ in bulk}
    assert {"co_building", "coordination", "party_building", "quality", "smart_property"} <= plugins
    seen = 0
    async with db.session(Scope.everything("test")) as session:
        for start, end in PERIODS:
            for _, item in bulk:
                many = await item["compute_many"](session, compounds, start, end)
                assert set(many) <= set(compounds), item["code"]
                for c in compounds:
                    one = await item["compute"](session, c, start, end)
                    assert many.get(c) == one, (item["code"], c, start, many.get(c), one)
                    seen += one is not None
    assert seen > 10  # the demo gives the comparison something to compare


async def test_indicator_values_many_matches_indicator_values(db, city, plugin_host):
    compounds = list(city.compounds.values())
    start, end = PERIODS[0]
    async with db.session(Scope.everything("test")) as session:
        many = await indicator_values_many(session, plugin_host, compounds, start, end)
        value_map = await indicator_value_map(session, plugin_host, compounds, start, end)
        for c in compounds:
            assert many[c] == await indicator_values(session, plugin_host, c, start, end), c
            assert value_map[c] == {v.code: v.value for v in many[c]}, c
        codes = {"quality.satisfaction", "co_building.on_time_response"}
        chosen = await indicator_values_many(session, plugin_host, compounds, start, end, codes=codes)
        assert all({v.code for v in values} <= codes for values in chosen.values())


async def test_the_district_satisfaction_summed_in_sql_equals_the_scores_over_the_same_compounds(db, city):
    """The home's satisfaction widget sums the rating answers in the database (``satisfaction_over``) instead of
    reading every answer into Python (``scores``): the same value over all the demo's compounds, over one, and none
    where nothing was answered."""
    from plugins.quality.services.surveys import satisfaction_over, scores

    compounds = list(city.compounds.values())
    async with db.session(Scope.everything("test")) as session:
        for start, end in PERIODS:
            for ids in (compounds, compounds[:1]):
                expected = (await scores(session, ids, start=start, end=end)).overall
                got = await satisfaction_over(session, ids, start, end)
                assert (None if got is None else str(got)) == expected, (ids, start)
        assert (await scores(session, compounds, start=PERIODS[0][0], end=PERIODS[0][1])).overall is not None
        assert await satisfaction_over(session, compounds, dt.date(2000, 1, 1), dt.date(2000, 2, 1)) is None
