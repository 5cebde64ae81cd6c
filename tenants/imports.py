"""Excel (.xlsx) import and export of housing and residents, laid out like a property company's 房屋住户台账.

One sheet, one row per resident (or per room that has no resident yet). An
import reads and checks every row first, without writing; then it writes
everything in one transaction with bulk inserts. Any error writes nothing and
is reported with its sheet row, column header and problem. Buildings, units,
rooms and households are reused when they exist, so an import can add residents
to registered rooms; it never changes what is registered, except that it records a building area (建筑面积) or a
delivery date (交付日期) a registered room lacks (a delivery clears 开发商持有: the room leaves the developer's head in
owners' votes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import itertools
import os
import pathlib
import re
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_zone
from core.audit.services import record
from core.clock import now
from core.db import ScopeViolation, session_scope
from core.events.services import emit
from core.identity.phones import seal_phone
from core.ids import uuid7
from core.problems import Problem, not_found
from core.security import blind_index, decrypt_pii, encrypt_pii
from core.validators import id_card_problem, phone_problem
from core.xlsx import SheetValues, restore, safe_row
from tenants.import_models import ImportReport
from tenants.models import RESIDENT_ROLES, Building, Compound, Household, Resident, Room, Unit
from tenants.services import DELIVERED_BUT_HELD, IN_THE_FUTURE, SMALLER_THAN_EXCLUSIVE, check_area, resident_out

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
"""Bounds the work one file can cause; a compound's ledger is far smaller."""
SHEET_TITLE = "房屋住户台账"
REPORT_TTL = dt.timedelta(days=7)
HEADER_SEARCH_ROWS = 10
"""Ledgers often carry a title row or two above the column headers."""
MAX_HEADER_COLUMNS = 64
CHUNK = 5_000
PROGRESS_EVERY = 1_000

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: stage ``validate`` (rows read and checked, reported from a worker thread)
or ``write`` (records inserted); total None when unknown."""


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Column:
    """A column of the ledger: its Chinese header, accepted aliases and how to fill it."""

    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool
    width: int
    hint: str
    text: bool = False
    """Formatted as text in the workbooks we write, so Excel keeps leading zeros and all 18 digits."""


COLUMNS = (
    Column("building", "楼栋", ("楼号", "楼栋号"), True, 10, "如 1号楼", text=True),
    Column("unit", "单元", ("单元号",), True, 8, "如 1单元", text=True),
    Column("room", "房号", ("房间号", "门牌号"), True, 8, "如 101；同一房屋多名住户时每人一行", text=True),
    Column("floor", "楼层", (), False, 6, "整数，可不填"),
    Column(
        "exclusive_area",
        "专有面积(㎡)",
        ("专有面积", "专有部分面积"),
        True,
        12,
        "平方米，最多两位小数；新登记的房屋必填，同一房屋各行须一致",
    ),
    Column(
        "building_area",
        "建筑面积(㎡)",
        ("建筑面积", "房屋建筑面积"),
        False,
        12,
        "平方米，最多两位小数，不小于专有面积；物业费多按建筑面积计收；可不填，同一房屋各行须一致",
    ),
    Column("developer_held", "开发商持有", (), False, 10, "是/否，未售或已售未交付的房屋填“是”"),
    Column(
        "delivered_on",
        "交付日期",
        ("交房日期", "交付时间"),
        False,
        12,
        "房屋交付业主的日期，如 2019-06-30；已售未交付的房屋留空并在开发商持有填“是”",
    ),
    Column("name", "姓名", ("住户姓名",), True, 10, "无住户的房屋留空"),
    Column("role", "身份", ("住户身份",), True, 10, "业主/租户/家庭成员"),
    Column("phone", "手机号", ("手机号码", "手机", "联系电话"), False, 14, "11位手机号", text=True),
    Column("id_card", "身份证号", ("身份证号码", "证件号码"), False, 22, "18位，末位可为X", text=True),
    Column("moved_in_on", "入住日期", ("入住时间",), False, 12, "如 2020-05-01"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
ROLE_LABELS = {"owner": "业主", "tenant": "租户", "family": "家庭成员"}
ROLE_BY_TEXT = {**{label: role for role, label in ROLE_LABELS.items()}, **{role: role for role in RESIDENT_ROLES}, "家属": "family"}
YES = {"是", "y", "yes", "true", "1"}
NO = {"否", "n", "no", "false", "0"}
MAX_LENGTH = {"building": 50, "unit": 50, "room": 30, "name": 100}
PERSON_KEYS = ("name", "role", "phone", "id_card")
_UNIT_SUFFIX = re.compile(r"\((㎡|m²|m2|平方米|平米|是/否)\)$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _normal(header: str) -> str:
    text = "".join(header.split()).lower().replace("（", "(").replace("）", ")")
    return _UNIT_SUFFIX.sub("", text)


HEADER_LOOKUP = {_normal(name): c.key for c in COLUMNS for name in (c.header, c.key, *c.aliases)}


# --------------------------------------------------------------------------- results


class RowError(msgspec.Struct, frozen=True):
    """One problem of an import: the sheet row as Excel numbers it, the column header, what is wrong."""

    row: int
    column: str
    message: str


@dataclass(slots=True)
class SheetRow:
    """One data row, parsed; a value that failed its check is None (and an error is recorded)."""

    row: int
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    floor: int | None = None
    exclusive_area: Decimal | None = None
    building_area: Decimal | None = None
    developer_held: bool | None = None
    delivered_on: dt.date | None = None
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    id_card: str | None = None
    moved_in_on: dt.date | None = None
    has_person: bool = False


@dataclass
class ParsedSheet:
    """What :func:`read_sheet` found: rows, errors, and each column's header as the file spells it."""

    rows: list[SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    header_row: int = 1

    def header(self, key: str) -> str:
        return self.headers.get(key, COLUMN_BY_KEY[key].header)


@dataclass
class ImportResult:
    """Counts of what an import created; with ``errors`` nothing was written."""

    rows: int = 0
    buildings: int = 0
    units: int = 0
    rooms: int = 0
    households: int = 0
    residents: int = 0
    existing_residents: int = 0
    """Rows naming a resident already registered in that room with the same details (left as they are)."""
    rooms_updated: int = 0
    """Registered rooms that got a building area or a delivery date they lacked."""
    errors: list[RowError] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def check_upload_size(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise Problem(
            413,
            "too-large",
            "File too large",
            f"an import file may have at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split the ledger into several files",
        )


def _not_xlsx(detail: str) -> Problem:
    return Problem(415, "not-xlsx", "Not an Excel workbook", detail)


@contextmanager
def open_workbook(content: bytes) -> Iterator[SheetValues]:
    """The ledger sheet (by its title, else the first) of a workbook, streaming; refuse anything that is not an .xlsx
    workbook."""
    if content[:4] != b"PK\x03\x04":
        raise _not_xlsx("the file is not an .xlsx workbook (an old .xls or .csv must be saved as .xlsx first)")
    try:
        sheet = SheetValues(content, SHEET_TITLE)
    except ValueError:
        raise _not_xlsx("the file is a ZIP archive but not a readable .xlsx workbook") from None
    try:
        yield sheet
    finally:
        sheet.close()


def _text(value: Any) -> str:
    if value.__class__ is str:  # most cells: the first test, as a million of them are read
        return restore(value.strip())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return restore(str(value).strip())  # an export's neutralised formula-like text reads back as it was


def _find_header(rows: Iterable[tuple[int, tuple[Any, ...]]]) -> tuple[int, list[str]] | None:
    """The first row naming at least two known columns, with its cells as text."""
    for number, values in rows:
        cells = [_text(v) for v in values]
        if sum(1 for c in cells if _normal(c) in HEADER_LOOKUP) >= 2:
            return number, cells
    return None


def read_sheet(content: bytes, progress: Progress | None = None) -> ParsedSheet:
    """Read and check every row of the ledger; no database involved."""
    with open_workbook(content) as workbook:
        return _read(workbook, progress)


def _read(ws: SheetValues, progress: Progress | None) -> ParsedSheet:
    sheet = ParsedSheet()
    rows = ws.rows()
    top: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in rows:
        top.append((number, values[:MAX_HEADER_COLUMNS]))
        if number >= HEADER_SEARCH_ROWS:
            break
    found = _find_header((n, v) for n, v in top if n <= HEADER_SEARCH_ROWS)
    if found is None:
        sheet.errors.append(
            RowError(
                1,
                "",
                f"no header row found in the first {HEADER_SEARCH_ROWS} rows: name the columns {', '.join(c.header for c in COLUMNS)}",
            )
        )
        return sheet
    sheet.header_row, cells = found
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = HEADER_LOOKUP.get(_normal(cell))
        if key is None:
            continue  # ledgers carry extra columns (备注, 车位 …); they are not imported
        if key in positions:
            sheet.errors.append(
                RowError(sheet.header_row, cell, f"column appears twice (also column {get_column_letter(positions[key] + 1)})")
            )
            continue
        positions[key] = index
        sheet.headers[key] = cell
    for column in COLUMNS:
        if column.required and column.key not in positions:
            sheet.errors.append(RowError(sheet.header_row, column.header, f"required column is missing (English alias: {column.key})"))
    width = max(positions.values()) + 1
    # the file's <dimension> (read with the first rows) is only an estimate for the progress bar
    total = max(ws.declared_rows - sheet.header_row, 0) if ws.declared_rows else None
    done = 0
    after_header = ((n, v) for n, v in top if n > sheet.header_row)
    for number, values in itertools.chain(after_header, rows):
        values = values[:width] if len(values) >= width else values + (None,) * (width - len(values))
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress("validate", done, max(total, done) if total else None)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(sheet.rows) == MAX_ROWS:
            sheet.errors.append(RowError(number, "", f"more than {MAX_ROWS} rows: split the ledger into several files"))
            break
        sheet.rows.append(_parse_row(number, values, positions, sheet))
    if progress:
        progress("validate", done, done)
    if not sheet.rows and not sheet.errors:
        sheet.errors.append(RowError(sheet.header_row + 1, "", "the sheet has no data rows"))
    return sheet


def _parse_row(number: int, values: tuple[Any, ...], positions: dict[str, int], sheet: ParsedSheet) -> SheetRow:
    row = SheetRow(number)
    raw = {key: values[i] for key, i in positions.items()}
    texts = {key: _text(value) for key, value in raw.items()}  # each cell's text once: 100,000 rows read it often

    def error(key: str, message: str) -> None:
        sheet.errors.append(RowError(number, sheet.header(key), message))

    for key in ("building", "unit", "room", "name"):
        if key not in raw:
            continue
        text = texts[key]
        if len(text) > MAX_LENGTH[key]:
            error(key, f"at most {MAX_LENGTH[key]} characters")
        elif text:
            setattr(row, key, text)
    row.has_person = any(texts.get(key) for key in PERSON_KEYS)
    for key in ("building", "unit", "room"):
        if key in raw and getattr(row, key) is None and not texts[key]:
            error(key, "required")
    for key, parse in _PARSERS.items():
        if texts.get(key):
            value, problem = parse(raw[key])
            if problem:
                error(key, problem)
            else:
                setattr(row, key, value)
    if row.has_person:
        for key in ("name", "role"):
            if key in raw and not texts[key]:
                error(key, "required when the row names a resident")
    return row


def _floor(value: Any) -> tuple[int | None, str | None]:
    text = _text(value)
    if not re.fullmatch(r"-?\d+", text) or not -10 <= int(text) <= 200:
        return None, "must be a whole floor number from -10 to 200"
    return int(text), None


def _area(value: Any) -> tuple[Decimal | None, str | None]:
    try:
        area = Decimal(_text(value))  # through text: a float cell's shortest repr, never its binary expansion
    except InvalidOperation:
        return None, "must be a number of m²"
    try:
        check_area(area)
    except Problem as problem:
        return None, problem.extra["errors"][0]["message"]
    return area, None


def _yes_no(value: Any) -> tuple[bool | None, str | None]:
    text = _text(value).lower()
    if value is True or text in YES:
        return True, None
    if value is False or text in NO:
        return False, None
    return None, "must be 是 or 否"


def _role(value: Any) -> tuple[str | None, str | None]:
    role = ROLE_BY_TEXT.get(_text(value).lower())
    if role is None:
        return None, "must be 业主, 租户 or 家庭成员 (owner, tenant or family)"
    return role, None


def _phone(value: Any) -> tuple[str | None, str | None]:
    text = re.sub(r"[\s-]", "", _text(value))  # 139-1234-5678 and 139 1234 5678 are how people write them
    return (None, problem) if (problem := phone_problem(text)) else (text, None)


def _id_card(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, float):
        return None, "stored as a number, so Excel kept only 15 digits: format the column as text and type the number again"
    text = _text(value).upper()
    if "*" in text:
        return None, "masked number: export with personal-data rights to get full numbers"
    return (None, problem) if (problem := id_card_problem(text)) else (text, None)


def _date(value: Any) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            day = from_excel(value)
        except (ValueError, OverflowError):
            day = None
        if isinstance(day, dt.datetime) and 1900 < day.year < 2100:
            return day.date(), None
        return None, "must be a date such as 2020-05-01"
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, "must be a date such as 2020-05-01"


_PARSERS: dict[str, Callable[[Any], tuple[Any, str | None]]] = {
    "floor": _floor,
    "exclusive_area": _area,
    "building_area": _area,
    "developer_held": _yes_no,
    "delivered_on": _date,
    "role": _role,
    "phone": _phone,
    "id_card": _id_card,
    "moved_in_on": _date,
}


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class RegisteredRoom:
    """A room the compound already holds, with what an import must not contradict."""

    id: uuid.UUID
    exclusive_area: Decimal
    floor: int | None
    developer_held: bool
    building_area: Decimal | None = None
    delivered_on: dt.date | None = None


@dataclass
class Registered:
    """What the compound already holds, as far as an import needs to know."""

    buildings: dict[str, uuid.UUID] = field(default_factory=dict)
    units: dict[tuple[uuid.UUID, str], uuid.UUID] = field(default_factory=dict)
    rooms: dict[tuple[uuid.UUID, str], RegisteredRoom] = field(default_factory=dict)
    households: dict[uuid.UUID, tuple[uuid.UUID, dt.date | None]] = field(default_factory=dict)
    """room id → its first household (id, moved-in date)."""
    residents: dict[uuid.UUID, dict[tuple, tuple[str, str, str | None]]] = field(default_factory=dict)
    """room id → resident identity (``("id", blind index)`` and ``("name", name, role)``) → (name, role, phone)."""


async def load_registered(session: AsyncSession, compound_id: uuid.UUID) -> Registered:
    reg = Registered()
    reg.buildings = dict((await session.execute(select(Building.name, Building.id).where(Building.compound_id == compound_id))).all())
    reg.units = {
        (b, n): i for b, n, i in await session.execute(select(Unit.building_id, Unit.name, Unit.id).where(Unit.compound_id == compound_id))
    }
    for unit_id, number, room_id, area, floor, held, building_area, delivered_on in await session.execute(
        select(
            Room.unit_id, Room.number, Room.id, Room.exclusive_area, Room.floor, Room.developer_held, Room.building_area, Room.delivered_on
        ).where(Room.compound_id == compound_id)
    ):
        reg.rooms[(unit_id, number)] = RegisteredRoom(room_id, area, floor, held, building_area, delivered_on)
    for room_id, household_id, moved_in_on in await session.execute(
        select(Household.room_id, Household.id, Household.moved_in_on).where(Household.compound_id == compound_id).order_by(Household.id)
    ):
        reg.households.setdefault(room_id, (household_id, moved_in_on))
    for room_id, index, name, role, phone_cipher in await session.execute(
        select(Household.room_id, Resident.id_card_index, Resident.name, Resident.role, Resident.phone_cipher)
        .join(Household, (Household.compound_id == Resident.compound_id) & (Household.id == Resident.household_id))
        .where(Resident.compound_id == compound_id)
    ):
        known = reg.residents.setdefault(room_id, {})
        phone = decrypt_pii(phone_cipher)
        # a row without ID card is recognised by name and role, whether or not the registered resident has one
        known[("name", name, role)] = (name, role, phone)
        if index:
            known[("id", index)] = (name, role, phone)
    return reg


def _identity(id_card_index: str | None, name: str, role: str) -> tuple:
    """Who a resident is within a room: the ID card when known, else name and role."""
    return ("id", id_card_index) if id_card_index else ("name", name, role)


@dataclass
class _PlannedRoom:
    """A room as the sheet states it, merged over all its rows."""

    rows: list[int]
    exclusive_area: Decimal | None = None
    building_area: Decimal | None = None
    floor: int | None = None
    developer_held: bool | None = None
    delivered_on: dt.date | None = None
    moved_in_on: dt.date | None = None
    stated_on: dict[str, int] = field(default_factory=dict)
    """attribute → the row that first stated it."""
    residents: dict[tuple, SheetRow] = field(default_factory=dict)
    registered: set[tuple] = field(default_factory=set)
    """Identities of residents already registered in the room with the same details."""


ROOM_ATTRIBUTES: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("exclusive_area", lambda v: f"area {v} m²"),
    ("building_area", lambda v: f"building area {v} m²"),
    ("floor", lambda v: f"floor {v}"),
    ("developer_held", lambda v: f"开发商持有 {'是' if v else '否'}"),
    ("delivered_on", lambda v: f"delivery date {v}"),
    ("moved_in_on", lambda v: f"moved-in date {v}"),
)
FILLABLE = ("building_area", "delivered_on")
"""Room attributes an import may record on a registered room that lacks them (never change): a compound registered
before issue 14 gets its building areas and deliveries from the ledger."""


@dataclass
class Plan:
    """Rows to insert, table by table in foreign-key order; with ``errors`` the import must not run."""

    buildings: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    rooms: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)
    residents: list[dict] = field(default_factory=list)
    room_updates: list[dict] = field(default_factory=list)
    """Registered rooms getting a building area or a delivery they lacked (``b_id`` and the new values)."""
    existing_residents: int = 0
    errors: list[RowError] = field(default_factory=list)

    def tables(self) -> list[tuple[Any, list[dict]]]:
        return [
            (Building.__table__, self.buildings),
            (Unit.__table__, self.units),
            (Room.__table__, self.rooms),
            (Household.__table__, self.households),
            (Resident.__table__, self.residents),
        ]


