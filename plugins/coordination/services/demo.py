"""Demo data of coordination: two more departments and a routing table for district 1, cases in every state (one
escalated to the street, one whistled to two departments of which one missed its report-in), cases waiting for
``officer-1``, a grid of 东关社区 covering A1 with its worker ``grid-1``, and a community task for A1 and A2."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.store import add_rule
from core.clock import now
from core.identity.models import Membership, User
from core.identity.principal import subject_of, tenant_domain
from core.ids import uuid7
from core.security import hash_password
from plugins.coordination.models.cases import Case, Route, WhistleCall
from plugins.coordination.models.grids import Grid, GridBuilding
from plugins.coordination.models.publicity import Article, Nomination, ProjectCompound, Selection, SelectionVote, SocialForce, SocialProject
from plugins.coordination.models.tasks import CommunityTask, TaskAssignment
from plugins.coordination.services.cases import _log, apply_move, open_case
from tenants.demo import DEMO_PASSWORD
from tenants.models import Building, Department

LAW_ROUTES = ("illegal_building", "green_space_enclosure", "fire_lane_blocked", "noise", "dangerous_pets")

CASES = (
    # compound, category, title, moves after the report (the officer's moves are made by the department)
    ("A1", "green_space_enclosure", "2号楼东侧公共绿地被圈占种菜", ()),
    ("A1", "fire_lane_blocked", "1号楼单元门口堆放杂物堵塞消防通道", ("accept",)),
    ("A1", "illegal_building", "2号楼顶楼加建阳光房", ("accept", "dispatch")),
    ("A1", "noise", "东门外商铺夜间音响扰民", ("accept", "dispatch")),
    ("A1", "dangerous_pets", "业主饲养大型犬未拴绳", ("accept", "dispatch", "start")),
    ("A1", "illegal_building", "1号楼一层私自扩建院墙", ("accept", "dispatch", "start", "resolve")),
    ("A2", "fire_lane_blocked", "地下车库消防通道长期停放车辆", ("accept", "dispatch", "start", "resolve", "verify")),
    ("A2", "noise", "广场舞音响音量过大", ("accept", "dispatch", "start", "resolve", "verify", "close")),
    ("A2", "other", "小区围墙外有异味", ("return",)),
    ("A2", "group_renting", "3号楼302疑似群租", ("accept", "dispatch", "reject")),
)
NOTES = {
    "return": "请补充具体位置和照片",
    "reject": "群租不属城管执法职责，请转市场监管和公安",
    "resolve": "已责令当事人限期整改并复查",
    "verify": "社区现场核查，问题已解决",
}


def demo_rows(seed) -> None:
    seed.then(_demo_grid)
    seed.then(_demo_cases)
    seed.then(_demo_task)
    seed.then(_demo_publicity)


async def _demo_publicity(session: AsyncSession, city) -> None:
    """A campaign and a news item, a volunteer team with a project in A1, and a 文明家庭 selection in its vote
    (resident-a1b has voted, resident-a1 has not)."""
    d1, moment = city.tenants["D1"], now()
    session.add_all(
        [
            Article(
                tenant_id=d1,
                kind="campaign",
                theme="family_virtue",
                title="弘扬家庭美德，共建文明小区",
                body="开展“好家风”故事征集。",
                author_label="文峰区管理员",
                published_at=moment,
            ),
            Article(
                tenant_id=d1,
                kind="news",
                theme="social_virtue",
                title="东关社区开展冬季消防演练",
                body="红城·幸福家园居民百余人参加。",
                compound_id=city.compounds["A1"],
                author_label="文峰区管理员",
                published_at=moment,
            ),
        ]
    )
    force = SocialForce(
        id=uuid7(), tenant_id=d1, kind="volunteer_team", name="东关红马甲志愿服务队", contact_name="赵队长", contact_phone="13912345678"
    )
    session.add(force)
    await session.flush()
    project = SocialProject(id=uuid7(), tenant_id=d1, force_id=force.id, title="银龄关爱助餐", starts_on=moment.date())
    session.add(project)
    selection = Selection(id=uuid7(), tenant_id=d1, kind="civilised_family", title="2026年度文明家庭评选", state="voting")
    session.add(selection)
    await session.flush()
    session.add(ProjectCompound(compound_id=city.compounds["A1"], project_id=project.id))
    nominees = [
        Nomination(
            id=uuid7(), tenant_id=d1, selection_id=selection.id, compound_id=city.compounds[k], nominee=name, reason=why, status="approved"
        )
        for k, name, why in (("A1", "张建国家庭", "三代同堂，孝老爱亲"), ("A2", "刘芳家庭", "热心公益，邻里和睦"))
    ]
    session.add_all(nominees)
    await session.flush()
    session.add(SelectionVote(tenant_id=d1, selection_id=selection.id, nomination_id=nominees[1].id, user_id=city.users["resident-a1b"]))
    await session.flush()


async def _demo_grid(session: AsyncSession, city) -> None:
    """grid-1 works 东关社区第一网格, which covers A1's buildings."""
    d1 = city.tenants["D1"]
    worker = User(id=uuid7(), username="grid-1", display_name="东关社区网格员", password_hash=hash_password(DEMO_PASSWORD))
    session.add(worker)
    await session.flush()
    city.users["grid-1"] = worker.id
    session.add(Membership(user_id=worker.id, tenant_id=d1, title="网格员", is_default=True))
    await add_rule(session, ("g", subject_of(worker.id), "grid_worker", tenant_domain(d1)))
    grid = Grid(id=uuid7(), tenant_id=d1, community_id=city.regions["community-1-1"], name="东关社区第一网格", worker_user_id=worker.id)
    session.add(grid)
    await session.flush()
    a1 = city.compounds["A1"]
    buildings = (await session.scalars(select(Building.id).where(Building.compound_id == a1))).all()
    session.add_all([GridBuilding(compound_id=a1, grid_id=grid.id, building_id=b) for b in buildings])
    await session.flush()


