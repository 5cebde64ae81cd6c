"""A generated city for scale work (issue 17): ``redprop generate city --compounds N --seed S``.

The control plane describes districts (streets, communities, departments), enterprises, compounds, buildings,
units, rooms with their areas, households and residents (ID cards and phones sealed as the app seals them),
subscriptions, module enablements and staff and resident accounts; every plugin adds its own part through
``redprop_generate_city(city)``. Compounds are made in batches of :data:`BATCH_COMPOUNDS`: each batch's rows are
written with COPY (``asyncpg.copy_records_to_table``), tables parents first, in one cross-scope transaction; as the
owner (the command's default, ``REDPROP_MIGRATE_DATABASE_URL``) every table is copied, as the cross-scope role the
tables under row-level security take batched INSERTs (PostgreSQL refuses COPY FROM under RLS). The same seed and ``now`` give the same city (names, numbers, areas, ids;
the ciphertexts' nonces stay random); the command dates it from the start of the day (UTC) it runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import pathlib
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from asyncpg.pgproto.pgproto import UUID as FastUUID
from sqlalchemy import JSON, Table, text
from sqlalchemy.dialects.postgresql import JSONB

from core.authz.store import read_policy_files, sync_templates
from core.db import Base, Database, Scope
from core.identity.models import Membership, User
from core.identity.phones import seal_phone
from core.identity.principal import compound_domain, subject_of, tenant_domain
from core.ids import uuid7
from core.plugins.manager import PluginHost
from core.security import blind_index, encrypt_pii, hash_password
from core.validators import id_card_check_char, org_code_check_char, uscc_check_char
from tenants.models import (
    Building,
    Compound,
    Department,
    Household,
    ModuleEnablement,
    OperatorTerm,
    Plan,
    Region,
    Resident,
    Room,
    Subscription,
    Tenant,
    Unit,
)

CITY_PASSWORD = "redprop-city"
"""Every generated account's password (hashed once: a password hash is slow on purpose)."""
BATCH_COMPOUNDS = 10
"""Compounds per batch: one COPY per table and one transaction per batch."""
MODULES = ("co_building", "coordination", "party_building", "quality", "smart_property")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国秀英伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉华红梅志强海燕春梅晓东文博子涵浩然欣怡宇轩梓萱俊杰雨桐"
DISTRICT_NAMES = ("文峰区", "北关区", "殷都区", "龙安区", "安阳县", "汤阴县", "滑县", "内黄县", "林州市")
COMPOUND_WORDS = ("幸福", "和谐", "书香", "阳光", "锦绣", "东关", "红旗", "解放", "朝阳", "翠苑", "华府", "名门", "世纪", "金地")
COMPOUND_KINDS = ("家园", "花园", "小区", "苑", "新村", "公寓", "华庭", "雅居")
ENTERPRISE_WORDS = ("红城", "安居", "彰德", "殷都", "洹水", "中原", "万家", "祥和", "恒安", "嘉诚", "鑫源", "正和")
AREAS = tuple(Decimal(a) for a in ("62.35", "76.40", "89.56", "96.30", "105.12", "112.45", "128.80", "143.21", "165.70"))


# --------------------------------------------------------------------------- ids and people


def credit_code(serial: int) -> str:
    """A valid unified social credit code (an Anyang enterprise, 2015-style organisation code MA + serial)."""
    org = f"MA{serial:06d}"[:8]
    body = f"91410500{org}{org_code_check_char(org)}"
    return body + uscc_check_char(body)


def id_card(rng: random.Random) -> str:
    """A valid 18-digit resident ID card number (an Anyang district, born 1945-2010, its check character)."""
    birth = rng.randrange(1945 * 10000, 2010 * 10000)  # YYYY, then month and day folded into 1-12 and 1-28
    year, month, day = birth // 10000, (birth // 100) % 12 + 1, birth % 28 + 1
    body = f"4105{rng.choice(('02', '03', '05', '06', '22', '23'))}{year}{month:02d}{day:02d}{rng.randrange(1000):03d}"
    return body + id_card_check_char(body)


