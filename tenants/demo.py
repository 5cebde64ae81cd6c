"""The demo city: a platform, two districts, three enterprises, six compounds, their people and accounts.

Plugins add their own rows through ``redprop_demo_data(seed)``: the hook only
describes rows; the seed writes everything in one transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import pathlib
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.store import add_rule, read_policy_files, sync_templates
from core.clock import now
from core.db import Base, Database, Scope
from core.identity.models import Membership, User
from core.identity.principal import compound_domain, subject_of, tenant_domain
from core.ids import uuid7
from core.plugins.manager import PluginHost
from core.security import blind_index, encrypt_pii, hash_password
from core.validators import id_card_check_char, org_code_check_char, uscc_check_char
from tenants.models import (
    Building,
    CommitteeMember,
    Compound,
    Department,
    Household,
    ModuleEnablement,
    OperatorTerm,
    OwnersCommittee,
    Plan,
    Region,
    Resident,
    Room,
    Subscription,
    Tenant,
    Unit,
)

DEMO_PASSWORD = "redprop-demo"
ACCOUNTS = (
    ("platform", "平台运营管理员", "platform operator"),
    ("ent-a-admin", "红城物业管理员", "enterprise A administrator"),
    ("ent-a-manager", "红城物业项目经理", "enterprise A manager, limited to compound A1"),
    ("ent-a-staff", "红城物业维修工", "enterprise A staff (repairs), limited to compound A1"),
    ("ent-b-admin", "安居物业管理员", "enterprise B administrator"),
    ("district-1-admin", "文峰区管理员", "district 1 administrator"),
    ("district-2-admin", "北关区管理员", "district 2 administrator"),
    ("officer-1", "文峰区城管执法队员", "district 1 law-enforcement officer"),
    ("resident-a1", "张建国", "resident (owner) in compound A1; phone 13800000001"),
    ("resident-a1b", "李秀英", "another owner in compound A1; phone 13800000002"),
    ("resident-a1c", "王淑芬", "a third owner in compound A1; phone 13800000003"),
    ("resident-a1d", "刘志强", "a fourth owner in compound A1; phone 13800000004"),
)
RESIDENT_PHONES = {
    "resident-a1": "13800000001",
    "resident-a1b": "13800000002",
    "resident-a1c": "13800000003",
    "resident-a1d": "13800000004",
}
"""A1's owners with an account: one raises a proposal, the other three reach its co-signature threshold (3)."""
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞")


def credit_code(serial: int) -> str:
    """A valid unified social credit code for demo enterprises: an enterprise (91) registered in Anyang (410500)
    with a 2015-style organisation code (MA + serial) carrying its own check character."""
    org = f"MA{serial:06d}"[:8]
    body = f"91410500{org}{org_code_check_char(org)}"
    return body + uscc_check_char(body)


def id_card(rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    body = f"410502{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + id_card_check_char(body)


@dataclass
class DemoCity:
    """Ids of what the demo built, by key (e.g. ``compounds["A1"]``), for plugins' demo data and tests."""

    tenants: dict[str, uuid.UUID] = field(default_factory=dict)
    regions: dict[str, uuid.UUID] = field(default_factory=dict)
    compounds: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    rooms: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    owners: dict[str, list[uuid.UUID]] = field(default_factory=dict)


@dataclass
class DemoSeed:
    """Handed to ``redprop_demo_data``: what exists, and where plugins put their rows."""

    city: DemoCity
    rows: list[Any] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(20261128))
    host: Any = None
    """The plugin host building the demo: steps that call services needing it (e.g. indicator values) read it here."""

    steps: list[Any] = field(default_factory=list)

    def add(self, *objects: Any) -> None:
        self.rows.extend(objects)

    def then(self, step: Any) -> None:
        """Run ``await step(session, city)`` after every plugin's rows are in: demo data that goes through services."""
        self.steps.append(step)

    def enable_module(self, name: str, compound_key: str) -> None:
        """Turn a gated module on for one demo compound (``"A1"``), as the compound's district would: a vendor's
        plugin enables itself in the demo without knowing the control plane's tables."""
        compound_id = self.city.compounds[compound_key]

        async def enable(session: AsyncSession, city: DemoCity) -> None:
            district = await session.scalar(select(Compound.district_tenant_id).where(Compound.id == compound_id))
            session.add(ModuleEnablement(compound_id=compound_id, module=name, enabled=True, by_tenant_id=district))

        self.then(enable)