def _label(key: tuple[str, str, str]) -> str:
    return "room " + " ".join(key)


def plan_import(sheet: ParsedSheet, registered: Registered, compound_id: uuid.UUID, today: dt.date | None = None) -> Plan:
    """Check the rows against each other and against what is registered; build the inserts only when all is well.

    ``today`` (the compound's date) refuses deliveries in the future; without it they are not checked.
    """
    plan = Plan(errors=list(sheet.errors))
    rooms: dict[tuple[str, str, str], _PlannedRoom] = {}
    for row in sheet.rows:
        if row.building is None or row.unit is None or row.room is None:
            continue
        key = (row.building, row.unit, row.room)
        room = rooms.setdefault(key, _PlannedRoom([]))
        room.rows.append(row.row)
        for attr, shown in ROOM_ATTRIBUTES:
            value, stated = getattr(row, attr), getattr(room, attr)
            if value is None:
                continue
            if stated is None:
                setattr(room, attr, value)
                room.stated_on[attr] = row.row
            elif value != stated:
                plan.errors.append(
                    RowError(row.row, sheet.header(attr), f"{_label(key)} has {shown(stated)} on row {room.stated_on[attr]}")
                )
        if row.has_person and row.name and row.role:
            identity = _identity(blind_index(row.id_card) if row.id_card else None, row.name, row.role)
            twin = room.residents.get(identity)
            if twin is None:
                room.residents[identity] = row
            else:
                plan.errors.append(
                    RowError(
                        row.row,
                        sheet.header("id_card" if row.id_card else "name"),
                        f"the same resident is already on row {twin.row} for this room",
                    )
                )
    _check_rooms(rooms, registered, sheet, plan, today)
    _check_registered(rooms, registered, sheet, plan)
    if not plan.errors:
        _build(rooms, registered, compound_id, plan)
    order = {sheet.header(c.key): i for i, c in enumerate(COLUMNS)}
    plan.errors.sort(key=lambda e: (e.row, order.get(e.column, -1)))
    return plan