class Ids:
    """Deterministic UUIDv7s: the generation time's milliseconds, then random bits from a seeded generator."""

    def __init__(self, rng: random.Random, at: dt.datetime) -> None:
        self._bits = rng.getrandbits
        self._ms = int(at.timestamp() * 1000)

    def new(self) -> uuid.UUID:
        rand = self._bits(74)
        value = (self._ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
        return FastUUID(value.to_bytes(16, "big"))  # a uuid.UUID, built in C (a fifth of uuid.UUID(int=…)'s time)


# --------------------------------------------------------------------------- what plugins see


@dataclass
class GeneratedCompound:
    """One generated compound, as plugins read it to add their rows."""

    id: uuid.UUID
    key: str
    name: str
    district_id: uuid.UUID
    operator_id: uuid.UUID
    community_id: uuid.UUID
    buildings: list[uuid.UUID] = field(default_factory=list)
    rooms: list[tuple[uuid.UUID, Decimal, Decimal]] = field(default_factory=list)
    """``(room id, exclusive area, building area)``"""
    households: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    """``(household id, room id)``"""
    owners: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str]] = field(default_factory=list)
    """``(resident id, household id, room id, name)``: one owner per occupied room."""
    residents: list[tuple[uuid.UUID, uuid.UUID, str]] = field(default_factory=list)
    """``(resident id, household id, name)`` of everyone."""
    staff: dict[str, uuid.UUID] = field(default_factory=dict)
    """User ids of the compound's staff by role: ``manager``, ``staff``."""
    resident_users: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    """``(user id, resident id)`` of the owners with an account."""


class Batch:
    """One batch of compounds: plugins add row dicts for its tables."""

    def __init__(self, city: GeneratedCity, index: int, compounds: list[GeneratedCompound]) -> None:
        self.city, self.index, self.compounds = city, index, compounds
        self.now = city.now
        self.rows: dict[Table, list[dict[str, Any]]] = {}
        self.rules: list[tuple[str, str, str, str]] = []
        """Authorisation grouping lines ``("g", subject, role, domain)``, written to ``casbin_rules``."""
        self._ids = Ids(self.rng("ids"), city.now)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.city.seed}:{name}:{self.index}")

    def new_id(self) -> uuid.UUID:
        return self._ids.new()

    def add(self, model: Any, rows: list[dict[str, Any]]) -> None:
        table = model if isinstance(model, Table) else model.__table__
        self.rows.setdefault(table, []).extend(rows)


