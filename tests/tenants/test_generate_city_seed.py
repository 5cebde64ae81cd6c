"""The generated city is the same for the same seed and day, and another for another seed (no database needed: the
rows are compared as the plugins and the control plane describe them, ciphertexts and the password hash aside — their
nonces and salt are random)."""

from __future__ import annotations

import datetime as dt

from tenants.generate import Batch, ControlPlaneCity, GeneratedCity

DAY = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)


def _describe(plugin_host, seed: int) -> dict[str, list]:
    city = GeneratedCity(compounds=3, seed=seed, now=DAY)
    for _name, result in plugin_host.call_each("redprop_generate_city", city=city):
        assert not isinstance(result, Exception), result
    plane = ControlPlaneCity(city)
    city.compound_list = plane.plan()
    batch = Batch(city, 0, city.compound_list)
    plane.fill(batch)
    for _name, make in city.parts:
        make(batch)
    sealed = ("cipher", "sealed", "password_hash")  # random nonces and salts
    return {
        table.name: [{k: v for k, v in row.items() if not any(s in k for s in sealed)} for row in rows]
        for table, rows in batch.rows.items()
    }


def test_the_same_seed_gives_the_same_city_and_another_seed_another(plugin_host):
    first, again, other = _describe(plugin_host, 7), _describe(plugin_host, 7), _describe(plugin_host, 8)
    assert first == again
    assert first["residents"] != other["residents"]
    assert {"rooms", "residents", "co_building_requests", "co_building_bills", "party_members", "coordination_cases"} <= set(first)


def test_hook_redprop_generate_city(plugin_host):
    """Every built-in area plugin adds its part of a generated city through the hook, and its rows are its own tables."""
    city = GeneratedCity(compounds=2, seed=1, now=DAY)
    answered = [name for name, result in plugin_host.call_each("redprop_generate_city", city=city) if not isinstance(result, Exception)]
    assert {"co_building", "party_building", "coordination", "quality", "smart_property"} <= set(answered)
    contributed = {name for name, _make in city.parts}
    assert {"co_building", "party_building", "coordination", "quality", "smart_property"} <= contributed
    rows = _describe(plugin_host, 1)
    assert any(name.startswith("quality_") for name in rows) and any(name.startswith("smart_property_") for name in rows)