async def demo_exists(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(Tenant.id).where(Tenant.kind == "platform").limit(1)))


async def build_demo_city(db: Database, host: PluginHost) -> DemoCity | None:
    """Create the demo city once; returns None when the database already has one."""
    async with db.transaction(Scope.everything("demo seed")) as session:
        if await demo_exists(session):
            return None
        # the role templates first, as the application's start-up would write them: jobs run on the demo read them
        await sync_templates(
            session, read_policy_files([(rec.name, pathlib.Path(path)) for rec, path in host.declared("redprop_policies")])
        )
        city = await _core_city(session)
        seed = DemoSeed(city, host=host)
        for name, result in host.call_each("redprop_demo_data", seed=seed):
            if isinstance(result, Exception):
                raise RuntimeError(f"plugin {name} failed to describe its demo data") from result
        await add_in_dependency_order(session, seed.rows)
        for step in seed.steps:
            await step(session, city)
            await session.flush()
        return city


async def add_in_dependency_order(session: AsyncSession, rows: list[Any]) -> None:
    """Insert rows table by table, parents first: without relationship() the unit of work would not order them."""
    order = {table.name: position for position, table in enumerate(Base.metadata.sorted_tables)}
    by_table: dict[str, list[Any]] = {}
    for row in rows:
        by_table.setdefault(row.__table__.name, []).append(row)
    for name in sorted(by_table, key=lambda n: order.get(n, len(order))):
        for row in by_table[name]:
            await _resolve_subqueries(session, row)
        session.add_all(by_table[name])
        await session.flush()


async def _resolve_subqueries(session: AsyncSession, row: Any) -> None:
    """A value a plugin described as a scalar subquery (a resident's name, a building's id) is read before its row is
    inserted: Citus refuses subqueries inside INSERT … VALUES (issue 17, point 5)."""
    for attribute in inspect(row).mapper.column_attrs:
        value = row.__dict__.get(attribute.key)
        if isinstance(value, ColumnElement):
            setattr(row, attribute.key, await session.scalar(select(value)))