def _registered_room(key: tuple[str, str, str], registered: Registered) -> RegisteredRoom | None:
    building_id = registered.buildings.get(key[0])
    unit_id = registered.units.get((building_id, key[1])) if building_id else None
    return registered.rooms.get((unit_id, key[2])) if unit_id else None


def _check_rooms(
    rooms: dict[tuple[str, str, str], _PlannedRoom], registered: Registered, sheet: ParsedSheet, plan: Plan, today: dt.date | None
) -> None:
    """What a room's merged rows must satisfy together: building area ≥ exclusive area, a delivered room is not the
    developer's, a delivery has happened."""
    for key, room in rooms.items():
        known = _registered_room(key, registered)
        exclusive = room.exclusive_area if room.exclusive_area is not None else (known.exclusive_area if known else None)
        if room.building_area is not None and exclusive is not None and room.building_area < exclusive:
            plan.errors.append(RowError(room.stated_on["building_area"], sheet.header("building_area"), SMALLER_THAN_EXCLUSIVE))
        if room.delivered_on is None:
            continue
        if today is not None and room.delivered_on > today:
            plan.errors.append(RowError(room.stated_on["delivered_on"], sheet.header("delivered_on"), IN_THE_FUTURE))
        if room.developer_held:
            plan.errors.append(RowError(room.stated_on["developer_held"], sheet.header("developer_held"), DELIVERED_BUT_HELD))


