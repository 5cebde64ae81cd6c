"""Excel import and export of housing and residents: all rows or none, errors by row and column, exports masked by right."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import uuid
import zipfile
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from core.audit.models import AuditEntry
from core.db import Database, Scope, ScopeViolation
from core.events.models import OutboxEvent
from core.problems import Problem
from core.settings import get_settings
from core.validators import id_card_check_char
from core.xlsx import XLSX_MEDIA_TYPE
from tenants import imports
from tenants.imports import COLUMNS, RowError, read_sheet
from tenants.models import Building, Household, Resident, Room, Unit

ALL_HEADERS = [c.header for c in COLUMNS]
"""The template's and the export's layout."""
HEADERS = [h for h in ALL_HEADERS if h not in ("建筑面积(㎡)", "交付日期")]
"""A ledger laid out before issue 14 (no building area, no delivery date): it imports as it always did."""
NAME, ROLE, PHONE, ID_CARD = (ALL_HEADERS.index(h) for h in ("姓名", "身份", "手机号", "身份证号"))
XLSX = XLSX_MEDIA_TYPE


def id_card(body17: str) -> str:
    return body17 + id_card_check_char(body17)


OWNER_ID, TENANT_ID, FAMILY_ID = id_card("41050219800101123"), id_card("41050219900505456"), id_card("41050220100707789")
GOOD = [
    ["9号楼", "1单元", "101", 1, 89.56, "否", "王五", "业主", "13912345678", OWNER_ID, dt.datetime(2020, 5, 1)],
    ["9号楼", "1单元", "101", None, None, None, "王小五", "家庭成员", None, FAMILY_ID, None],
    ["9号楼", "2单元", "201", 2, "96.30", "否", "赵六", "租户", 13912345679, TENANT_ID, "2021/03/15"],
    ["9号楼", "2单元", "202", 2, 112.45, "是", None, None, None, None, None],
]
# 身份 (role) is missing; room 101 appears with two areas; an area is not a number; an ID card fails its check digit
BAD_HEADERS = [h for h in HEADERS if h != "身份"]
BAD = [
    ["9号楼", "1单元", "101", 1, 89.56, "否", "王五", "13912345678", OWNER_ID, None],
    ["9号楼", "1单元", "101", 1, 90, "否", "王小五", None, None, None],
    ["9号楼", "1单元", "102", 1, "八十", "否", "钱七", None, None, None],
    ["9号楼", "1单元", "103", 1, 88, "否", "孙八", None, "110105194912310021", None],
]
BAD_CELLS = {(1, "身份"), (3, "专有面积(㎡)"), (4, "专有面积(㎡)"), (5, "身份证号")}


def ledger(rows: list[list], headers: list[str] = HEADERS, above: list[list] = ()) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    for line in (*above, headers, *rows):
        ws.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_rows(content: bytes, sheet: str | None = None) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return list((workbook[sheet] if sheet else workbook.worksheets[0]).iter_rows(values_only=True))


async def counts(db: Database, compound_id: uuid.UUID) -> dict[str, int]:
    async with db.session(Scope.of([compound_id])) as session:
        return {
            m.__tablename__: await session.scalar(select(func.count()).select_from(m).where(m.compound_id == compound_id))
            for m in (Building, Unit, Room, Household, Resident)
        }


async def room_at(db: Database, compound_id: uuid.UUID, building: str, unit: str, number: str) -> Room:
    async with db.session(Scope.of([compound_id])) as session:
        return await session.scalar(
            select(Room)
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
            .where(Room.compound_id == compound_id, Building.name == building, Unit.name == unit, Room.number == number)
        )


async def run_import(db: Database, compound_id: uuid.UUID, content: bytes) -> imports.ImportResult:
    async with db.transaction(Scope.of([compound_id])) as session:
        return await imports.import_housing(session, compound_id, content)


# --------------------------------------------------------------------------- reading and checking (no database)


def test_template_names_every_column_and_explains_them():
    content = imports.template_workbook()
    assert sheet_rows(content, imports.SHEET_TITLE) == [tuple(ALL_HEADERS)]
    guide = sheet_rows(content, "填写说明")
    assert [r[0] for r in guide[1 : len(COLUMNS) + 1]] == ALL_HEADERS
    assert read_sheet(content).errors == [RowError(2, "", "the sheet has no data rows")]


def test_rows_parse_with_english_aliases_below_a_title_row():
    english = [c.key for c in COLUMNS if c.header in HEADERS]
    sheet = read_sheet(ledger(GOOD, english, above=[["红城·幸福家园 房屋住户台账"], []]))
    assert sheet.errors == [] and sheet.header_row == 3
    first, _, third, fourth = sheet.rows
    assert (first.row, first.building, first.room, first.exclusive_area, first.role, first.moved_in_on) == (
        4,
        "9号楼",
        "101",
        Decimal("89.56"),
        "owner",
        dt.date(2020, 5, 1),
    )
    assert (third.exclusive_area, third.role, third.phone, third.moved_in_on) == (
        Decimal("96.30"),
        "tenant",
        "13912345679",
        dt.date(2021, 3, 15),
    )
    assert fourth.developer_held is True and not fourth.has_person


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("专有面积(㎡)", "八十", "must be a number"),
        ("专有面积(㎡)", -5, "positive area"),
        ("专有面积(㎡)", 89.567, "two decimal places"),
        ("楼层", "三楼", "floor number"),
        ("开发商持有", "也许", "是 or 否"),
        ("身份", "房东", "业主, 租户 or 家庭成员"),
        ("手机号", "1391234567", "11-digit"),
        ("身份证号", "110105194912310021", "check digit"),
        ("身份证号", 4.10502198001011e17, "15 digits"),
        ("身份证号", "4105**********1234", "masked"),
        ("入住日期", "去年", "date"),
    ],
)
def test_each_bad_cell_is_named_by_row_and_column(column, value, message):
    row = list(GOOD[0])
    row[HEADERS.index(column)] = value
    errors = read_sheet(ledger([GOOD[1], row])).errors
    assert [(e.row, e.column) for e in errors] == [(3, column)]
    assert message in errors[0].message


def test_rows_agree_on_their_room_and_name_each_resident_once():
    twin = list(GOOD[0])
    twin[HEADERS.index("姓名")] = "王五一"  # another name, same ID card: the same person twice
    plan = imports.plan_import(read_sheet(ledger([*GOOD, twin])), imports.Registered(), uuid.uuid4())
    assert [(e.row, e.column) for e in plan.errors] == [(6, "身份证号")] and "row 2" in plan.errors[0].message
    moved = list(GOOD[1])
    moved[HEADERS.index("入住日期")] = "2019-01-01"
    plan = imports.plan_import(read_sheet(ledger([GOOD[0], moved])), imports.Registered(), uuid.uuid4())
    assert [(e.row, e.column) for e in plan.errors] == [(3, "入住日期")]


def test_a_new_room_needs_its_area_on_one_of_its_rows():
    row = list(GOOD[3])
    row[HEADERS.index("专有面积(㎡)")] = None
    plan = imports.plan_import(read_sheet(ledger([row])), imports.Registered(), uuid.uuid4())
    assert [(e.row, e.column) for e in plan.errors] == [(2, "专有面积(㎡)")] and "not registered" in plan.errors[0].message


def test_the_bad_file_reports_every_error_by_row_and_column():
    sheet = read_sheet(ledger(BAD, BAD_HEADERS))
    plan = imports.plan_import(sheet, imports.Registered(), uuid.uuid4())
    assert {(e.row, e.column) for e in plan.errors} == BAD_CELLS
    assert plan.residents == [] and plan.rooms == []


def test_files_that_are_not_xlsx_are_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    for content in (b"building,unit,room\n1,1,101\n", archive.getvalue()):
        with pytest.raises(Problem) as caught:
            read_sheet(content)
        assert caught.value.status == 415 and caught.value.slug == "not-xlsx"
    with pytest.raises(Problem) as caught:
        imports.check_upload_size(imports.MAX_UPLOAD_BYTES + 1)
    assert caught.value.status == 413


def test_the_error_report_lists_row_column_and_problem():
    errors = [RowError(3, "专有面积(㎡)", "must be a number of m²"), RowError(5, "身份证号", "check digit does not match (GB 11643)")]
    assert sheet_rows(imports.error_report_workbook(errors)) == [
        ("行", "列", "问题"),
        (3, "专有面积(㎡)", "must be a number of m²"),
        (5, "身份证号", "check digit does not match (GB 11643)"),
    ]


# --------------------------------------------------------------------------- importing (services, database)


async def test_a_good_file_imports_every_row(db, city):
    a1 = city.compounds["A1"]
    before = await counts(db, a1)
    result = await run_import(db, a1, ledger(GOOD))
    assert result.errors == []
    assert (result.rows, result.buildings, result.units, result.rooms, result.households, result.residents) == (4, 1, 2, 3, 2, 3)
    after = await counts(db, a1)
    assert {k: after[k] - before[k] for k in after} == {"buildings": 1, "units": 2, "rooms": 3, "households": 2, "residents": 3}
    room = await room_at(db, a1, "9号楼", "2单元", "202")
    async with db.session(Scope.of([a1])) as session:
        owner = await session.scalar(select(Resident).where(Resident.compound_id == a1, Resident.name == "王五"))
    assert room.exclusive_area == Decimal("112.45") and room.developer_held
    assert owner.role == "owner" and owner.phone == "13912345678" and OWNER_ID.encode() not in owner.id_card_cipher
    async with db.session(Scope.of([a1])) as session:
        event = await session.scalar(select(OutboxEvent).where(OutboxEvent.type == "tenants.housing.imported"))
    assert event.compound_id == a1 and event.payload["residents"] == 3 and len(event.payload["sha256"]) == 64


async def test_a_bad_file_imports_nothing(db, city):
    a1 = city.compounds["A1"]
    before = await counts(db, a1)
    result = await run_import(db, a1, ledger(BAD, BAD_HEADERS))
    assert {(e.row, e.column) for e in result.errors} == BAD_CELLS
    assert result.residents == result.rooms == 0
    assert await counts(db, a1) == before


async def test_registered_rooms_are_reused_and_never_changed(db, city):
    a1 = city.compounds["A1"]
    room = await room_at(db, a1, "1号楼", "1单元", "101")
    newcomer = ["1号楼", "1单元", "101", None, None, None, "周九", "租户", "13912340000", None, None]
    before = await counts(db, a1)
    result = await run_import(db, a1, ledger([newcomer]))
    assert result.errors == [] and (result.buildings, result.rooms, result.households, result.residents) == (0, 0, 0, 1)
    after = await counts(db, a1)
    assert after["residents"] == before["residents"] + 1 and after["households"] == before["households"]

    async with db.session(Scope.of([a1])) as session:
        owner = await session.scalar(
            select(Resident)
            .join(Household, (Household.compound_id == Resident.compound_id) & (Household.id == Resident.household_id))
            .where(Household.room_id == room.id, Resident.role == "owner")
        )
    known_by_name = ["1号楼", "1单元", "101", None, None, None, owner.name, "业主", None, None, None]  # no ID card in the sheet
    again = await run_import(db, a1, ledger([newcomer, known_by_name]))
    assert again.errors == [] and again.residents == 0 and again.existing_residents == 2
    changed = list(newcomer)
    changed[HEADERS.index("专有面积(㎡)")] = room.exclusive_area + 1
    changed[HEADERS.index("手机号")] = "13912340001"
    refused = await run_import(db, a1, ledger([changed]))
    assert [(e.row, e.column) for e in refused.errors] == [(2, "专有面积(㎡)"), (2, "手机号")]
    assert f"area {room.exclusive_area} m²" in refused.errors[0].message
    assert await counts(db, a1) == after


async def test_an_import_writes_only_inside_its_scope(db, city):
    a1, b1 = city.compounds["A1"], city.compounds["B1"]
    async with db.session(Scope.of([b1])) as session:
        with pytest.raises(ScopeViolation):
            await imports.import_housing(session, a1, ledger(GOOD))


async def test_an_export_imports_again_as_it_is(db, city):
    a1 = city.compounds["A1"]
    async with db.session(Scope.of([a1])) as session:
        full = await imports.export_workbook(session, a1, show_pii=True)
        masked = await imports.export_workbook(session, a1, show_pii=False)
    before = await counts(db, a1)
    rows = sheet_rows(full)
    assert rows[0] == tuple(ALL_HEADERS) and len([r for r in rows[1:] if r[NAME]]) == before["residents"]
    assert rows[1][:3] == ("1号楼", "1单元", "101") and rows[1][ROLE] == "业主"
    result = await run_import(db, a1, full)
    assert result.errors == [] and result.existing_residents == before["residents"] and result.residents == result.rooms == 0
    assert await counts(db, a1) == before

    masked_rows = [r for r in sheet_rows(masked)[1:] if r[NAME]]
    assert all("*" in r[PHONE] and (r[ID_CARD] is None or r[ID_CARD][4:14] == "*" * 10) for r in masked_rows)
    refused = await run_import(db, a1, masked)
    assert {e.column for e in refused.errors} == {"手机号", "身份证号"}


async def test_error_reports_are_kept_for_the_uploading_tenant(db, city):
    a1 = city.compounds["A1"]
    errors = [RowError(3, "专有面积(㎡)", "must be a number of m²")]
    async with db.transaction(Scope.of([a1])) as session:
        report = await imports.store_error_report(session, a1, errors, tenant_id=city.tenants["A"], user_id=city.users["ent-a-admin"])
    async with db.session(Scope.of([a1])) as session:
        found = await imports.error_report(session, a1, report.id, city.tenants["A"])
        assert sheet_rows(found.content)[1] == (3, "专有面积(㎡)", "must be a number of m²")
        for tenant in (city.tenants["D1"], None):
            with pytest.raises(Problem) as caught:
                await imports.error_report(session, a1, report.id, tenant)
            assert caught.value.status == 404


# --------------------------------------------------------------------------- HTTP


def _upload(content: bytes, name: str = "台账.xlsx", media_type: str = XLSX) -> dict:
    return {"file": (name, content, media_type)}


async def _total(client, headers, compound, what: str) -> int:
    r = await client.get(f"/api/v1/compounds/{compound}/{what}", headers=headers, params={"limit": 1})
    assert r.status_code == 200, r.text
    return r.json()["total"]


async def test_the_template_downloads(client, as_user, city):
    r = await client.get(f"/api/v1/compounds/{city.compounds['A1']}/housing/template.xlsx", headers=await as_user("district-1-admin"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(XLSX) and 'filename="housing-template.xlsx"' in r.headers["content-disposition"]
    assert sheet_rows(r.content)[0] == tuple(ALL_HEADERS)


async def _import_audit(db: Database, compound_id: uuid.UUID) -> AuditEntry:
    """The audit entry of the (one) import into the compound: bulk inserts are audited as one entry."""
    async with db.session(Scope.everything("test check")) as session:
        return await session.scalar(
            select(AuditEntry).where(AuditEntry.compound_id == compound_id, AuditEntry.target_type == "housing_import")
        )


async def test_a_good_upload_is_visible_through_the_api(client, as_user, city, db):
    a1, h = city.compounds["A1"], await as_user("ent-a-admin")
    residents = await _total(client, h, a1, "residents")
    r = await client.post(f"/api/v1/compounds/{a1}/housing/import", files=_upload(ledger(GOOD)), headers=h)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "rows": 4,
        "buildings": 1,
        "units": 2,
        "rooms": 3,
        "households": 2,
        "residents": 3,
        "existing_residents": 0,
        "rooms_updated": 0,
    }
    assert await _total(client, h, a1, "residents") == residents + 3
    buildings = (await client.get(f"/api/v1/compounds/{a1}/buildings", headers=h)).json()["items"]
    assert "9号楼" in [b["name"] for b in buildings]
    listed = (await client.get(f"/api/v1/compounds/{a1}/residents", headers=h, params={"limit": 500})).json()["items"]
    assert {"王五": OWNER_ID, "赵六": TENANT_ID}.items() <= {i["name"]: i["id_card"] for i in listed}.items()
    entry = await _import_audit(db, a1)
    assert entry.actor == "ent-a-admin" and entry.tenant_id == city.tenants["A"] and entry.after["residents"] == 3


async def test_a_bad_upload_imports_nothing_and_reports_each_error(client, as_user, city):
    a1, h = city.compounds["A1"], await as_user("ent-a-admin")
    before = {what: await _total(client, h, a1, what) for what in ("buildings", "rooms", "households", "residents")}
    r = await client.post(f"/api/v1/compounds/{a1}/housing/import", files=_upload(ledger(BAD, BAD_HEADERS)), headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/import-invalid") and body["error_count"] == len(BAD_CELLS)
    assert {(e["row"], e["column"]) for e in body["errors"]} == BAD_CELLS and all(e["message"] for e in body["errors"])
    assert {what: await _total(client, h, a1, what) for what in before} == before

    report = await client.get(body["report_url"], headers=h)
    assert report.status_code == 200 and report.headers["content-type"].startswith(XLSX)
    rows = sheet_rows(report.content)
    assert rows[0] == ("行", "列", "问题")
    assert [(e["row"], e["column"], e["message"]) for e in body["errors"]] == rows[1:]
    assert all(e["message_zh"] for e in body["errors"])  # and each said in Chinese for the UI
    assert (await client.get(body["report_url"], headers=await as_user("ent-b-admin"))).status_code == 404
    assert (await client.get(body["report_url"], headers=await as_user("district-1-admin"))).status_code == 403


async def test_exports_mask_personal_data_without_the_right(client, as_user, city):
    url = f"/api/v1/compounds/{city.compounds['A1']}/housing/export.xlsx"
    for user, masked in (("district-1-admin", True), ("ent-a-admin", False)):
        r = await client.get(url, headers=await as_user(user))
        assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
        assert r.headers["cache-control"] == "no-store" and "attachment" in r.headers["content-disposition"]
        people = [row for row in sheet_rows(r.content)[1:] if row[NAME]]
        cards = [row[ID_CARD] for row in people if row[ID_CARD] is not None]  # the demo registers some people without one
        assert cards and all(("*" in card) is masked for card in cards) and all(("*" in row[PHONE]) is masked for row in people)
    assert (await client.get(url, headers=await as_user("officer-1"))).status_code == 403


async def test_uploads_that_are_not_xlsx_or_too_large_are_refused(client, as_user, city):
    url, h = f"/api/v1/compounds/{city.compounds['A1']}/housing/import", await as_user("ent-a-admin")
    for content, name in ((b"building,unit,room\n", "ledger.csv"), (b"PK\x03\x04" + b"\0" * 100, "ledger.xlsx")):
        r = await client.post(url, files=_upload(content, name, "text/csv"), headers=h)
        assert r.status_code == 415 and r.json()["type"].endswith("/not-xlsx"), r.text
    r = await client.post(url, files=_upload(b"PK\x03\x04" + b"\0" * imports.MAX_UPLOAD_BYTES), headers=h)
    assert r.status_code == 413 and r.json()["type"].endswith("/too-large")
    r = await client.post(url, data={"other": "x"}, files={"other": ("x.txt", b"x", "text/plain")}, headers=h)
    assert r.status_code == 400


async def test_importing_needs_housing_and_resident_write(client, as_user, city):
    r = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/housing/import", files=_upload(ledger(GOOD)), headers=await as_user("district-1-admin")
    )
    assert r.status_code == 403 and r.json()["permission"]["action"] == "write"


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(database_urls, monkeypatch):
    """Runs ``redprop …`` against the test database (owner connection), settings read afresh."""
    from core.cli import main

    monkeypatch.setenv("REDPROP_DATABASE_URL", database_urls["owner"])
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    get_settings.cache_clear()


def on_database(url: str, work):
    """``await work(db)`` on a fresh connection: the CLI tests run outside the test's event loop."""

    async def run():
        db = Database(url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _counts_at(url: str, compound_id: uuid.UUID) -> dict[str, int]:
    return on_database(url, lambda db: counts(db, compound_id))


def test_cli_imports_a_good_file(cli, database_urls, city, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger(GOOD))
    a1 = city.compounds["A1"]
    before = _counts_at(database_urls["owner"], a1)
    result = cli("import", "residents", path, "--compound", a1)
    assert result.exit_code == 0, result.output
    assert "3 residents created" in result.output and "checking rows" in result.output and "writing records" in result.output
    assert _counts_at(database_urls["owner"], a1)["residents"] == before["residents"] + 3
    entry = on_database(database_urls["owner"], lambda db: _import_audit(db, a1))
    assert entry.actor.startswith("cli") and entry.tenant_id == city.tenants["platform"] and entry.after["rows"] == 4


def test_cli_refuses_a_bad_file_and_names_each_error(cli, database_urls, city, tmp_path):
    path, report = tmp_path / "bad.xlsx", tmp_path / "errors.xlsx"
    path.write_bytes(ledger(BAD, BAD_HEADERS))
    a1 = city.compounds["A1"]
    before = _counts_at(database_urls["owner"], a1)
    result = cli("import", "residents", path, "--compound", a1, "--report", report)
    assert result.exit_code == 1
    for row, column in BAD_CELLS:
        assert f"row {row}, {column}:" in result.output
    assert "nothing was imported" in result.output
    assert {(r[0], r[1]) for r in sheet_rows(report.read_bytes())[1:]} == BAD_CELLS
    assert _counts_at(database_urls["owner"], a1) == before


def test_cli_writes_the_template_and_refuses_unknown_compounds(cli, tmp_path):
    out = tmp_path / "template.xlsx"
    assert cli("import", "template", out).exit_code == 0
    assert sheet_rows(out.read_bytes())[0] == tuple(ALL_HEADERS)
    missing = cli("import", "residents", out, "--compound", uuid.uuid4())
    assert missing.exit_code == 1 and "compound does not exist" in missing.output


# --------------------------------------------------------------------------- building area and delivery (issue 14)

# 楼栋, 单元, 房号, 楼层, 专有面积, 建筑面积, 开发商持有, 交付日期, 姓名, 身份, 手机号, 身份证号, 入住日期
BOTH = [
    ["9号楼", "1单元", "101", 1, 89.56, 111.95, "否", dt.datetime(2019, 6, 30), "王五", "业主", "13912345678", OWNER_ID, "2020-05-01"],
    ["9号楼", "1单元", "101", None, None, "111.95", None, "2019-06-30", "王小五", "家庭成员", None, FAMILY_ID, None],
    ["9号楼", "1单元", "102", 1, 96.30, 120.37, "是", None, None, None, None, None, None],  # sold, not yet delivered
]
BUILDING_AREA = "建筑面积(㎡)"


def test_the_new_columns_are_read_under_their_aliases():
    headers = [{"建筑面积(㎡)": "建筑面积（平方米）", "交付日期": "交房日期"}.get(h, h) for h in ALL_HEADERS]
    sheet = read_sheet(ledger(BOTH, headers))
    assert sheet.errors == []
    first, second, third = sheet.rows
    assert (first.building_area, first.delivered_on) == (Decimal("111.95"), dt.date(2019, 6, 30))
    assert (second.building_area, second.delivered_on) == (Decimal("111.95"), dt.date(2019, 6, 30))
    assert (third.building_area, third.delivered_on, third.developer_held) == (Decimal("120.37"), None, True)


def test_a_bad_building_area_or_delivery_is_named_by_row_and_column():
    smaller, disagree, held, future, bad = (list(r) for r in (BOTH[0], BOTH[1], BOTH[2], BOTH[2], BOTH[2]))
    smaller[ALL_HEADERS.index(BUILDING_AREA)] = 80  # under the exclusive 89.56 m²
    disagree[ALL_HEADERS.index(BUILDING_AREA)] = 112
    held[ALL_HEADERS.index("交付日期")] = "2020-01-01"  # delivered, yet 开发商持有 是
    future[:3] = ["9号楼", "1单元", "103"]
    future[ALL_HEADERS.index("开发商持有")], future[ALL_HEADERS.index("交付日期")] = "否", "2027-01-01"
    bad[:3] = ["9号楼", "1单元", "104"]
    bad[ALL_HEADERS.index(BUILDING_AREA)] = "一百"
    sheet = read_sheet(ledger([smaller, disagree, held, future, bad], ALL_HEADERS))
    plan = imports.plan_import(sheet, imports.Registered(), uuid.uuid4(), today=dt.date(2026, 12, 1))
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (2, BUILDING_AREA, imports.SMALLER_THAN_EXCLUSIVE),
        (3, BUILDING_AREA, "room 9号楼 1单元 101 has building area 80 m² on row 2"),
        (4, "开发商持有", imports.DELIVERED_BUT_HELD),
        (5, "交付日期", imports.IN_THE_FUTURE),
        (6, BUILDING_AREA, "must be a number of m²"),
    ]
    assert plan.rooms == [] and plan.room_updates == []