@dataclass
class GeneratedCity:
    """Handed to ``redprop_generate_city``: the city's settings, tenants and accounts, and the plugins' parts."""

    compounds: int
    seed: int
    now: dt.datetime
    password: str = CITY_PASSWORD
    tenants: dict[str, uuid.UUID] = field(default_factory=dict)
    """``platform``, ``district-01`` …, ``enterprise-001`` …"""
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    """Every generated account by username."""
    parts: list[tuple[str, Callable[[Batch], None]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    """Rows written per table."""
    state: dict[str, Any] = field(default_factory=dict)
    """Plugins' own memory across batches (batches are described in order), e.g. a community's organisation."""
    compound_list: list[GeneratedCompound] = field(default_factory=list)
    """Every generated compound (its housing and people lists are emptied once written, to keep memory flat)."""

    def per_compounds(self, name: str, make: Callable[[Batch], None]) -> None:
        self.parts.append((name, make))


# --------------------------------------------------------------------------- writing


class Writer:
    """COPY of row dicts into their tables: missing columns take their Python default, or are left to the server."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.order = {table.name: position for position, table in enumerate(Base.metadata.sorted_tables)}
        self.counts: dict[str, int] = {}
        self.guarded: set[str] | None = None

    def _records(self, table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple]]:
        given = list(rows[0])
        extra: dict[str, Any] = {}
        for column in table.columns:
            if column.name in rows[0] or column.default is None:
                continue
            default = column.default
            if default.is_scalar:
                extra[column.name] = default.arg
            elif default.is_callable:
                if column.name == "id" or getattr(default.arg, "__wrapped__", None) is uuid7:
                    raise ValueError(f"{table.name}: rows must carry their {column.name} (deterministic ids)")
                value = default.arg(None)
                extra[column.name] = self.now if isinstance(value, dt.datetime) else value
        columns = given + list(extra)
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON | JSONB) and c.name in columns}
        tail = tuple(json.dumps(v) if k in json_columns else v for k, v in extra.items())
        if json_columns:
            positions = [i for i, k in enumerate(given) if k in json_columns]
            records = []
            for row in rows:
                values = [row[k] for k in given]
                for i in positions:
                    values[i] = json.dumps(values[i], ensure_ascii=False, default=str)
                records.append(tuple(values) + tail)
        else:
            records = [tuple(row[k] for k in given) + tail for row in rows]
        return columns, records

    async def write(self, connection: Any, rows: dict[Table, list[dict[str, Any]]]) -> None:
        if self.guarded is None:
            self.guarded = await _rls_guarded(connection)
        for table in sorted(rows, key=lambda t: self.order.get(t.name, len(self.order))):
            if not rows[table]:
                continue
            columns, records = self._records(table, rows[table])
            await copy(connection, table.name, columns, records, guarded=table.name in self.guarded)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(records)


async def _rls_guarded(connection: Any) -> set[str]:
    """The tables this connection's row-level security applies to: PostgreSQL refuses COPY FROM into those (the
    cross-scope role's), so they take batched INSERTs; an owner or a superuser copies everything."""
    rows = await connection.fetch(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relrowsecurity
             AND NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user)
             AND (c.relforcerowsecurity OR NOT pg_has_role(current_user, c.relowner, 'USAGE'))"""
    )
    return {r["relname"] for r in rows}


async def copy(connection: Any, table: str, columns: list[str], records: list[tuple], *, guarded: bool = False) -> None:
    """COPY the records into the table, or (row-level security on for this role) INSERT them in batches."""
    if not guarded:
        await connection.copy_records_to_table(table, records=records, columns=columns)
        return
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({values})', records)


# --------------------------------------------------------------------------- the control plane's part


def _names(rng: random.Random):
    given = [GIVEN[i : i + 2] for i in range(0, len(GIVEN) - 1, 2)] + list(GIVEN[:20])
    while True:
        yield rng.choice(SURNAMES) + rng.choice(given)


class ControlPlaneCity:
    """The districts, enterprises, compounds, housing, people and accounts of a generated city."""

    def __init__(self, city: GeneratedCity) -> None:
        self.city = city
        rng = random.Random(f"{city.seed}:control-plane")
        self.ids = Ids(rng, city.now)
        self.rng = rng
        self.global_rows: dict[Table, list[dict[str, Any]]] = {}
        self.rules: list[tuple[str, str, str, str]] = []
        self.password_hash = hash_password(city.password)

    def _add(self, model: Any, rows: list[dict[str, Any]]) -> None:
        self.global_rows.setdefault(model.__table__, []).extend(rows)

    def _user(self, username: str, display: str, phone: str | None = None) -> uuid.UUID:
        user_id = self.ids.new()
        self.city.users[username] = user_id
        self._add(
            User, [{"id": user_id, "username": username, "display_name": display, "password_hash": self.password_hash, **seal_phone(phone)}]
        )
        return user_id

    def _member(self, user_id: uuid.UUID, tenant_id: uuid.UUID, title: str, department_id: uuid.UUID | None = None) -> None:
        self._add(
            Membership,
            [
                {
                    "id": self.ids.new(),
                    "user_id": user_id,
                    "tenant_id": tenant_id,
                    "title": title,
                    "department_id": department_id,
                    "is_default": True,
                }
            ],
        )

    def _grant(self, user_id: uuid.UUID, role: str, domain: str) -> None:
        self.rules.append(("g", subject_of(user_id), role, domain))

    def plan(self) -> list[GeneratedCompound]:
        """The tenants, regions, plans and accounts (global rows) and the compounds' skeletons."""
        city, rng, n = self.city, self.rng, self.city.compounds
        platform = self.ids.new()
        city.tenants["platform"] = platform
        tenants = [{"id": platform, "kind": "platform", "name": "红色物业平台运营中心"}]
        admin = self._user("platform", "平台运营管理员")
        self._member(admin, platform, "平台运营")
        self._grant(admin, "platform_admin", tenant_domain(platform))

        district_count = max(1, min(len(DISTRICT_NAMES), math.ceil(n / 250)))
        communities: list[tuple[uuid.UUID, uuid.UUID]] = []  # (community id, district id)
        regions, departments = [], []
        for d in range(district_count):
            key = f"district-{d + 1:02d}"
            district = self.ids.new()
            city.tenants[key] = district
            tenants.append({"id": district, "kind": "district", "name": DISTRICT_NAMES[d]})
            streets = max(1, math.ceil(n / district_count / 60))
            for s in range(streets):
                street = self.ids.new()
                regions.append({"id": street, "tenant_id": district, "parent_id": None, "kind": "street", "name": f"第{s + 1}街道"})
                for c in range(6):
                    community = self.ids.new()
                    regions.append(
                        {
                            "id": community,
                            "tenant_id": district,
                            "parent_id": street,
                            "kind": "community",
                            "name": f"第{s + 1}街道第{c + 1}社区",
                        }
                    )
                    communities.append((community, district))
            dept = self.ids.new()
            departments.append({"id": dept, "tenant_id": district, "name": f"{DISTRICT_NAMES[d]}城管执法局", "kind": "law_enforcement"})
            user = self._user(f"{key}-admin", f"{DISTRICT_NAMES[d]}管理员")
            self._member(user, district, "街道办主任")
            self._grant(user, "district_admin", tenant_domain(district))
            self._grant(user, "tenant_admin", tenant_domain(district))
            officer = self._user(f"{key}-officer", f"{DISTRICT_NAMES[d]}执法队员")
            self._member(officer, district, "执法队员", dept)
            self._grant(officer, "district_officer", tenant_domain(district))

        enterprise_count = max(2, n // 20)
        enterprises = []
        for e in range(enterprise_count):
            key = f"enterprise-{e + 1:03d}"
            ent = self.ids.new()
            city.tenants[key] = ent
            word = ENTERPRISE_WORDS[e % len(ENTERPRISE_WORDS)]
            tenants.append(
                {"id": ent, "kind": "enterprise", "name": f"安阳{word}物业服务有限公司{e + 1}", "credit_code": credit_code(1000 + e)}
            )
            enterprises.append(ent)
            user = self._user(f"{key}-admin", f"{word}物业管理员{e + 1}")
            self._member(user, ent, "总经理")
            self._grant(user, "enterprise_admin", tenant_domain(ent))
            self._grant(user, "tenant_admin", tenant_domain(ent))
        self._add(Tenant, tenants)
        self._add(Region, regions)
        self._add(Department, departments)

        self.plans = {
            "basic": {
                "id": self.ids.new(),
                "code": "basic",
                "name": "基础版",
                "modules": ["co_building", "quality"],
                "price_fen_per_compound_month": 80000,
            },
            "standard": {
                "id": self.ids.new(),
                "code": "standard",
                "name": "标准版",
                "modules": list(MODULES),
                "price_fen_per_compound_month": 200000,
            },
        }
        self._add(Plan, list(self.plans.values()))

        # a few large enterprises run hundreds of compounds, most run a handful (Zipf-like)
        weights = [1 / (rank + 1) for rank in range(enterprise_count)]
        compounds = []
        for i in range(n):
            community, district = communities[i * len(communities) // n]
            name = f"{rng.choice(COMPOUND_WORDS)}{rng.choice(COMPOUND_KINDS)}{i + 1}"
            compounds.append(
                GeneratedCompound(
                    id=self.ids.new(),
                    key=f"c{i + 1:04d}",
                    name=name,
                    district_id=district,
                    operator_id=rng.choices(enterprises, weights)[0],
                    community_id=community,
                )
            )
        return compounds

    def fill(self, batch: Batch) -> None:
        """A batch's compounds: housing, residents, subscriptions, enablements, staff and resident accounts."""
        city, rng = self.city, batch.rng("tenants")
        names = _names(rng)
        start = city.now
        rows: dict[Any, list[dict[str, Any]]] = {
            m: [] for m in (Compound, OperatorTerm, Subscription, ModuleEnablement, Building, Unit, Room, Household, Resident)
        }
        for compound in batch.compounds:
            cid = compound.id
            target_rooms = rng.randint(150, 450)
            floors = rng.choice((6, 6, 11, 18))
            units_per_building, doors = 2, 2
            per_building = floors * units_per_building * doors
            building_count = max(1, round(target_rooms / per_building))
            total = Decimal(0)
            for b in range(building_count):
                building = batch.new_id()
                compound.buildings.append(building)
                rows[Building].append({"compound_id": cid, "id": building, "name": f"{b + 1}号楼", "floors": floors})
                for u in range(units_per_building):
                    unit = batch.new_id()
                    rows[Unit].append({"compound_id": cid, "id": unit, "building_id": building, "name": f"{u + 1}单元"})
                    for floor in range(1, floors + 1):
                        for door in range(1, doors + 1):
                            room = batch.new_id()
                            area = rng.choice(AREAS)
                            building_area = (area * Decimal("1.25")).quantize(Decimal("0.01"))
                            total += building_area
                            held = rng.random() < 0.03
                            rows[Room].append(
                                {
                                    "compound_id": cid,
                                    "id": room,
                                    "unit_id": unit,
                                    "number": f"{floor}{door:02d}",
                                    "floor": floor,
                                    "exclusive_area": area,
                                    "building_area": building_area,
                                    "developer_held": held,
                                    "delivered_on": None if held else (start - dt.timedelta(days=3100)).date(),
                                }
                            )
                            compound.rooms.append((room, area, building_area))
                            if held or rng.random() < 0.05:  # the developer's, or empty
                                continue
                            household = batch.new_id()
                            rows[Household].append(
                                {
                                    "compound_id": cid,
                                    "id": household,
                                    "room_id": room,
                                    "moved_in_on": (start - dt.timedelta(days=rng.randrange(30, 3000))).date(),
                                }
                            )
                            compound.households.append((household, room))
                            people = (
                                ["owner"] + ["family"] * rng.choice((0, 1, 1, 2, 2, 2, 3)) + (["tenant"] if rng.random() < 0.08 else [])
                            )
                            for role in people:
                                resident = batch.new_id()
                                name = next(names)
                                number = id_card(rng) if role != "tenant" or rng.random() < 0.5 else None
                                phone = (
                                    f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if role != "family" or rng.random() < 0.6 else None
                                )
                                rows[Resident].append(
                                    {
                                        "compound_id": cid,
                                        "id": resident,
                                        "household_id": household,
                                        "name": name,
                                        "role": role,
                                        "id_card_cipher": encrypt_pii(number) if number else None,
                                        "id_card_index": blind_index(number) if number else None,
                                        **seal_phone(phone),
                                    }
                                )
                                compound.residents.append((resident, household, name))
                                if role == "owner":
                                    compound.owners.append((resident, household, room, name))
            rows[Compound].append(
                {
                    "id": cid,
                    "name": compound.name,
                    "address": f"安阳市{compound.name}",
                    "community_id": compound.community_id,
                    "district_tenant_id": compound.district_id,
                    "operator_tenant_id": compound.operator_id,
                    "total_area": total,
                }
            )
            rows[OperatorTerm].append(
                {
                    "compound_id": cid,
                    "id": batch.new_id(),
                    "tenant_id": compound.operator_id,
                    "started_at": start - dt.timedelta(days=rng.randrange(400, 3000)),
                    "note": "首任物业",
                }
            )
            # the city's first compound runs every module (tests and benchmarks read it), the others vary
            plan = "standard" if compound is batch.city.compound_list[0] else rng.choices(("standard", "basic", None), (6, 3, 1))[0]
            if plan:
                rows[Subscription].append(
                    {
                        "compound_id": cid,
                        "id": batch.new_id(),
                        "tenant_id": compound.operator_id,
                        "plan_id": self.plans[plan]["id"],
                        "starts_on": (start - dt.timedelta(days=365)).date(),
                    }
                )
            # the district enables what the plan lacks for most compounds, so every module has data to show
            have = set(self.plans[plan]["modules"]) if plan else set()
            for module in MODULES:
                if module not in have and rng.random() < 0.8:
                    rows[ModuleEnablement].append(
                        {"compound_id": cid, "id": batch.new_id(), "module": module, "enabled": True, "by_tenant_id": compound.district_id}
                    )
            # accounts: a manager and a repair worker of the operator; two owners who log in
            for role, display, title, grant in (
                ("manager", "项目经理", "项目经理", "enterprise_manager"),
                ("staff", "维修工", "维修工", "enterprise_staff"),
            ):
                user = self._batch_user(batch, f"{compound.key}-{role}", f"{compound.name}{display}", None)
                compound.staff[role] = user
                batch.add(
                    Membership,
                    [
                        {
                            "id": batch.new_id(),
                            "user_id": user,
                            "tenant_id": compound.operator_id,
                            "title": title,
                            "department_id": None,
                            "is_default": True,
                        }
                    ],
                )
                batch.rules.append(("g", subject_of(user), grant, compound_domain(cid)))
            for k, (resident, _, _, name) in enumerate(compound.owners[:2]):
                phone = f"17{batch.index:05d}{len(compound.resident_users) + 10 * (batch.compounds.index(compound)):04d}"[:11]
                user = self._batch_user(batch, f"{compound.key}-resident-{k + 1}", name, phone)
                compound.resident_users.append((user, resident))
                batch.rules.append(("g", subject_of(user), "resident", compound_domain(cid)))
                for row in rows[Resident]:
                    if row["id"] == resident:
                        row["user_id"] = user
                        row.update(seal_phone(phone))
        for model, model_rows in rows.items():
            if model is Resident:
                for row in model_rows:
                    row.setdefault("user_id", None)
            batch.add(model, model_rows)

    def _batch_user(self, batch: Batch, username: str, display: str, phone: str | None) -> uuid.UUID:
        user_id = batch.new_id()
        self.city.users[username] = user_id
        batch.add(
            User, [{"id": user_id, "username": username, "display_name": display, "password_hash": self.password_hash, **seal_phone(phone)}]
        )
        return user_id


# --------------------------------------------------------------------------- running


class Progress:
    """One line on stderr, rewritten: compounds done, rows written, elapsed and remaining time."""

    def __init__(self, total: int, out=sys.stderr) -> None:
        self.total, self.out, self.started = total, out, time.monotonic()

    def update(self, done: int, rows: int) -> None:
        elapsed = time.monotonic() - self.started
        left = elapsed / done * (self.total - done) if done else 0
        width = 30
        bar = "#" * (width * done // self.total) + "-" * (width - width * done // self.total)
        self.out.write(f"\r[{bar}] {done}/{self.total} compounds, {rows:,} rows, {elapsed:.0f} s, ~{left:.0f} s left ")
        self.out.flush()

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()


class NotEmpty(Exception):
    """The database already holds tenants: a city is generated into an empty one only."""


async def generate_city(
    db: Database, host: PluginHost, compounds: int, seed: int, *, now: dt.datetime, progress: Progress | None = None
) -> GeneratedCity:
    """Fill an empty, migrated PostgreSQL database with ``compounds`` compounds; returns what was generated."""
    city = GeneratedCity(compounds=compounds, seed=seed, now=now)
    plane = ControlPlaneCity(city)
    for name, result in host.call_each("redprop_generate_city", city=city):
        if isinstance(result, Exception):
            raise RuntimeError(f"plugin {name} failed to register its part of the city") from result
    skeletons = city.compound_list = plane.plan()
    writer = Writer(now)
    done = 0

    def build(index: int) -> Batch:
        batch = Batch(city, index // BATCH_COMPOUNDS, skeletons[index : index + BATCH_COMPOUNDS])
        plane.fill(batch)
        for _name, make in city.parts:
            make(batch)
        return batch

    async def write(connection: Any, batch: Batch) -> None:
        nonlocal done
        await writer.write(connection, batch.rows)
        await _write_rules(connection, batch.rules, writer)
        done += len(batch.compounds)
        for compound in batch.compounds:
            compound.rooms, compound.households, compound.owners, compound.residents = [], [], [], []
        if progress:
            progress.update(done, sum(writer.counts.values()))

    # one transaction: a failed run leaves the database as empty as it found it
    async with db.transaction(Scope.everything("generate city")) as session:
        if session.bind.dialect.name != "postgresql":
            raise RuntimeError("the city generator writes with COPY: PostgreSQL only")
        if await session.scalar(text("SELECT EXISTS (SELECT 1 FROM tenants)")):
            raise NotEmpty("the database is not empty (it has tenants): generate a city into an empty, migrated database")
        await session.execute(text("SET LOCAL statement_timeout = 0"))
        await sync_templates(
            session, read_policy_files([(rec.name, pathlib.Path(path)) for rec, path in host.declared("redprop_policies")])
        )
        await session.flush()
        connection = await _raw(session)
        deferred = await _set_foreign_keys_aside(connection)
        await writer.write(connection, plane.global_rows)
        await _write_rules(connection, plane.rules, writer)
        if progress:
            progress.update(0, sum(writer.counts.values()))
        # the next batch is described in a thread while the database takes the previous one
        writing: asyncio.Task | None = None
        try:
            for index in range(0, compounds, BATCH_COMPOUNDS):
                batch = await asyncio.to_thread(build, index)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(write(connection, batch))
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        if progress:
            progress.close()
            print(f"checking {len(deferred)} foreign keys …", file=progress.out, flush=True)
        for table, name, definition in deferred:
            await connection.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    async with db.transaction(Scope.everything("generate city")) as session:
        await session.execute(text("ANALYZE"))
    city.counts = writer.counts
    return city


async def _set_foreign_keys_aside(connection: Any) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of the tables this connection owns, inside the generating transaction, to add them back
    (each checking every row in one pass) before it commits: checked row by row, they took nine tenths of each COPY.
    Nothing is set aside on Citus (its constraints are the cluster's) or for a role that owns no table."""
    if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"):
        return []
    rows = await connection.fetch(
        """SELECT r.relname AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
           FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
           WHERE c.contype = 'f' AND n.nspname = current_schema() AND pg_has_role(current_user, r.relowner, 'USAGE')
           ORDER BY r.relname, c.conname"""
    )
    deferred = [(r["table"], r["name"], r["definition"]) for r in rows]
    for table, name, _ in deferred:
        await connection.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return deferred


async def _raw(session: Any) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _write_rules(connection: Any, rules: list[tuple[str, str, str, str]], writer: Writer) -> None:
    if rules:
        records = [(p, a, b, c, "") for p, a, b, c in rules]
        await copy(connection, "casbin_rules", ["ptype", "v0", "v1", "v2", "v3"], records, guarded="casbin_rules" in (writer.guarded or ()))