async def _core_city(session: AsyncSession) -> DemoCity:
    rng = random.Random(20261128)
    city = DemoCity()

    def tenant(key: str, kind: str, name: str, code: str | None = None) -> Tenant:
        t = Tenant(id=uuid7(), kind=kind, name=name, credit_code=code)
        city.tenants[key] = t.id
        session.add(t)
        return t

    platform = tenant("platform", "platform", "红色物业平台运营中心")
    ent = {
        "A": tenant("A", "enterprise", "安阳红城物业服务有限公司", credit_code(101)),
        "B": tenant("B", "enterprise", "安阳安居物业管理有限公司", credit_code(202)),
        "C": tenant("C", "enterprise", "河南彰德物业服务有限公司", credit_code(303)),
    }
    districts = {
        "1": (tenant("D1", "district", "文峰区"), "东大街街道", ("东关社区", "西关社区"), "文峰区城管执法局"),
        "2": (tenant("D2", "district", "北关区"), "红旗路街道", ("红旗社区", "解放社区"), "北关区城管执法局"),
    }
    await session.flush()
    departments: dict[str, uuid.UUID] = {}
    for key, (dist, street_name, communities, dept_name) in districts.items():
        street = Region(id=uuid7(), tenant_id=dist.id, kind="street", name=street_name)
        session.add(street)
        await session.flush()
        city.regions[f"street-{key}"] = street.id
        for i, cname in enumerate(communities, start=1):
            community = Region(id=uuid7(), tenant_id=dist.id, parent_id=street.id, kind="community", name=cname)
            session.add(community)
            city.regions[f"community-{key}-{i}"] = community.id
        dept = Department(id=uuid7(), tenant_id=dist.id, name=dept_name, kind="law_enforcement")
        session.add(dept)
        departments[key] = dept.id
    await session.flush()

    plans = {
        "basic": Plan(id=uuid7(), code="basic", name="基础版", modules=["co_building", "quality"], price_fen_per_compound_month=80000),
        "standard": Plan(
            id=uuid7(),
            code="standard",
            name="标准版",
            modules=["co_building", "coordination", "party_building", "quality", "smart_property"],
            price_fen_per_compound_month=200000,
        ),
    }
    session.add_all(plans.values())

    layout = (
        ("A1", "红城·幸福家园", "A", "community-1-1", "standard"),
        ("A2", "红城·书香苑", "A", "community-1-2", "standard"),
        ("A3", "红城·和谐里", "A", "community-2-1", "basic"),
        ("B1", "安居·东关花园", "B", "community-1-1", "basic"),
        ("B2", "安居·解放小区", "B", "community-2-2", None),
        ("C1", "彰德·红旗新村", "C", "community-2-1", "standard"),
    )
    start = now()
    names = (s + g for s, g in itertools.product(SURNAMES, GIVEN))
    phones = (f"139{n:08d}" for n in itertools.count(10000001))
    for key, cname, ent_key, community_key, plan in layout:
        community_id = city.regions[community_key]
        district_key = "D1" if community_key.startswith("community-1") else "D2"
        compound = Compound(
            id=uuid7(),
            name=cname,
            address=f"安阳市{cname}",
            community_id=community_id,
            district_tenant_id=city.tenants[district_key],
            operator_tenant_id=ent[ent_key].id,
        )
        session.add(compound)
        await session.flush()
        city.compounds[key] = compound.id
        session.add(
            OperatorTerm(compound_id=compound.id, tenant_id=ent[ent_key].id, started_at=start - dt.timedelta(days=700), note="首任物业")
        )
        if plan:
            session.add(
                Subscription(
                    compound_id=compound.id,
                    tenant_id=ent[ent_key].id,
                    plan_id=plans[plan].id,
                    starts_on=(start - dt.timedelta(days=365)).date(),
                )
            )
        city.rooms[key], city.owners[key] = [], []
        for b in (1, 2):
            building = Building(id=uuid7(), compound_id=compound.id, name=f"{b}号楼", floors=6)
            session.add(building)
            await session.flush()
            for u in (1, 2):
                unit = Unit(id=uuid7(), compound_id=compound.id, building_id=building.id, name=f"{u}单元")
                session.add(unit)
                await session.flush()
                for floor in (1, 2, 3):
                    for door in (1, 2):
                        area = Decimal(rng.choice(("89.56", "96.30", "112.45", "128.80", "143.21")))
                        held = key == "A1" and b == 2 and u == 2 and floor == 3
                        room = Room(
                            id=uuid7(),
                            compound_id=compound.id,
                            unit_id=unit.id,
                            number=f"{floor}0{door}",
                            floor=floor,
                            exclusive_area=area,
                            building_area=(area * Decimal("1.25")).quantize(Decimal("0.01")),  # with its share of common parts
                            developer_held=held,
                            delivered_on=None if held else (start - dt.timedelta(days=3100)).date(),  # before anyone moved in
                        )
                        session.add(room)
                        await session.flush()  # rows without relationship() flush in add order only
                        city.rooms[key].append(room.id)
                        if held:
                            continue
                        household = Household(
                            id=uuid7(),
                            compound_id=compound.id,
                            room_id=room.id,
                            moved_in_on=(start - dt.timedelta(days=rng.randrange(30, 3000))).date(),
                        )
                        session.add(household)
                        await session.flush()
                        for role in ("owner",) + (("family",) if rng.random() < 0.5 else ()):
                            number = id_card(rng)
                            resident = Resident(
                                id=uuid7(),
                                compound_id=compound.id,
                                household_id=household.id,
                                name=next(names),
                                role=role,
                                phone=next(phones),
                                id_card_cipher=encrypt_pii(number),
                                id_card_index=blind_index(number),
                            )
                            session.add(resident)
                            if role == "owner":
                                city.owners[key].append(resident.id)
        await session.flush()

    # the districts enable party building for a compound whose operator did not subscribe to it
    session.add(ModuleEnablement(compound_id=city.compounds["B2"], module="party_building", enabled=True, by_tenant_id=city.tenants["D2"]))

    # owners' committee of A1
    committee = OwnersCommittee(
        id=uuid7(),
        compound_id=city.compounds["A1"],
        term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2029, 12, 31),
        elected_on=dt.date(2024, 12, 20),
        filing_number="文峰备〔2025〕3号",
    )
    session.add(committee)
    await session.flush()
    owner_rows = (
        await session.scalars(
            select(Resident).where(Resident.compound_id == city.compounds["A1"], Resident.role == "owner").order_by(Resident.name).limit(3)
        )
    ).all()
    for post, r in zip(("chair", "vice_chair", "member"), owner_rows, strict=True):
        session.add(
            CommitteeMember(
                compound_id=r.compound_id,
                committee_id=committee.id,
                resident_id=r.id,
                name=r.name,
                post=post,
                term_start=committee.term_start,
                term_end=committee.term_end,
            )
        )

    # accounts
    password = hash_password(DEMO_PASSWORD)
    for username, display, _ in ACCOUNTS:
        user = User(id=uuid7(), username=username, display_name=display, password_hash=password, phone=RESIDENT_PHONES.get(username))
        session.add(user)
        city.users[username] = user.id
    await session.flush()

    def member(username: str, tenant_key: str, title: str, department: uuid.UUID | None = None) -> None:
        session.add(
            Membership(
                user_id=city.users[username], tenant_id=city.tenants[tenant_key], title=title, department_id=department, is_default=True
            )
        )

    async def grant(username: str, role: str, domain: str) -> None:
        await add_rule(session, ("g", subject_of(city.users[username]), role, domain))

    member("platform", "platform", "平台运营")
    await grant("platform", "platform_admin", tenant_domain(platform.id))
    for username, key in (("ent-a-admin", "A"), ("ent-b-admin", "B")):
        member(username, key, "总经理")
        await grant(username, "enterprise_admin", tenant_domain(ent[key].id))
        await grant(username, "tenant_admin", tenant_domain(ent[key].id))
    member("ent-a-manager", "A", "项目经理")
    await grant("ent-a-manager", "enterprise_manager", compound_domain(city.compounds["A1"]))
    member("ent-a-staff", "A", "维修工")
    await grant("ent-a-staff", "enterprise_staff", compound_domain(city.compounds["A1"]))
    for username, key in (("district-1-admin", "D1"), ("district-2-admin", "D2")):
        member(username, key, "街道办主任")
        await grant(username, "district_admin", tenant_domain(city.tenants[key]))
        await grant(username, "tenant_admin", tenant_domain(city.tenants[key]))
    member("officer-1", "D1", "执法队员", departments["1"])
    await grant("officer-1", "district_officer", tenant_domain(city.tenants["D1"]))

    # resident-a1 owns a room in A1 and logs in by phone
    a1 = city.compounds["A1"]
    owner = await session.scalar(
        select(Resident).where(Resident.compound_id == a1, Resident.role == "owner").order_by(Resident.id).limit(1)
    )
    owner.user_id, owner.name, owner.phone = city.users["resident-a1"], "张建国", "13800000001"
    await grant("resident-a1", "resident", compound_domain(a1))
    # resident-a1b owns another room of A1 (in another household)
    other = await session.scalar(
        select(Resident)
        .where(Resident.compound_id == a1, Resident.role == "owner", Resident.household_id != owner.household_id)
        .order_by(Resident.id.desc())
        .limit(1)
    )
    other.user_id, other.name, other.phone = city.users["resident-a1b"], "李秀英", "13800000002"
    await grant("resident-a1b", "resident", compound_domain(a1))
    # two more owners of A1, each of another household, log in by phone too: with them a resident's proposal
    # can gather its three co-signatures in the demo (issue 15, point 5)
    taken = {owner.household_id, other.household_id}
    for username in ("resident-a1c", "resident-a1d"):
        row = await session.scalar(
            select(Resident)
            .where(Resident.compound_id == a1, Resident.role == "owner", Resident.household_id.not_in(taken), Resident.user_id.is_(None))
            .order_by(Resident.id)
            .offset(1)
            .limit(1)
        )
        taken.add(row.household_id)
        display = next(d for u, d, _ in ACCOUNTS if u == username)
        row.user_id, row.name, row.phone = city.users[username], display, RESIDENT_PHONES[username]
        await grant(username, "resident", compound_domain(a1))
    await session.flush()
    await _owner_without_id_card(session, city, start)
    return city


