"""core.xlsx.SheetValues reads what Excel and WPS write (shared strings, rich-text runs, cells without references,
booleans, dates by their style) as openpyxl's read-only mode does."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.xlsx import SheetValues

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = (
    f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>1号楼</t></si>'
    '<si><r><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si><si><t xml:space="preserve"> 业主 </t></si></sst>'
)
SHEET = (
    f'<worksheet xmlns="{MAIN}"><dimension ref="A1:F4"/><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="D1" t="b"><v>1</v></c></row>'
    '<row r="3"><c t="s"><v>2</v></c><c><v>128.8</v></c><c s="1"><v>43952</v></c><c t="inlineStr"><is><t>&amp;x</t></is></c>'
    '<c t="str"><v>cached</v></c><c><v>7</v></c></row>'
    "</sheetData></worksheet>"
)


def workbook() -> bytes:
    """An openpyxl workbook (its styles hold a date format at index 1) with the sheet and shared strings above."""
    book = Workbook()
    book.active.title = "台账"
    book.active["A1"] = dt.date(2020, 5, 1)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = SHEET.encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(item, data)
        target.writestr("xl/sharedStrings.xml", SHARED)
    return out.getvalue()


def test_values_match_openpyxl_read_only():
    content = workbook()
    sheet = SheetValues(content, "台账")
    try:
        rows = list(sheet.rows(6))
    finally:
        sheet.close()
    assert sheet.declared_rows == 4
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    ws = book["台账"]
    ws.reset_dimensions()
    expected = {
        n: values for n, values in enumerate(ws.iter_rows(max_col=6, values_only=True), start=1) if any(v is not None for v in values)
    }
    book.close()
    assert dict(rows) == expected
    assert rows == [
        (1, ("1号楼", None, "张三", True, None, None)),
        (3, (" 业主 ", 128.8, dt.datetime(2020, 5, 1), "&x", "cached", 7)),
    ]


def test_not_a_workbook_is_a_value_error():
    with pytest.raises(ValueError):
        SheetValues(b"PK\x03\x04 not really a zip")
