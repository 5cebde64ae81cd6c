"""party_building's rows in the demo city: organisations (with gaps to report), members, a joint meeting, disclosures.

The hook may not read the database, so values the core's city decides at random
(residents' names, building ids, households) are taken with scalar subqueries
that the INSERT evaluates — the rows still describe themselves without I/O.
Times are relative to the clock, so the overdue item is overdue whenever the demo is built.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from decimal import Decimal

from sqlalchemy import select

from core.authz.models import CasbinRule
from core.clock import now
from core.identity.models import Membership, User
from core.identity.principal import subject_of, tenant_domain
from core.ids import uuid7
from core.security import hash_password
from plugins.party_building import models as m
from tenants.demo import DEMO_PASSWORD, DemoSeed
from tenants.models import Building, CommitteeMember, Household, Resident

ACCOUNTS = (
    ("party-secretary-1", "东关社区党委书记", "D1", "party_secretary", "社区党委书记"),
    ("party-worker-a", "红城物业党支部书记", "A", "party_worker", "党支部书记"),
)
"""username, display name, tenant key, role, title."""


def _resident_name(resident_id):
    return select(Resident.name).where(Resident.id == resident_id).scalar_subquery()


def _building(compound_id: uuid.UUID, name: str):
    return select(Building.id).where(Building.compound_id == compound_id, Building.name == name).scalar_subquery()


def _committee_resident(compound_id: uuid.UUID, post: str):
    return (
        select(CommitteeMember.resident_id)
        .where(CommitteeMember.compound_id == compound_id, CommitteeMember.post == post)
        .limit(1)
        .scalar_subquery()
    )


def describe(seed: DemoSeed) -> None:
    city = seed.city
    today = now().date()
    password = hash_password(DEMO_PASSWORD)
    for username, display, tenant_key, role, title in ACCOUNTS:
        user = User(id=uuid7(), username=username, display_name=display, password_hash=password)
        city.users[username] = user.id
        seed.add(user, Membership(user_id=user.id, tenant_id=city.tenants[tenant_key], title=title, is_default=True))
        seed.add(CasbinRule(ptype="g", v0=subject_of(user.id), v1=role, v2=tenant_domain(city.tenants[tenant_key]), v3=""))

    d1, d2 = city.tenants["D1"], city.tenants["D2"]
    a1, a2, b1, b2, a3, c1 = (city.compounds[k] for k in ("A1", "A2", "B1", "B2", "A3", "C1"))
    founded = dt.date(2021, 7, 1)

    def org(tenant_id, kind, name, parent=None, community=None, enterprise=None, secretary=None) -> m.PartyOrganisation:
        row = m.PartyOrganisation(
            id=uuid7(),
            tenant_id=tenant_id,
            kind=kind,
            name=name,
            parent_id=parent.id if parent else None,
            community_id=community,
            enterprise_tenant_id=enterprise,
            founded_on=founded,
            secretary_name=secretary,
        )
        seed.add(row)
        return row

    def cover(organisation: m.PartyOrganisation, compound_id: uuid.UUID, building: str | None = None) -> None:
        seed.add(
            m.OrganisationCoverage(
                compound_id=compound_id, organisation_id=organisation.id, building_id=_building(compound_id, building) if building else None
            )
        )

    # district 1: B1 has no branch and enterprise B none either — the coverage report's gaps
    dongguan = org(d1, "community_committee", "东关社区党委", community=city.regions["community-1-1"], secretary="东关社区党委书记")
    xiguan = org(d1, "community_committee", "西关社区党委", community=city.regions["community-1-2"])
    a1_branch = org(d1, "compound_branch", "幸福家园小区党支部", parent=dongguan, community=city.regions["community-1-1"])
    a2_branch = org(d1, "compound_branch", "书香苑小区党支部", parent=xiguan, community=city.regions["community-1-2"])
    group_1 = org(d1, "building_group", "幸福家园1号楼党小组", parent=a1_branch)
    group_2 = org(d1, "building_group", "幸福家园2号楼党小组", parent=a1_branch)
    org(city.tenants["A"], "enterprise_branch", "红城物业党支部", enterprise=city.tenants["A"], secretary="红城物业党支部书记")
    org(city.tenants["C"], "enterprise_branch", "彰德物业党支部", enterprise=city.tenants["C"])
    # district 2
    hongqi = org(d2, "community_committee", "红旗社区党委", community=city.regions["community-2-1"])
    jiefang = org(d2, "community_committee", "解放社区党委", community=city.regions["community-2-2"])
    joint = org(d2, "joint_branch", "红旗片区联合党支部", parent=hongqi, community=city.regions["community-2-1"])
    b2_branch = org(d2, "compound_branch", "解放小区党支部", parent=jiefang, community=city.regions["community-2-2"])
    for organisation, compound_id in (
        (dongguan, a1),
        (dongguan, b1),
        (xiguan, a2),
        (a1_branch, a1),
        (a2_branch, a2),
        (hongqi, a3),
        (hongqi, c1),
        (jiefang, b2),
        (joint, a3),
        (joint, c1),
        (b2_branch, b2),
    ):
        cover(organisation, compound_id)
    cover(group_1, a1, "1号楼")
    cover(group_2, a1, "2号楼")

    # members of A1: the committee's chair is a party member and the branch's secretary (交叉任职)
    def member(
        name,
        *,
        resident=None,
        user=None,
        status="full",
        serving=False,
        registered=None,
        show=False,
        workplace=None,
        post=None,
        joined=dt.date(2005, 7, 1),
    ) -> m.PartyMember:
        row = m.PartyMember(
            id=uuid7(),
            compound_id=a1,
            name=name,
            resident_id=resident,
            user_id=user,
            status=status,
            serving=serving,
            registered_on=registered,
            show_identity=show,
            workplace=workplace,
            joined_on=joined,
            property_post=post,
            phone=f"1370000{seed.rng.randrange(1000, 9999)}",
        )
        seed.add(row)
        return row

    def place(member_row: m.PartyMember, organisation: m.PartyOrganisation, post: str = "member") -> None:
        seed.add(
            m.PartyMembership(
                compound_id=a1,
                member_id=member_row.id,
                organisation_id=organisation.id,
                level=m.LEVEL_OF_KIND[organisation.kind],
                post=post,
            )
        )

    chair = _committee_resident(a1, "chair")
    secretary = member(_resident_name(chair), resident=chair, show=True, joined=dt.date(1998, 7, 1))
    place(secretary, a1_branch, "secretary")
    place(secretary, group_1, "group_leader")
    a1_branch.secretary_name = _resident_name(chair)
    vice = member(_resident_name(_committee_resident(a1, "vice_chair")), resident=_committee_resident(a1, "vice_chair"), show=True)
    place(vice, a1_branch, "committee_member")
    place(vice, group_2, "group_leader")
    owner = member(
        "张建国",
        user=city.users["resident-a1"],
        show=True,
        serving=True,
        registered=today - dt.timedelta(days=200),
        workplace="安阳市文峰区实验小学",
    )
    place(owner, a1_branch)
    place(owner, group_1)
    for name, status, serving, show in (
        ("李红梅", "full", True, True),
        ("王志强", "full", False, False),
        ("赵晓燕", "probationary", False, False),
        ("刘卫东", "full", True, False),
    ):
        row = member(
            name,
            status=status,
            serving=serving,
            registered=today - dt.timedelta(days=90) if serving else None,
            show=show,
            workplace="文峰区人民医院" if serving else None,
        )
        place(row, a1_branch)
    staff = member("红城物业党支部书记", user=city.users["party-worker-a"], post="项目党建指导员")
    place(staff, dongguan)

    # a central household (党员中心户) looking after building 1's first unit
    central = m.CentralHousehold(
        id=uuid7(), compound_id=a1, member_id=vice.id, building_id=_building(a1, "1号楼"), since=today - dt.timedelta(days=365)
    )
    seed.add(central)
    for room_id in city.rooms["A1"][:6]:  # 1号楼 1单元: every room there has its household
        seed.add(
            m.CentralHouseholdLink(
                compound_id=a1,
                central_id=central.id,
                household_id=select(Household.id)
                .where(Household.compound_id == a1, Household.room_id == room_id)
                .limit(1)
                .scalar_subquery(),
            )
        )

    # last month's joint meeting, minutes and resolutions: one item closed on time, one overdue, one still running
    held = now() - dt.timedelta(days=20)
    meeting = m.Meeting(
        id=uuid7(),
        compound_id=a1,
        kind="joint",
        title="红色物业联席会议（停车秩序与楼道安全）",
        organisation_id=dongguan.id,
        scheduled_at=held,
        location="东关社区党群服务中心",
        agenda="1. 小区停车秩序整治\n2. 楼道堆物与消防通道\n3. 公共收益公示",
        status="held",
        held_at=held,
        minutes_recorded_at=held + dt.timedelta(hours=3),
        minutes="社区党委、业委会、红城物业及城管执法队参会。议定：物业两周内施划停车位；业委会牵头清理楼道堆物；物业按季度公示公共收益。",
        sign_in_code=secrets.token_urlsafe(18),
        created_by=city.users["party-secretary-1"],
    )
    seed.add(meeting)
    for side, name, user in (
        ("party", "东关社区党委书记", city.users["party-secretary-1"]),
        ("property", "红城物业项目经理", city.users["ent-a-manager"]),
        ("department", "文峰区城管执法局", city.users["officer-1"]),
        ("committee", "业主委员会", None),
    ):
        seed.add(
            m.MeetingAttendee(
                compound_id=a1,
                meeting_id=meeting.id,
                side=side,
                name=name,
                user_id=user,
                invited=True,
                signed_in_at=held if user else None,
                sign_in_method="staff" if user else None,
            )
        )
    items = (
        ("施划小区停车位并公示停车管理办法", "property_company", "安阳红城物业服务有限公司", city.tenants["A"], -5, "open", None),
        ("清理各楼道堆放杂物", "owners_committee", "业主委员会", None, 10, "open", None),
        (
            "公示第三季度公共收益",
            "property_company",
            "安阳红城物业服务有限公司",
            city.tenants["A"],
            -10,
            "closed",
            held + dt.timedelta(days=8),
        ),
    )
    for seq, (title, kind, owner_name, owner_tenant, due, status, closed_at) in enumerate(items, start=1):
        resolution = m.Resolution(id=uuid7(), compound_id=a1, meeting_id=meeting.id, seq=seq, text=f"决议{seq}：{title}")
        seed.add(resolution)
        seed.add(
            m.ActionItem(
                compound_id=a1,
                meeting_id=meeting.id,
                resolution_id=resolution.id,
                title=title,
                owner_kind=kind,
                owner_name=owner_name,
                owner_tenant_id=owner_tenant,
                due_on=today + dt.timedelta(days=due),
                status=status,
                closed_at=closed_at,
                closed_on_time=True if closed_at else None,
                evidence="已在小区公告栏及业主群公示，附公示照片。" if closed_at else None,
            )
        )

    # study: a party lesson with its attendance
    lesson = m.StudySession(
        id=uuid7(),
        compound_id=a1,
        organisation_id=a1_branch.id,
        title="学习《物业管理条例》与红色物业建设规范",
        topic="党建引领物业服务",
        held_on=today - dt.timedelta(days=30),
        hours=Decimal("2.0"),
    )
    seed.add(lesson)
    for row in (secretary, vice, owner):
        seed.add(m.StudyAttendance(compound_id=a1, session_id=lesson.id, member_id=row.id, hours=Decimal("2.0")))

    # disclosures: two current, one expired (not shown to residents), one draft
    for category, title, body, start, until, status in (
        (
            "fee_standard",
            "2026年物业服务收费标准",
            "多层住宅物业服务费 0.85 元/㎡·月；电梯运行费另计。收费依据：安阳市物业服务收费管理办法。",
            -60,
            None,
            "published",
        ),
        (
            "income_expense",
            "公共收益收支情况（第三季度）",
            "广告位收入 12,000.00 元，停车场收入 36,500.00 元；支出：公共设施维修 8,200.00 元。",
            -45,
            30,
            "published",
        ),
        (
            "maintenance_fund",
            "维修资金使用公示（2号楼屋面防水）",
            "使用专项维修资金 46,800.00 元，经业主大会表决通过。",
            -120,
            -10,
            "published",
        ),
        ("contract", "电梯维保合同（草稿）", "待业委会审议。", 5, None, "draft"),
    ):
        row = m.Disclosure(
            id=uuid7(),
            compound_id=a1,
            category=category,
            title=title,
            body=body,
            publish_from=today + dt.timedelta(days=start),
            publish_until=today + dt.timedelta(days=until) if until is not None else None,
            status=status,
            version=1,
            published_at=now() if status == "published" else None,
        )
        seed.add(row)
        seed.add(
            m.DisclosureVersion(
                compound_id=a1,
                disclosure_id=row.id,
                version=1,
                category=category,
                title=title,
                body=body,
                publish_from=row.publish_from,
                publish_until=row.publish_until,
                status=status,
            )
        )

    # pre-review (前置把关): the community party committee approved the matters A1's demo votes opened on; the next
    # committee's candidates still wait. Queued from a step, so it runs after every plugin's steps (co_building asks
    # for the reviews in its own).
    async def queue(session, city) -> None:
        seed.then(_demo_pre_reviews)

    seed.then(queue)


async def _demo_pre_reviews(session, city) -> None:
    a1 = city.compounds["A1"]
    rows = (
        await session.scalars(
            select(m.PreReview).where(
                m.PreReview.compound_id == a1,
                m.PreReview.state == "requested",
                m.PreReview.matter.in_(("hire_property_company", "use_maintenance_fund")),
            )
        )
    ).all()
    moment = now()
    for row in rows:
        row.requested_at = moment - dt.timedelta(days=20)
        row.state = "approve"
        row.opinion_text = "经社区党委会议研究，同意提交业主大会表决。"
        row.reviewer_user_id = city.users["party-secretary-1"]
        row.reviewer_name = "东关社区党委书记"
        row.reviewed_on = (moment - dt.timedelta(days=18)).date()
        row.recorded_at = moment - dt.timedelta(days=18)