def _check_registered(rooms: dict[tuple[str, str, str], _PlannedRoom], registered: Registered, sheet: ParsedSheet, plan: Plan) -> None:
    """An import adds; a value that contradicts what is registered is an error, never an update."""
    area_header = sheet.header("exclusive_area")
    rows_with_bad_area = {e.row for e in sheet.errors if e.column == area_header}
    for key, room in rooms.items():
        known = _registered_room(key, registered)
        if known is None:
            if room.exclusive_area is None and "exclusive_area" in sheet.headers and rows_with_bad_area.isdisjoint(room.rows):
                plan.errors.append(RowError(room.rows[0], area_header, f"required: {_label(key)} is not registered yet"))
            continue
        household = registered.households.get(known.id)
        # recording a delivery the room lacked clears 开发商持有 (the room leaves the developer's head in votes)
        delivering = known.delivered_on is None and room.delivered_on is not None
        for attr, stated, kept in (
            ("exclusive_area", room.exclusive_area, known.exclusive_area),
            ("building_area", room.building_area, known.building_area),
            ("floor", room.floor, known.floor),
            ("developer_held", room.developer_held, known.developer_held),
            ("delivered_on", room.delivered_on, known.delivered_on),
            ("moved_in_on", room.moved_in_on, household[1] if household else None),
        ):
            if attr == "developer_held" and delivering and stated is False:
                continue
            if stated is not None and kept is not None and stated != kept:
                shown = dict(ROOM_ATTRIBUTES)[attr]
                plan.errors.append(
                    RowError(
                        room.stated_on[attr],
                        sheet.header(attr),
                        f"{_label(key)} is registered with {shown(kept)}; an import does not change registered rooms",
                    )
                )
        residents = registered.residents.get(known.id, {})
        for identity, row in room.residents.items():
            if identity not in residents:
                continue
            name, role, phone = residents[identity]
            differs = [
                k
                for k, given, kept in (("name", row.name, name), ("role", row.role, role), ("phone", row.phone, phone))
                if given is not None and given != kept
            ]
            if differs:
                plan.errors.append(
                    RowError(
                        row.row,
                        sheet.header(differs[0]),
                        "this resident is registered in the room with a different value; an import adds residents and never changes them",
                    )
                )
            else:
                room.registered.add(identity)
                plan.existing_residents += 1