async def test_a_ledger_with_both_areas_and_a_delivery_date_imports_them(db, city):
    a1 = city.compounds["A1"]
    result = await run_import(db, a1, ledger(BOTH, ALL_HEADERS))
    assert result.errors == [] and (result.rooms, result.residents, result.rooms_updated) == (2, 2, 0)
    delivered = await room_at(db, a1, "9号楼", "1单元", "101")
    assert (delivered.exclusive_area, delivered.building_area, delivered.delivered_on, delivered.developer_held) == (
        Decimal("89.56"),
        Decimal("111.95"),
        dt.date(2019, 6, 30),
        False,
    )
    undelivered = await room_at(db, a1, "9号楼", "1单元", "102")
    assert (undelivered.building_area, undelivered.delivered_on, undelivered.developer_held) == (Decimal("120.37"), None, True)


async def _set_room(db, compound_id, room_id, **values) -> None:
    async with db.transaction(Scope.of([compound_id])) as session:
        await session.execute(update(Room).where(Room.compound_id == compound_id, Room.id == room_id).values(**values))


async def test_a_ledger_records_what_a_registered_room_lacks_and_nothing_else(db, city):
    """A compound registered before issue 14: the ledger fills in building areas and deliveries, never changes them."""
    a1 = city.compounds["A1"]
    plain = await room_at(db, a1, "1号楼", "1单元", "101")
    held = await room_at(db, a1, "2号楼", "2单元", "301")  # the developer's in the demo
    await _set_room(db, a1, plain.id, building_area=None)
    assert held.developer_held and held.delivered_on is None
    rows = [
        ["1号楼", "1单元", "101", None, None, plain.exclusive_area + 20, None, None, None, None, None, None, None],
        ["2号楼", "2单元", "301", None, None, None, "否", "2026-03-08", None, None, None, None, None],
    ]
    before = await counts(db, a1)
    result = await run_import(db, a1, ledger(rows, ALL_HEADERS))
    assert result.errors == [] and result.rooms_updated == 2 and await counts(db, a1) == before
    filled, delivered = await room_at(db, a1, "1号楼", "1单元", "101"), await room_at(db, a1, "2号楼", "2单元", "301")
    assert filled.building_area == plain.exclusive_area + 20 and filled.exclusive_area == plain.exclusive_area
    assert (delivered.delivered_on, delivered.developer_held, delivered.building_area) == (dt.date(2026, 3, 8), False, held.building_area)

    rows[0][ALL_HEADERS.index(BUILDING_AREA)] = plain.exclusive_area + 21  # registered now: a change is refused
    rows[1][ALL_HEADERS.index("交付日期")] = "2026-03-09"
    refused = await run_import(db, a1, ledger(rows, ALL_HEADERS))
    assert [(e.row, e.column) for e in refused.errors] == [(2, BUILDING_AREA), (3, "交付日期")]
    assert f"building area {plain.exclusive_area + 20} m²" in refused.errors[0].message
    under = [["1号楼", "1单元", "102", None, None, Decimal("1.00"), None, None, None, None, None, None, None]]
    await _set_room(db, a1, (await room_at(db, a1, "1号楼", "1单元", "102")).id, building_area=None)
    small = await run_import(db, a1, ledger(under, ALL_HEADERS))  # against the registered exclusive area
    assert [(e.row, e.column, e.message) for e in small.errors] == [(2, BUILDING_AREA, imports.SMALLER_THAN_EXCLUSIVE)]


