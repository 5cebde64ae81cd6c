"""Excel and CSV downloads: one response helper for every export (ledgers, reports, import error reports), and the
one cell writer that keeps a spreadsheet from running what a user typed as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from litestar import Response

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> Response[bytes]:
    """An .xlsx attachment; the file name may be Chinese (RFC 6266 ``filename*``), never cached."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (CSV/formula injection, OWASP)."""


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading apostrophe; anything else
    (numbers, dates, None, ordinary text) unchanged. Every Excel and CSV export writes its cells through this."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` protected, read back from an imported sheet (the apostrophe dropped)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in row]


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    """A CSV file (UTF-8, with the BOM Excel needs to read it as such unless ``bom=False``), cells neutralised."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(safe_row(row) for row in rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Build a workbook from ``(title, header, rows)`` sheets (header in bold, frozen)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(safe_row(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