async def _demo_task(session: AsyncSession, city) -> None:
    """A fire-safety inspection for A1 and A2: A2's operator has reported, A1's has not yet."""
    moment = now()
    task = CommunityTask(
        id=uuid7(),
        tenant_id=city.tenants["D1"],
        kind="safety_inspection",
        title="冬季消防安全大检查",
        description="检查消防通道、楼道堆物和电动车充电，拍照上报。",
        deadline=moment + dt.timedelta(days=7),
        created_by_user_id=city.users["district-1-admin"],
        created_by_label="文峰区管理员",
    )
    session.add(task)
    await session.flush()
    session.add(TaskAssignment(compound_id=city.compounds["A1"], task_id=task.id))
    session.add(
        TaskAssignment(
            compound_id=city.compounds["A2"],
            task_id=task.id,
            reported_at=moment,
            reported_by_user_id=city.users["ent-a-admin"],
            reported_by_label="红城物业管理员",
            report="已完成全部楼栋检查，清理楼道堆物12处。",
        )
    )
    await session.flush()


async def _demo_cases(session: AsyncSession, city) -> None:
    d1 = city.tenants["D1"]
    law = await session.scalar(select(Department).where(Department.tenant_id == d1, Department.kind == "law_enforcement").limit(1))
    market = Department(id=uuid7(), tenant_id=d1, name="文峰区市场监管局", kind="market")
    police = Department(id=uuid7(), tenant_id=d1, name="东关派出所", kind="police")
    session.add_all([market, police])
    await session.flush()  # rows without relationship() flush in add order only
    session.add_all([Route(tenant_id=d1, category=c, department_id=law.id) for c in LAW_ROUTES])
    session.add(Route(tenant_id=d1, category="group_renting", department_id=market.id))
    await session.flush()
    manager, admin, officer = (city.users[u] for u in ("ent-a-manager", "district-1-admin", "officer-1"))
    made: list[Case] = []
    in_grid = await session.scalar(select(Building.id).where(Building.compound_id == city.compounds["A1"]).order_by(Building.name).limit(1))
    for i, (key, category, title, moves) in enumerate(CASES):
        row = await open_case(
            session,
            city.compounds[key],
            category=category,
            priority="normal",
            title=title,
            description=f"{title}，居民多次反映。",
            location="building" if i == 0 else "compound",
            building_id=in_grid if i == 0 else None,
            reporter_user_id=manager,
            reporter_label="红城物业项目经理",
        )
        for action in moves:
            by_department = action in ("start", "resolve", "reject")
            await apply_move(
                session,
                row,
                action,
                NOTES.get(action, ""),
                user_id=officer if by_department else admin,
                actor="文峰区城管执法队员" if by_department else "文峰区管理员",
                department_id=law.id if action == "dispatch" or by_department else row.department_id,
                department=law.name if action == "dispatch" or by_department else "",
            )
        made.append(row)
    await session.flush()
    # one case past its limit for a day and a half: the community and then the street were told
    late = made[1]
    moment = now()
    late.response_due_at = moment - dt.timedelta(days=2)
    late.response_breached, late.escalation_level, late.escalated_at = True, 2, moment
    _log(session, late, "breach", label="系统", note="response")
    for level in ("community", "street"):
        _log(session, late, "escalate", label="系统", note=level)
    # a whistle on the illegal building: the law-enforcement team reported in, the market regulator missed it
    whistled = made[2]
    whistle_id: uuid.UUID = uuid7()
    called = moment - dt.timedelta(days=1)
    for dept, reported in ((law.id, True), (market.id, False)):
        session.add(
            WhistleCall(
                compound_id=whistled.compound_id,
                case_id=whistled.id,
                whistle_id=whistle_id,
                department_id=dept,
                called_by_user_id=admin,
                called_by_label="文峰区管理员",
                note="联合执法，拆除违建",
                called_at=called,
                due_at=called + dt.timedelta(hours=2),
                reported_at=called + dt.timedelta(hours=1) if reported else None,
                reported_by_user_id=officer if reported else None,
                report_note="中队已到场" if reported else "",
                missed=not reported,
            )
        )
    _log(session, whistled, "whistle", user_id=admin, label="文峰区管理员", note=f"{law.name}、{market.name}：联合执法，拆除违建")
    _log(session, whistled, "report_in", user_id=officer, label=f"{law.name} 文峰区城管执法队员", note="中队已到场", department_id=law.id)
    _log(session, whistled, "report_in_missed", label="系统", note=market.name, department_id=market.id)
    await session.flush()
