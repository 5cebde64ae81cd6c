"""两个覆盖: the coverage report on a hand-built district with known gaps, through the API on the demo city, and its exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from core.db import Scope
from core.ids import uuid7
from plugins.party_building import services
from plugins.party_building.models import OrganisationCoverage, PartyOrganisation
from tenants.models import Building, Compound, Region, Tenant

from .conftest import context_for, principal_for


async def _hand_built_city(db):
    """One street, two communities, three compounds, two enterprises; gaps: compound X2, enterprise E2, buildings X1-2, X2-1, X3-1."""
    ids = {}
    async with db.transaction(Scope.everything("test city")) as session:
        district = Tenant(id=uuid7(), kind="district", name="测试区")
        e1, e2 = Tenant(id=uuid7(), kind="enterprise", name="甲物业"), Tenant(id=uuid7(), kind="enterprise", name="乙物业")
        session.add_all([district, e1, e2])
        await session.flush()
        street = Region(id=uuid7(), tenant_id=district.id, kind="street", name="测试街道")
        session.add(street)
        await session.flush()
        c1 = Region(id=uuid7(), tenant_id=district.id, parent_id=street.id, kind="community", name="一社区")
        c2 = Region(id=uuid7(), tenant_id=district.id, parent_id=street.id, kind="community", name="二社区")
        session.add_all([c1, c2])
        await session.flush()
        buildings = {}
        for key, community, operator, names in (("X1", c1, e1, ("1栋", "2栋")), ("X2", c1, e2, ("1栋",)), ("X3", c2, e1, ("1栋",))):
            compound = Compound(
                id=uuid7(), name=f"小区{key}", community_id=community.id, district_tenant_id=district.id, operator_tenant_id=operator.id
            )
            session.add(compound)
            await session.flush()
            ids[key] = compound.id
            for name in names:
                building = Building(id=uuid7(), compound_id=compound.id, name=name)
                session.add(building)
                buildings[(key, name)] = building.id
        await session.flush()
        branch = PartyOrganisation(id=uuid7(), tenant_id=district.id, kind="compound_branch", name="X1支部")
        joint = PartyOrganisation(id=uuid7(), tenant_id=district.id, kind="joint_branch", name="X3联合支部")
        dissolved = PartyOrganisation(
            id=uuid7(), tenant_id=district.id, kind="compound_branch", name="X2旧支部", dissolved_on=dt.date(2024, 1, 1)
        )
        group = PartyOrganisation(id=uuid7(), tenant_id=district.id, kind="building_group", name="X1一栋小组", parent_id=branch.id)
        e1_branch = PartyOrganisation(
            id=uuid7(), tenant_id=e1.id, kind="enterprise_branch", name="甲物业党支部", enterprise_tenant_id=e1.id
        )
        session.add_all([branch, joint, dissolved, group, e1_branch])
        await session.flush()
        session.add_all(
            [
                OrganisationCoverage(compound_id=ids["X1"], organisation_id=branch.id),
                OrganisationCoverage(compound_id=ids["X3"], organisation_id=joint.id),
                OrganisationCoverage(compound_id=ids["X2"], organisation_id=dissolved.id),
                OrganisationCoverage(compound_id=ids["X1"], organisation_id=group.id, building_id=buildings[("X1", "1栋")]),
            ]
        )
    return district.id, e2.id, ids, c1.id, street.id


async def test_coverage_report_names_every_gap_per_community_street_and_district(db):
    district_id, e2, ids, c1, street = await _hand_built_city(db)
    principal = principal_for(district_id, "district", ids.values())
    async with db.session(principal.scope) as session:
        report = await services.coverage_report(context_for(principal, session))
    rows = {(r.level, r.name): r for r in report.rows}
    assert [(r.level, r.name) for r in report.rows] == [
        ("community", "一社区"),
        ("community", "二社区"),
        ("street", "测试街道"),
        ("district", "测试区"),
    ]

    one = rows[("community", "一社区")]
    assert (one.compounds, one.compounds_covered, one.enterprises, one.enterprises_covered, one.buildings, one.buildings_covered) == (
        2,
        1,
        2,
        1,
        3,
        1,
    )
    assert one.coverage == Decimal("50.00")
    assert {(g.kind, g.name) for g in one.gaps} == {
        ("compound", "小区X2"),
        ("enterprise", "乙物业"),
        ("building", "2栋"),
        ("building", "1栋"),
    }
    assert [g.id for g in one.gaps if g.kind == "enterprise"] == [e2]

    two = rows[("community", "二社区")]
    assert (two.compounds_covered, two.enterprises_covered, two.buildings_covered, two.coverage) == (1, 1, 0, Decimal("100.00"))
    assert [(g.kind, g.compound_name) for g in two.gaps] == [("building", "小区X3")]

    for key in (("street", "测试街道"), ("district", "测试区")):
        total = rows[key]
        assert (
            total.compounds,
            total.compounds_covered,
            total.enterprises,
            total.enterprises_covered,
            total.buildings,
            total.buildings_covered,
        ) == (3, 2, 2, 1, 4, 1)
        assert total.coverage == Decimal("60.00")  # (2 + 1) of (3 + 2): exact, never a float

    async with db.session(principal.scope) as session:
        narrowed = await services.coverage_report(context_for(principal, session), c1)
        assert [r.name for r in narrowed.rows] == ["一社区", "测试街道", "测试区"]
        assert narrowed.rows[-1].compounds == 2
        assert (await services.coverage_of(session, [ids["X3"]])).coverage == Decimal("100.00")


async def test_coverage_report_through_the_api_and_its_exports(client, as_user, city):
    h = await as_user("district-1-admin")
    r = await client.get("/api/v1/party_building/coverage", headers=h)
    assert r.status_code == 200, r.text
    rows = {row["name"]: row for row in r.json()["rows"]}
    # the demo's gap: 安居·东关花园 (B1) has no branch and enterprise B none either
    dongguan = rows["东关社区"]
    assert {(g["kind"], g["name"]) for g in dongguan["gaps"] if g["kind"] != "building"} == {
        ("compound", "安居·东关花园"),
        ("enterprise", "安阳安居物业管理有限公司"),
    }
    assert rows["西关社区"]["compounds_covered"] == rows["西关社区"]["compounds"] == 1
    assert rows["文峰区"]["coverage"] == "60.00"  # compounds A1, A2 of A1, A2, B1; enterprises A of A, B
    assert "红旗社区" not in rows  # another district's communities stay out

    csv_response = await client.get("/api/v1/party_building/coverage/export", params={"format": "csv"}, headers=h)
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert lines[0][0] == "层级" and ["区", "文峰区", "3", "2", "2", "1"] == lines[4][:6]
    assert any(line[:3] == ["东关社区", "无党支部的物业企业", "安阳安居物业管理有限公司"] for line in lines)

    xlsx = await client.get("/api/v1/party_building/coverage/export", headers=h)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["两个覆盖", "缺口清单"]
    assert [c.value for c in book["两个覆盖"][5]][:2] == ["区", "文峰区"]

    for user, status in (("party-secretary-1", 200), ("ent-a-admin", 403), ("officer-1", 403), ("resident-a1", 403)):
        assert (await client.get("/api/v1/party_building/coverage", headers=await as_user(user))).status_code == status, user


async def test_organisations_are_founded_by_their_owners_and_cover_only_reachable_compounds(client, as_user, city):
    h = await as_user("district-1-admin")
    r = await client.post("/api/v1/party_building/organisations", json={"kind": "compound_branch", "name": "东关花园小区党支部"}, headers=h)
    assert r.status_code == 201, r.text
    branch = r.json()["id"]
    bad = await client.post(
        f"/api/v1/party_building/organisations/{branch}/coverage", json={"compound_id": str(city.compounds["C1"])}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "compound_id"
    assert (
        await client.post(
            f"/api/v1/party_building/organisations/{branch}/coverage", json={"compound_id": str(city.compounds["B1"])}, headers=h
        )
    ).status_code == 201
    again = await client.post(
        f"/api/v1/party_building/organisations/{branch}/coverage", json={"compound_id": str(city.compounds["B1"])}, headers=h
    )
    assert again.status_code == 409
    report = (await client.get("/api/v1/party_building/coverage", headers=h)).json()
    assert next(r for r in report["rows"] if r["name"] == "东关社区")["compounds_covered"] == 2

    # an enterprise founds only its own branch; a district no enterprise branch
    e = await as_user("ent-b-admin")
    assert (await client.post("/api/v1/party_building/organisations", json={"kind": "compound_branch", "name": "x"}, headers=e)).json()[
        "errors"
    ][0]["field"] == "kind"
    own = await client.post("/api/v1/party_building/organisations", json={"kind": "enterprise_branch", "name": "安居物业党支部"}, headers=e)
    assert own.status_code == 201 and own.json()["enterprise_tenant_id"] == str(city.tenants["B"])
    # the enterprise cannot change the district's organisation, nor see district 2's
    assert (await client.patch(f"/api/v1/party_building/organisations/{branch}", json={"name": "改名"}, headers=e)).status_code == 403
    names = {o["name"] for o in (await client.get("/api/v1/party_building/organisations", headers=e)).json()["items"]}
    assert {"安居物业党支部", "东关花园小区党支部", "东关社区党委"} <= names and not names & {
        "红旗社区党委",
        "幸福家园小区党支部",
        "红城物业党支部",
    }
    report = (await client.get("/api/v1/party_building/coverage", headers=h)).json()
    assert next(r for r in report["rows"] if r["name"] == "文峰区")["coverage"] == "100.00"