async def test_both_areas_and_the_delivery_survive_an_export_and_its_reimport(db, city):
    a1 = city.compounds["A1"]
    room = await room_at(db, a1, "1号楼", "2单元", "201")
    await _set_room(db, a1, room.id, delivered_on=dt.date(2018, 9, 1))
    async with db.session(Scope.of([a1])) as session:
        content = await imports.export_workbook(session, a1, show_pii=True)
    rows = sheet_rows(content)
    line = next(r for r in rows[1:] if r[:3] == ("1号楼", "2单元", "201"))
    assert Decimal(str(line[ALL_HEADERS.index(BUILDING_AREA)])) == room.building_area
    assert line[ALL_HEADERS.index("交付日期")].date() == dt.date(2018, 9, 1)
    held = next(r for r in rows[1:] if r[:3] == ("2号楼", "2单元", "301"))
    assert held[ALL_HEADERS.index("开发商持有")] == "是" and held[ALL_HEADERS.index("交付日期")] is None
    before = await counts(db, a1)
    again = await run_import(db, a1, content)
    assert again.errors == [] and (again.rooms, again.residents, again.rooms_updated) == (0, 0, 0)
    assert await counts(db, a1) == before

    # the same ledger into another compound, under new building names, recreates both areas and the delivery
    workbook = load_workbook(io.BytesIO(content))
    for (cell,) in workbook[imports.SHEET_TITLE].iter_rows(min_row=2, max_col=1):
        cell.value = f"东{cell.value}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    b2 = city.compounds["B2"]
    elsewhere = await run_import(db, b2, buffer.getvalue())
    assert elsewhere.errors == [] and elsewhere.rooms == before["rooms"]
    copied = await room_at(db, b2, "东1号楼", "2单元", "201")
    assert (copied.exclusive_area, copied.building_area, copied.delivered_on) == (
        room.exclusive_area,
        room.building_area,
        dt.date(2018, 9, 1),
    )


async def test_both_areas_and_a_bad_building_area_through_the_api(client, as_user, city):
    a1, h = city.compounds["A1"], await as_user("ent-a-admin")
    url = f"/api/v1/compounds/{a1}/housing/import"
    bad = [list(r) for r in BOTH]
    bad[0][ALL_HEADERS.index(BUILDING_AREA)] = bad[1][ALL_HEADERS.index(BUILDING_AREA)] = 88
    r = await client.post(url, files=_upload(ledger(bad, ALL_HEADERS)), headers=h)
    assert r.status_code == 422, r.text
    assert [{k: e[k] for k in ("row", "column", "message")} for e in r.json()["errors"]] == [
        {"row": 2, "column": BUILDING_AREA, "message": imports.SMALLER_THAN_EXCLUSIVE}
    ]
    r = await client.post(url, files=_upload(ledger(BOTH, ALL_HEADERS)), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["rooms"] == 2 and r.json()["rooms_updated"] == 0
    rooms = (await client.get(f"/api/v1/compounds/{a1}/rooms", headers=h, params={"limit": 200})).json()["items"]
    assert len(rooms) == (await _total(client, h, a1, "rooms"))
