"""Exports never hand a spreadsheet a formula a user typed; uploads are what they claim, with clean names and
per-type sizes (issue 16, point 5)."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
from sqlalchemy import select, update

from core.db import Scope
from core.files.services import DOCX, MAX_BYTES_BY_TYPE, safe_filename, sniff
from core.xlsx import csv_bytes, neutralise, restore, workbook
from tenants.models import Resident
from tests.core.test_files import _stored, _upload, png

EVIL = ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")


def test_formula_like_text_is_neutralised_and_reads_back():
    for value in EVIL:
        assert neutralise(value) == "'" + value and restore(neutralise(value)) == value
    for value in ("张三", "1号楼", 42, None, "-", "a=b"):
        expected = "'-" if value == "-" else value
        assert neutralise(value) == expected
    assert restore("'plain") == "'plain"  # an apostrophe the user typed stays


def test_the_shared_workbook_and_csv_writers_neutralise_every_cell():
    book = openpyxl.load_workbook(io.BytesIO(workbook([("s", ("=h",), [[v, 1] for v in EVIL])])))
    sheet = book.active
    assert sheet["A1"].value == "'=h"
    for row, value in enumerate(EVIL, start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.data_type == "s" and cell.value.startswith("'") and cell.value[1:].strip() == value.strip()
    assert sheet.cell(row=2, column=2).value == 1
    rows = list(csv.reader(io.StringIO(csv_bytes([EVIL]).decode("utf-8-sig"), newline="")))
    assert all(cell.startswith("'") for cell in rows[0])


async def test_the_housing_export_neutralises_a_residents_formula_name(client, as_user, city, database_urls):
    from core.db import Database

    a1 = city.compounds["A1"]
    owner = Database(database_urls["owner"])
    try:
        async with owner.session(Scope.everything("test setup")) as session:
            resident_id = await session.scalar(select(Resident.id).where(Resident.compound_id == a1).limit(1))
            await session.execute(update(Resident).where(Resident.id == resident_id).values(name=EVIL[0]))
            await session.commit()
    finally:
        await owner.dispose()
    headers = await as_user("ent-a-admin")
    response = await client.get(f"/api/v1/compounds/{a1}/housing/export.xlsx", headers=headers)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "'" + EVIL[0] in values and EVIL[0] not in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


async def test_the_audit_export_neutralises_cells(client, as_user, city):
    headers = await as_user("ent-a-admin")
    a1 = city.compounds["A1"]
    made = await client.post(f"/api/v1/compounds/{a1}/buildings", json={"name": "=1+cmd|' /C calc'!A0"}, headers=headers)
    assert made.status_code in (200, 201), made.text
    text = (await client.get("/api/v1/audit/export.csv", headers=headers)).text
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_party_building_coverage_csv_goes_through_the_shared_writer():
    import inspect

    from plugins.party_building import exports

    assert "csv_bytes(" in inspect.getsource(exports.coverage_csv)


# --------------------------------------------------------------------------- uploads


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in files.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_a_zip_renamed_docx_is_not_a_document():
    manifest = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/word/document.xml" ContentType="{DOCX}.main+xml"/></Types>'
    )
    assert sniff(_zip({"[Content_Types].xml": manifest, "word/document.xml": "<w:document/>"})) == DOCX
    assert sniff(_zip({"[Content_Types].xml": manifest, "payload.exe": "MZ"})) is None  # names a main part it lacks
    assert sniff(_zip({"[Content_Types].xml": f"<!-- {DOCX}.main+xml -->", "word/document.xml": "x"})) is None
    assert sniff(_zip({"evil.js": "alert(1)"})) is None


async def test_an_upload_of_a_zip_declared_as_docx_is_refused(client, as_user, city, db):
    headers = await as_user("ent-a-admin")
    a1, room = city.compounds["A1"], city.rooms["A1"][0]
    before = await _stored(db)
    response = await _upload(client, headers, a1, room, _zip({"[Content_Types].xml": "<Types/>", "x.bin": "x"}), "合同.docx", DOCX)
    assert response.status_code == 415 and response.json()["errors"][0]["field"] == "file"
    assert await _stored(db) == before


def test_bidirectional_overrides_and_invisible_characters_are_stripped_from_names():
    assert safe_filename("invoice\u202egpj.exe", "image/jpeg") == "invoicegpj.jpg"
    assert safe_filename("a\u2066b\u2069\u200bc\u200e\u061c.pdf", "application/pdf") == "abc.pdf"
    assert safe_filename("照片\u202d.png", "image/png") == "照片.png"


async def test_sizes_are_capped_per_type(client, as_user, city, db, monkeypatch):
    import core.files.services as files

    monkeypatch.setitem(files.MAX_BYTES_BY_TYPE, "image/png", 4096)
    headers = await as_user("ent-a-admin")
    a1, room = city.compounds["A1"], city.rooms["A1"][0]
    before = await _stored(db)
    response = await _upload(client, headers, a1, room, png(extra=8192))
    assert response.status_code == 413 and "image/png" in response.json()["detail"], response.text
    assert await _stored(db) == before
    assert (await _upload(client, headers, a1, room, png())).status_code == 201
    assert MAX_BYTES_BY_TYPE["image/gif"] < MAX_BYTES_BY_TYPE["application/pdf"]
