"""The rules Citus distribution relies on, checked on the metadata of the core and every plugin (issue 17, point 5).

No cluster needed: a plugin whose table breaks a rule fails here, with the table and the constraint named,
long before `redprop db distribute` refuses it on a cluster. The rules: core/citus.py; the runbook: deploy/citus.md.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, MetaData, String, Table, UniqueConstraint, Uuid

from core import citus
from core.db import NAMING, Base


def test_core_and_every_plugin_follow_the_distribution_rules(plugin_host):
    problems = citus.rule_violations(Base.metadata)
    assert problems == [], "\n".join(problems)


def test_every_table_with_compound_id_is_distributed_or_declared_with_a_reason(plugin_host):
    plan = citus.layout(Base.metadata)
    with_compound = {t.name for t in Base.metadata.tables.values() if "compound_id" in t.c}
    assert with_compound - {citus.ROOT}, "no compound tables loaded"
    assert with_compound <= set(plan.distributed) | set(plan.declared)
    assert all(len(why) > 20 for why in plan.declared.values()), plan.declared
    assert {"rooms", "residents", "co_building_requests", "co_building_ballots"} <= set(plan.distributed)
    assert citus.ROOT not in plan.distributed + plan.reference  # distributed by its own id
    assert "alembic_version" not in plan.reference
    assert {"users", "tenants", "casbin_rules"} <= set(plan.reference)


def _schema() -> MetaData:
    md = MetaData(naming_convention=NAMING)
    Table("compounds", md, Column("id", Uuid, primary_key=True))
    Table("users", md, Column("id", Uuid, primary_key=True))
    Table(
        "rooms",
        md,
        Column("compound_id", Uuid, ForeignKey("compounds.id", ondelete="CASCADE"), primary_key=True),
        Column("id", Uuid, primary_key=True),
    )
    return md


def test_a_plugin_breaking_a_rule_is_named_with_its_constraint():
    md = _schema()
    Table(
        "acme_lockers",  # compound_id not first, a global unique code, a key to rooms without compound_id
        md,
        Column("id", Uuid, primary_key=True, default=uuid.uuid4),
        Column("compound_id", Uuid, ForeignKey("compounds.id"), nullable=False),
        Column("room_id", Uuid),
        Column("code", String(20)),
        UniqueConstraint("code", name="uq_acme_lockers_code"),
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.id", "rooms.compound_id"], name="fk_acme_lockers_room"),
    )
    Table(
        "acme_parcels",  # keeps its room when the room goes: Citus refuses SET NULL with compound_id in the key
        md,
        Column("compound_id", Uuid, ForeignKey("compounds.id"), primary_key=True),
        Column("id", Uuid, primary_key=True),
        Column("room_id", Uuid),
        Column("user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL")),  # to a reference table: fine
        ForeignKeyConstraint(
            ["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="SET NULL", name="fk_acme_parcels_room"
        ),
        ForeignKeyConstraint(["room_id", "compound_id"], ["rooms.id", "rooms.compound_id"], name="fk_acme_parcels_room_reversed"),
    )
    Table(
        "acme_couriers",  # no compound_id: a reference table, which may not point at a compound's rows
        md,
        Column("id", Uuid, primary_key=True),
        Column("home_compound_id", Uuid, ForeignKey("compounds.id"), nullable=True),
    )
    problems = citus.rule_violations(md, declared={})
    text = "\n".join(problems)
    assert len(problems) == 6, text
    assert "acme_lockers: primary key pk_acme_lockers is (id); it must start with compound_id" in text
    assert "acme_lockers: unique constraint uq_acme_lockers_code is (code)" in text
    assert "acme_lockers: foreign key fk_acme_lockers_room" in text and "must map compound_id to rooms.compound_id" in text
    assert "acme_parcels: foreign key fk_acme_parcels_room_reversed (room_id, compound_id) → rooms must start with compound_id" in text
    assert "acme_parcels: foreign key fk_acme_parcels_room → rooms is ON DELETE SET NULL" in text
    assert (
        "acme_couriers: foreign key fk_acme_couriers_home_compound_id_compounds" in text
        and "references compounds, a distributed table" in text
    )
    assert "user_id" not in text


def test_a_declared_reference_table_may_not_keep_its_key_to_compounds():
    md = _schema()
    Table(
        "acme_news",
        md,
        Column("id", Uuid, primary_key=True),
        Column("compound_id", Uuid, ForeignKey("compounds.id", name="fk_acme_news_compound"), nullable=True),
    )
    problems = citus.rule_violations(md, declared={})
    assert any("acme_news: column compound_id is nullable" in p for p in problems), problems
    assert any("acme_news: primary key" in p for p in problems), problems
    declared = citus.rule_violations(md, declared={"acme_news": "a district's news item"})
    assert declared == [
        "acme_news: foreign key fk_acme_news_compound references compounds, a distributed table; a reference table"
        " (declared: a district's news item) may reference only reference tables"
    ]