async def _owner_without_id_card(session: AsyncSession, city: DemoCity, start: dt.datetime) -> None:
    """A1's low-rise 3号楼: 赵桂兰 owns 101 and 201 and was registered without an ID card, once per room, with no account.

    Nothing says she is one person, so the vote roll shows 26 heads (25 owners' rooms, the developer's two rooms as one)
    until the owners' committee links 201 to 101 ("same owner as …"): then 25 (issue 14, point 1). Built after the
    demo accounts and committee are chosen, so they stay who they were.
    """
    a1 = city.compounds["A1"]
    building = Building(id=uuid7(), compound_id=a1, name="3号楼", floors=2)
    session.add(building)
    await session.flush()
    unit = Unit(id=uuid7(), compound_id=a1, building_id=building.id, name="1单元")
    session.add(unit)
    await session.flush()
    body = "41050219680405021"
    people = {
        "101": [("赵桂兰", "owner", "13900000088", None)],
        "102": [("钱德明", "owner", "13900000089", body + id_card_check_char(body))],
        "201": [("赵桂兰", "owner", "13900000088", None), ("孙立新", "tenant", "13900000090", None)],  # let to a tenant
    }
    for number, area in (("101", "76.40"), ("102", "76.40"), ("201", "98.15")):
        exclusive = Decimal(area)
        room = Room(
            id=uuid7(),
            compound_id=a1,
            unit_id=unit.id,
            number=number,
            floor=int(number[0]),
            exclusive_area=exclusive,
            building_area=(exclusive * Decimal("1.25")).quantize(Decimal("0.01")),
            delivered_on=(start - dt.timedelta(days=2000)).date(),
        )
        session.add(room)
        await session.flush()
        city.rooms["A1"].append(room.id)
        household = Household(id=uuid7(), compound_id=a1, room_id=room.id, moved_in_on=(start - dt.timedelta(days=1900)).date())
        session.add(household)
        await session.flush()
        for name, role, phone, number_ in people[number]:
            resident = Resident(
                id=uuid7(),
                compound_id=a1,
                household_id=household.id,
                name=name,
                role=role,
                phone=phone,
                id_card_cipher=encrypt_pii(number_) if number_ else None,
                id_card_index=blind_index(number_) if number_ else None,
            )
            session.add(resident)
            if role == "owner":
                city.owners["A1"].append(resident.id)
    await session.flush()


class ControlPlaneDemo:
    """What ``redprop_demo_city`` hands the kernel: the CLI's ``demo`` and the test suite build the city through it."""

    password = DEMO_PASSWORD
    accounts = ACCOUNTS

    @staticmethod
    async def build(db: Database, host: PluginHost) -> DemoCity | None:
        from core import access
        from tenants.access import ControlPlaneAccess

        # plugins' demo data asks the kernel (a compound's zone, say), which asks the control plane
        access.install(host.pm.hook.redprop_access_rules() or ControlPlaneAccess())
        return await build_demo_city(db, host)