def _build(rooms: dict[tuple[str, str, str], _PlannedRoom], registered: Registered, compound_id: uuid.UUID, plan: Plan) -> None:
    stamp = now()
    base = {"compound_id": compound_id, "created_at": stamp, "updated_at": stamp}
    buildings = dict(registered.buildings)
    units = dict(registered.units)
    for key, room in rooms.items():
        building_name, unit_name, number = key
        building_id = buildings.get(building_name)
        if building_id is None:
            building_id = buildings[building_name] = uuid7()
            plan.buildings.append({**base, "id": building_id, "name": building_name, "floors": None})
        unit_id = units.get((building_id, unit_name))
        if unit_id is None:
            unit_id = units[(building_id, unit_name)] = uuid7()
            plan.units.append({**base, "id": unit_id, "building_id": building_id, "name": unit_name})
        known = registered.rooms.get((unit_id, number))
        if known is None:
            room_id = uuid7()
            plan.rooms.append(
                {
                    **base,
                    "id": room_id,
                    "unit_id": unit_id,
                    "number": number,
                    "floor": room.floor,
                    "exclusive_area": room.exclusive_area,
                    "building_area": room.building_area,
                    "developer_held": bool(room.developer_held),
                    "delivered_on": room.delivered_on,
                }
            )
        else:
            room_id = known.id
            filled = {attr: getattr(room, attr) for attr in FILLABLE if getattr(known, attr) is None and getattr(room, attr) is not None}
            if filled:
                delivered = filled.get("delivered_on", known.delivered_on)
                plan.room_updates.append(
                    {
                        "b_id": room_id,
                        "building_area": filled.get("building_area", known.building_area),
                        "delivered_on": delivered,
                        "developer_held": known.developer_held and delivered is None,
                    }
                )
        newcomers = [(identity, row) for identity, row in room.residents.items() if identity not in room.registered]
        household = registered.households.get(room_id)
        household_id = household[0] if household else None
        if household_id is None and (newcomers or room.moved_in_on is not None):
            household_id = uuid7()
            plan.households.append({**base, "id": household_id, "room_id": room_id, "moved_in_on": room.moved_in_on})
        for identity, row in newcomers:
            plan.residents.append(
                {
                    **base,
                    "id": uuid7(),
                    "household_id": household_id,
                    "user_id": None,
                    "name": row.name,
                    "role": row.role,
                    **seal_phone(row.phone),
                    "id_card_cipher": encrypt_pii(row.id_card) if row.id_card else None,
                    "id_card_index": identity[1] if identity[0] == "id" else None,
                }
            )


