"""Excel and CSV downloads: one response helper for every export (ledgers, reports, import error reports), the
one cell writer that keeps a spreadsheet from running what a user typed as a formula, and a streaming reader of one
sheet's values for imports."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
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


class SheetValues:
    """One sheet of an .xlsx workbook read as values, streaming: the cells' values as openpyxl's read-only,
    ``data_only`` mode gives them (shared and inline strings, ints and floats, booleans, dates by their number
    format, a formula's cached value), row by row.

    openpyxl builds a descriptor object per shared string and a dict per cell; at 100,000 ledger rows that was
    48 s of an import's 87. This reads the workbook's parts with openpyxl (manifest, sheets, styles, epoch) and
    the two large parts, the shared strings and the sheet, with the XML parser directly. Any fault of the file
    raises ``ValueError``.
    """

    def __init__(self, content: bytes, title: str | None = None) -> None:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        try:
            reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
            reader.read_manifest()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()]
            strings = reader.package.find("application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
            self._strings = _shared_strings(reader.archive, strings.PartName[1:]) if strings is not None else []
        except Exception as exc:  # a damaged or foreign ZIP raises many kinds of errors; all mean the same
            raise ValueError(f"not a readable .xlsx workbook: {exc.__class__.__name__}") from None
        if not sheets:
            raise ValueError("the workbook has no worksheet")
        self.title, self._path = next(((n, t) for n, t in sheets if n == title), sheets[0])
        self._archive = reader.archive
        self._dates = reader.wb._date_formats
        self._timedeltas = reader.wb._timedelta_formats
        self._epoch = reader.wb.epoch
        self.declared_rows: int | None = None
        """The last row the sheet's ``<dimension>`` declares (an estimate: some writers get it wrong), once read."""

    def close(self) -> None:
        self._archive.close()

    def rows(self, width: int | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """``(row number, values)`` of every row the sheet holds, in order (rows without cells are left out);
        values padded with None, or cut, to ``width`` when given."""
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.utils.datetime import from_excel, from_ISO8601
        from openpyxl.xml.constants import SHEET_MAIN_NS
        from openpyxl.xml.functions import iterparse

        ns = f"{{{SHEET_MAIN_NS}}}"
        row_tag, cell_tag, value_tag, inline_tag, text_tag, run_tag, dim_tag = (
            ns + t for t in ("row", "c", "v", "is", "t", "r", "dimension")
        )
        strings, dates, timedeltas, epoch = self._strings, self._dates, self._timedeltas, self._epoch
        letters: dict[str, int] = {}
        number = 0
        with self._archive.open(self._path) as source:
            for _, element in iterparse(source):
                tag = element.tag
                if tag == dim_tag:
                    last = element.get("ref", "").rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                    self.declared_rows = int(last) if last.isdigit() else None
                    continue
                if tag != row_tag:
                    continue
                number = int(element.get("r") or number + 1)
                cells: dict[int, Any] = {}
                column = 0
                for cell in element:  # a row's children are its cells
                    reference = cell.get("r")
                    if reference:
                        letter = reference.rstrip("0123456789")
                        column = letters.get(letter) or letters.setdefault(letter, column_index_from_string(letter))
                    else:
                        column += 1
                    kind = cell.get("t", "n")
                    value = None
                    for part in cell:
                        if kind == "inlineStr":
                            if part.tag == inline_tag:
                                value = _text_of(part, text_tag, run_tag)
                        elif part.tag == value_tag:
                            value = part.text or None
                    if value is not None and kind != "inlineStr":
                        if kind == "n":
                            value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                            style = cell.get("s")
                            if style and int(style) in dates:
                                try:
                                    value = from_excel(value, epoch, timedelta=int(style) in timedeltas)
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"
                        elif kind == "s":
                            value = strings[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                    cells[column] = value
                element.clear()
                size = width if width is not None else max(cells, default=0)
                yield number, tuple(cells.get(i) for i in range(1, size + 1))


def _text_of(element: Any, text_tag: str, run_tag: str) -> str:
    """A string item's text as openpyxl's ``Text.content`` gives it: its own text, then its runs' (phonetic runs left
    out)."""
    parts = []
    for child in element:
        if child.tag == text_tag:
            parts.append(child.text or "")
        elif child.tag == run_tag:
            parts.append(child.findtext(text_tag) or "")
    return parts[0] if len(parts) == 1 else "".join(parts)


def _shared_strings(archive: Any, path: str) -> list[str]:
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    ns = f"{{{SHEET_MAIN_NS}}}"
    item_tag, text_tag, run_tag = ns + "si", ns + "t", ns + "r"
    strings = []
    with archive.open(path) as source:
        for _, element in iterparse(source):
            if element.tag == item_tag:
                strings.append(_text_of(element, text_tag, run_tag).replace("x005F_", ""))
                element.clear()
    return strings