# --------------------------------------------------------------------------- importing


def _assert_in_scope(session: AsyncSession, compound_id: uuid.UUID) -> None:
    """Core inserts bypass the session's flush-time scope check, so the import checks it itself."""
    if not session_scope(session).allows(compound_id):
        raise ScopeViolation(f"compound {compound_id} is outside this session's scope")


async def import_housing(
    session: AsyncSession, compound_id: uuid.UUID, source: bytes | str | os.PathLike[str], progress: Progress | None = None
) -> ImportResult:
    """Import a ledger (its bytes, or a file's path) into a compound: all rows or, when any row is wrong, none (``result.errors``).

    The caller's transaction holds the writes, one audit entry and one
    ``tenants.housing.imported`` event; it commits or rolls back.
    """
    _assert_in_scope(session, compound_id)
    if await session.get(Compound, compound_id) is None:
        raise not_found("compound")
    content = source if isinstance(source, bytes) else pathlib.Path(source).read_bytes()
    # parsing and encryption are CPU work: off the event loop, so a server keeps answering meanwhile
    sheet = await asyncio.to_thread(read_sheet, content, progress)
    registered = await load_registered(session, compound_id)
    today = now().astimezone(zoneinfo.ZoneInfo(await compound_zone(session, compound_id))).date()
    plan = await asyncio.to_thread(plan_import, sheet, registered, compound_id, today)
    result = ImportResult(rows=len(sheet.rows), existing_residents=plan.existing_residents, errors=plan.errors)
    if plan.errors:
        return result
    total = sum(len(rows) for _, rows in plan.tables())
    done = 0
    if progress:
        progress("write", done, total)
    for table, rows in plan.tables():
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            await session.execute(insert(table), chunk)
            done += len(chunk)
            if progress:
                progress("write", done, total)
    result.buildings, result.units, result.rooms, result.households, result.residents = (len(rows) for _, rows in plan.tables())
    if plan.room_updates:  # one executemany, however many rooms
        rooms = Room.__table__
        await session.execute(
            update(rooms).where(rooms.c.compound_id == compound_id, rooms.c.id == bindparam("b_id")).values(updated_at=now()),
            plan.room_updates,
        )
    result.rooms_updated = len(plan.room_updates)
    # the bulk inserts bypass the ORM and so its automatic audit: one entry names the file and what it created
    summary = {
        "rows": result.rows,
        "buildings": result.buildings,
        "units": result.units,
        "rooms": result.rooms,
        "households": result.households,
        "residents": result.residents,
        "existing_residents": result.existing_residents,
        "rooms_updated": result.rooms_updated,
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    import_id = str(uuid7())
    record(session, "import", "housing_import", import_id, after=summary, compound_id=compound_id)
    emit(session, "tenants.housing.imported", {"import_id": import_id, **summary}, compound_id=compound_id)
    return result


# --------------------------------------------------------------------------- error reports


def error_report_workbook(errors: Iterable[RowError]) -> bytes:
    """The errors of a refused import as a workbook: 行 (row), 列 (column), 问题 (problem)."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("导入错误")
    for letter, width in (("A", 8), ("B", 16), ("C", 90)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append([_bold(ws, h) for h in ("行", "列", "问题")])
    for e in errors:
        ws.append(safe_row([e.row, e.column, e.message]))
    return _save(workbook)


ERRORS_IN_BODY = 100
"""A refusal's JSON lists the first errors; the report workbook lists them all."""


def refusal(errors: list[RowError], report_url: str) -> Problem:
    """The 422 problem answering a refused import, pointing at its error report."""
    return Problem(
        422,
        "import-invalid",
        "Import refused",
        f"{len(errors)} error(s) in the file; nothing was imported. The error report lists every one.",
        errors=[msgspec.structs.asdict(e) for e in errors[:ERRORS_IN_BODY]],
        error_count=len(errors),
        report_url=report_url,
    )


async def store_error_report(
    session: AsyncSession, compound_id: uuid.UUID, errors: list[RowError], *, tenant_id: uuid.UUID | None, user_id: uuid.UUID | None
) -> ImportReport:
    """Keep a refused import's report for download (for :data:`REPORT_TTL`); expired reports of the compound go."""
    moment = now()
    await session.execute(delete(ImportReport).where(ImportReport.compound_id == compound_id, ImportReport.expires_at <= moment))
    report = ImportReport(
        id=uuid7(),
        compound_id=compound_id,
        tenant_id=tenant_id,
        user_id=user_id,
        filename=f"import-errors-{moment:%Y%m%d-%H%M%S}.xlsx",
        error_count=len(errors),
        content=error_report_workbook(errors),
        expires_at=moment + REPORT_TTL,
    )
    session.add(report)
    await session.flush()
    return report


async def error_report(session: AsyncSession, compound_id: uuid.UUID, report_id: uuid.UUID, tenant_id: uuid.UUID | None) -> ImportReport:
    """A stored report, for the tenant that uploaded the file; 404 for anyone else and once expired."""
    report = await session.get(ImportReport, (compound_id, report_id))
    if report is None or report.tenant_id != tenant_id or report.expires_at <= now():
        raise not_found("import report")
    return report


# --------------------------------------------------------------------------- template and export


def _bold(ws, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="F2DCDB")
    cell.alignment = Alignment(horizontal="center")
    return cell


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ledger_workbook(rows: Iterable[list[Any]]) -> bytes:
    """The ledger sheet (headers, formats, drop-downs, then ``rows``) and a sheet of instructions."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(COLUMNS, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            dimension.number_format = "@"
    ws.freeze_panes = "A2"
    for key, choices in (("role", ROLE_LABELS.values()), ("developer_held", ("是", "否"))):
        letter = get_column_letter(list(COLUMN_BY_KEY).index(key) + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        validation.add(f"{letter}2:{letter}1048576")
        ws.data_validations.append(validation)
    ws.append([_bold(ws, c.header) for c in COLUMNS])
    for row in rows:
        ws.append(safe_row(row))
    guide = workbook.create_sheet("填写说明")
    for letter, width in (("A", 14), ("B", 16), ("C", 8), ("D", 60)):
        guide.column_dimensions[letter].width = width
    guide.append([_bold(guide, h) for h in ("列", "英文列名", "必有列", "填写要求")])
    for column in COLUMNS:
        guide.append([column.header, column.key, "是" if column.required else "否", column.hint])
    guide.append([])
    guide.append(["每行一名住户；尚无住户的房屋占一行，姓名等留空。楼栋、单元、房屋、住户不存在时创建，已登记的沿用。"])
    guide.append(["导入先检查全部行：任何一行有错则整个文件不导入，并给出错误报告（行、列、问题）。"])
    return _save(workbook)


def template_workbook() -> bytes:
    """The empty ledger a property company fills in (导入模板)."""
    return _ledger_workbook([])


def _natural(text: str) -> tuple:
    """``2号楼`` before ``10号楼``: digit runs compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


ROLE_ORDER = {role: i for i, role in enumerate(RESIDENT_ROLES)}


async def export_workbook(session: AsyncSession, compound_id: uuid.UUID, show_pii: bool) -> bytes:
    """The compound's ledger in the template's layout; phone and ID card masked unless ``show_pii``.

    An export with full personal data imports again as it is (into another
    compound, or here, where every row is recognised as already registered).
    """
    if await session.get(Compound, compound_id) is None:
        raise not_found("compound")
    rows = (
        await session.execute(
            select(
                Building.name,
                Unit.name,
                Room.number,
                Room.floor,
                Room.exclusive_area,
                Room.building_area,
                Room.developer_held,
                Room.delivered_on,
                Household.moved_in_on,
                Resident,
            )
            .select_from(Room)
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
            .outerjoin(Household, (Household.compound_id == Room.compound_id) & (Household.room_id == Room.id))
            .outerjoin(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
            .where(Room.compound_id == compound_id)
        )
    ).all()
    rows.sort(
        key=lambda r: (
            _natural(r[0]),
            _natural(r[1]),
            _natural(r[2]),
            ROLE_ORDER.get(r[-1].role, 9) if r[-1] else -1,
            r[-1].name if r[-1] else "",
        )
    )

    def line(r: tuple) -> list[Any]:
        building, unit, number, floor, area, building_area, held, delivered_on, moved_in_on, resident = r
        person = resident_out(resident, show_pii=show_pii) if resident is not None else None
        values = {
            "building": building,
            "unit": unit,
            "room": number,
            "floor": floor,
            "exclusive_area": area,
            "building_area": building_area,
            "developer_held": "是" if held else "否",
            "delivered_on": delivered_on,
            "name": person.name if person else None,
            "role": ROLE_LABELS.get(person.role, person.role) if person else None,
            "phone": person.phone if person else None,
            "id_card": person.id_card if person else None,
            "moved_in_on": moved_in_on,
        }
        return [values[c.key] for c in COLUMNS]

    return await asyncio.to_thread(_ledger_workbook, map(line, rows))
