"""Property fees (物业费): fee items, bills per room and period, payments, receipts, arrears and reminders.

Prices are yuan with up to four decimals (``1.8500`` per m² per month); bills
and payments are integer fen, each line rounded half up. A payment repeated
with the same ``Idempotency-Key`` returns the payment already recorded. The
platform never moves money: staff record cash and transfers, residents start a
charge through a payment provider (``redprop_payment_providers``); the
``offline`` provider shipped here gives the resident a reference to pay at the
service centre or by transfer, and staff confirm it when the money arrives.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_today
from core.clock import now
from core.db import serialise
from core.ids import uuid7
from core.notifications.services import notify
from core.payments import Charge, ChargeStarted, PaymentProvider
from core.problems import Problem, conflict, invalid, not_found
from plugins.co_building.models.fees import Bill, BillLine, FeeItem, FeeTerms, MeterReading, Payment
from plugins.co_building.schemas import fees as s
from plugins.co_building.services.common import one_in_compound, resident_rooms
from tenants.models import Building, Household, Resident, Room, Unit

PRICE_PLACES = Decimal("0.0001")
MAX_PRICE = Decimal("100000")
REMIND_AGAIN_AFTER = dt.timedelta(days=7)


class OfflineProvider:
    """Pay at the service centre or by bank transfer quoting the reference; staff confirm when the money arrives."""

    name = "offline"
    label_zh = "线下缴费（服务中心/银行转账）"
    label_en = "Offline (service centre or bank transfer)"

    async def start(self, charge: Charge) -> ChargeStarted:
        return ChargeStarted(
            status="pending",
            provider_reference=charge.reference,
            instructions=f"请持缴费码 {charge.reference} 到物业服务中心缴费，或银行转账时在附言中注明该缴费码。Quote {charge.reference} at the service centre or in the transfer's remark.",
        )


PROVIDERS: list[PaymentProvider] = [OfflineProvider()]


# --------------------------------------------------------------------------- fee items


def _price(value: Decimal, field: str = "unit_price") -> Decimal:
    try:
        price = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise invalid(field, "not a number") from exc
    if not price.is_finite() or price <= 0:
        raise invalid(field, "must be more than zero")
    if price > MAX_PRICE:
        raise invalid(field, f"must not exceed {MAX_PRICE}")
    if price != price.quantize(PRICE_PLACES):
        raise invalid(field, "at most four decimal places")
    return price


def to_fen(yuan: Decimal) -> int:
    """Yuan to fen, rounded half up (the way a receipt is rounded)."""
    return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def create_fee_item(session: AsyncSession, compound_id: uuid.UUID, data: s.FeeItemIn) -> FeeItem:
    price = _price(data.unit_price)
    if await session.scalar(select(FeeItem.id).where(FeeItem.compound_id == compound_id, FeeItem.name == data.name.strip())):
        raise invalid("name", "the compound already has a fee item of this name")
    item = FeeItem(
        compound_id=compound_id,
        name=data.name.strip(),
        kind=data.kind,
        unit_price=price,
        unit=data.unit or {"area": "元/㎡·月", "fixed": "元/户·月", "metered": ""}[data.kind],
        due_days=data.due_days,
        active=data.active,
        area_basis=data.area_basis,
    )
    session.add(item)
    await session.flush()
    return item


async def update_fee_item(session: AsyncSession, compound_id: uuid.UUID, item_id: uuid.UUID, data: s.FeeItemIn) -> FeeItem:
    item = await session.scalar(select(FeeItem).where(FeeItem.compound_id == compound_id, FeeItem.id == item_id))
    if item is None:
        raise not_found("fee item")
    price = _price(data.unit_price)
    if data.kind != item.kind:
        raise invalid("kind", "the kind of a fee item does not change; create a new item")
    clash = await session.scalar(
        select(FeeItem.id).where(FeeItem.compound_id == compound_id, FeeItem.name == data.name.strip(), FeeItem.id != item_id)
    )
    if clash:
        raise invalid("name", "the compound already has a fee item of this name")
    if price != item.unit_price and await _billed(session, compound_id, item_id):
        # a fee standard in use changes through a fee change the community party organisation reviews (前置把关)
        raise Problem(
            409,
            "pre-review-required",
            "Pre-review required",
            "unit_price: this fee standard is in use; propose a fee change (POST …/fee-changes) for the party organisation's pre-review",
            title_zh="需要前置把关",
            detail_zh="该收费标准已在计费，调价须经社区党组织前置把关：请提出调价申请",
            matter="change_fee_standard",
            field="unit_price",
        )
    item.name, item.unit_price, item.unit, item.due_days, item.active, item.area_basis = (
        data.name.strip(),
        price,
        data.unit or item.unit,
        data.due_days,
        data.active,
        data.area_basis,
    )
    await session.flush()
    return item


async def _billed(session: AsyncSession, compound_id: uuid.UUID, item_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(select(BillLine.id).where(BillLine.compound_id == compound_id, BillLine.fee_item_id == item_id).limit(1))
    )


def fee_item_out(item: FeeItem) -> s.FeeItemOut:
    return s.FeeItemOut(
        id=item.id,
        name=item.name,
        kind=item.kind,
        unit_price=item.unit_price,
        unit=item.unit,
        due_days=item.due_days,
        active=item.active,
        area_basis=item.area_basis,
    )


async def record_reading(session: AsyncSession, compound_id: uuid.UUID, data: s.MeterReadingIn) -> MeterReading:
    item = await session.scalar(select(FeeItem).where(FeeItem.compound_id == compound_id, FeeItem.id == data.fee_item_id))
    if item is None or item.kind != "metered":
        raise invalid("fee_item_id", "no metered fee item of that id in this compound")
    if not await session.scalar(select(Room.id).where(Room.compound_id == compound_id, Room.id == data.room_id)):
        raise invalid("room_id", "no such room in this compound")
    if not data.quantity.is_finite() or data.quantity < 0:
        raise invalid("quantity", "must not be negative")
    if await session.scalar(
        select(Bill.id).where(Bill.compound_id == compound_id, Bill.room_id == data.room_id, Bill.period == data.period)
    ):
        raise conflict("the room's bill for this period is already issued")
    row = await session.scalar(
        select(MeterReading).where(
            MeterReading.compound_id == compound_id,
            MeterReading.fee_item_id == data.fee_item_id,
            MeterReading.room_id == data.room_id,
            MeterReading.period == data.period,
        )
    )
    if row is None:
        row = MeterReading(
            compound_id=compound_id, fee_item_id=data.fee_item_id, room_id=data.room_id, period=data.period, quantity=data.quantity
        )
        session.add(row)
    row.quantity = data.quantity
    await session.flush()
    return row


# --------------------------------------------------------------------------- bills


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str) -> dt.date:
    year, month = period.split("-")
    return dt.date(int(year), int(month), 1)


EARLIEST_PERIOD = "2000-01"
MONTHS_AHEAD = 12
"""Bills may be issued at most a year ahead: a period like 9999-12 overflowed the due date (a 500)."""


async def check_period(session: AsyncSession, compound_id: uuid.UUID, period: str) -> None:
    """Refuse a period before :data:`EARLIEST_PERIOD` or more than :data:`MONTHS_AHEAD` months after the compound's
    current month (a 422 naming ``period``)."""
    today = await compound_today(session, compound_id)
    latest = _months_back(today, -MONTHS_AHEAD)
    if not EARLIEST_PERIOD <= period <= latest:
        raise invalid("period", f"must be between {EARLIEST_PERIOD} and {latest}")


async def generate_bills(session: AsyncSession, compound_id: uuid.UUID, period: str, *, tell: bool = True) -> s.GenerateBillsOut:
    """One bill per room for ``period`` from the active fee items; rooms already billed are skipped (idempotent).

    The owners with an account hear of each new bill with something to pay (``tell``; the demo's back months do not).
    """
    await check_period(session, compound_id, period)
    items = (
        await session.scalars(select(FeeItem).where(FeeItem.compound_id == compound_id, FeeItem.active.is_(True)).order_by(FeeItem.name))
    ).all()
    rooms = (
        await session.execute(
            select(Room.id, Room.exclusive_area, Room.building_area).where(Room.compound_id == compound_id).order_by(Room.id)
        )
    ).all()
    billed = set((await session.scalars(select(Bill.room_id).where(Bill.compound_id == compound_id, Bill.period == period))).all())
    readings = {
        (r.fee_item_id, r.room_id): r.quantity
        for r in (
            await session.scalars(select(MeterReading).where(MeterReading.compound_id == compound_id, MeterReading.period == period))
        ).all()
    }
    if not items:
        return s.GenerateBillsOut(period=period, created=0, skipped=len(rooms))
    if any(i.kind == "area" and i.area_basis == "building" for i in items):
        missing = sum(1 for r in rooms if r.id not in billed and r.building_area is None)
        if missing:
            raise conflict(
                f"{missing} rooms have no building area (建筑面积) and a fee item charges on it; import it with the housing ledger first"
            )
    due_days = max(i.due_days for i in items)
    due_on = first_day(period) + dt.timedelta(days=due_days)
    created = 0
    bills, lines = [], []
    for room in rooms:
        if room.id in billed:
            continue
        bill_id = uuid7()
        total = 0
        for item in items:
            if item.kind == "area":
                quantity = room.building_area if item.area_basis == "building" else room.exclusive_area
                label = "建筑面积" if item.area_basis == "building" else "专有面积"
                description = f"{item.name} {label} {quantity}㎡ × {item.unit_price}"
            elif item.kind == "fixed":
                quantity, description = Decimal(1), item.name
            else:
                quantity = readings.get((item.id, room.id))
                if quantity is None:
                    continue
                description = f"{item.name} {quantity}{item.unit} × {item.unit_price}"
            amount = to_fen(quantity * item.unit_price)
            total += amount
            lines.append(
                BillLine(
                    compound_id=compound_id,
                    bill_id=bill_id,
                    fee_item_id=item.id,
                    description=description[:200],
                    quantity=quantity,
                    unit_price=item.unit_price,
                    amount_fen=amount,
                )
            )
        bills.append(
            Bill(
                id=bill_id,
                compound_id=compound_id,
                room_id=room.id,
                period=period,
                amount_fen=total,
                paid_fen=0,
                status="paid" if total == 0 else "unpaid",
                due_on=due_on,
                issued_at=now(),
            )
        )
        created += 1
    session.add_all(bills)
    await session.flush()  # bills before their lines (composite foreign keys, no relationship() to order them)
    session.add_all(lines)
    await session.flush()
    if tell:
        await _tell_new_bills(session, compound_id, [b for b in bills if b.amount_fen > 0])
    return s.GenerateBillsOut(period=period, created=created, skipped=len(rooms) - created)


async def _room_owners(session: AsyncSession, compound_id: uuid.UUID, room_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """The owners with an account, per room (one query)."""
    people: dict[uuid.UUID, set[uuid.UUID]] = {}
    if not room_ids:
        return people
    rows = await session.execute(
        select(Household.room_id, Resident.user_id)
        .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
        .where(
            Household.compound_id == compound_id,
            Household.room_id.in_(room_ids),
            Resident.role == "owner",
            Resident.user_id.is_not(None),
        )
    )
    for room_id, user_id in rows:
        people.setdefault(room_id, set()).add(user_id)
    return people


async def _tell_new_bills(session: AsyncSession, compound_id: uuid.UUID, bills: list[Bill]) -> None:
    """A new bill goes to its room's owners' inboxes (the unread count in the portal's header)."""
    people = await _room_owners(session, compound_id, [b.room_id for b in bills])
    for bill in bills:
        users = sorted(people.get(bill.room_id, set()))
        if users:
            await notify(
                session,
                users,
                "co_building.bill.issued",
                f"物业费账单：{bill.period} 应缴 ¥{Decimal(bill.amount_fen) / 100:.2f}",
                f"请于 {bill.due_on} 前缴纳。",
                link=f"/portal/compounds/{compound_id}/co_building/fees/bills/{bill.id}",
                compound_id=compound_id,
            )


async def generate_due_bills(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> int:
    """The monthly job: this month's bills for every compound with fee items (from the 1st; idempotent)."""
    period = period_of(today)
    created = 0
    for compound_id in compound_ids:
        try:
            async with session.begin_nested():
                created += (await generate_bills(session, compound_id, period)).created
        except IntegrityError:  # another worker issued the same bills
            continue
    return created


def outstanding(bill: Bill) -> int:
    return bill.amount_fen - bill.paid_fen


async def bills_out(session: AsyncSession, compound_id: uuid.UUID, bills: list[Bill], *, with_lines: bool = False) -> list[s.BillOut]:
    from plugins.co_building.services.requests import room_labels

    labels = await room_labels(session, compound_id, {b.room_id for b in bills})
    lines: dict[uuid.UUID, list[BillLine]] = {}
    if with_lines and bills:
        for line in (
            await session.scalars(
                select(BillLine)
                .where(BillLine.compound_id == compound_id, BillLine.bill_id.in_([b.id for b in bills]))
                .order_by(BillLine.description)
            )
        ).all():
            lines.setdefault(line.bill_id, []).append(line)
    today = now().date()
    terms = await fee_terms(session, compound_id)
    return [
        _with_late_fee(
            s.BillOut(
                id=b.id,
                room_id=b.room_id,
                room_label=labels.get(b.room_id, ""),
                period=b.period,
                amount_fen=b.amount_fen,
                paid_fen=b.paid_fen,
                outstanding_fen=outstanding(b),
                status=b.status,
                due_on=b.due_on,
                overdue=outstanding(b) > 0 and b.due_on < today,
                reminder_count=b.reminder_count,
                lines=[
                    s.BillLineOut(description=ln.description, quantity=ln.quantity, unit_price=ln.unit_price, amount_fen=ln.amount_fen)
                    for ln in lines.get(b.id, [])
                ],
            ),
            b,
            terms,
            today,
        )
        for b in bills
    ]


# --------------------------------------------------------------------------- late fees (滞纳金)

MAX_DAILY_RATE = Decimal("0.01")


async def fee_terms(session: AsyncSession, compound_id: uuid.UUID) -> FeeTerms | None:
    return await session.scalar(select(FeeTerms).where(FeeTerms.compound_id == compound_id))


def late_fee(outstanding_fen: int, due_on: dt.date, today: dt.date, terms: FeeTerms | None) -> tuple[int, int]:
    """(late fee in fen, days counted): the outstanding amount × the daily rate × the days overdue (from the day after
    the due date, after any grace days), rounded half up to whole fen once, and at most the cap (the cap rate × the
    outstanding amount, rounded the same way)."""
    if terms is None or outstanding_fen <= 0:
        return 0, 0
    days = (today - due_on).days - terms.grace_days
    if days <= 0:
        return 0, 0
    fee = to_fen(Decimal(outstanding_fen) / 100 * terms.late_fee_daily_rate * days)
    cap = to_fen(Decimal(outstanding_fen) / 100 * terms.late_fee_cap_rate)
    return min(fee, cap), days


def _with_late_fee(out: s.BillOut, bill: Bill, terms: FeeTerms | None, today: dt.date) -> s.BillOut:
    out.late_fee_fen, out.late_fee_days = late_fee(outstanding(bill), bill.due_on, today, terms)
    return out


def terms_out(terms: FeeTerms | None) -> s.FeeTermsOut:
    if terms is None:
        return s.FeeTermsOut(late_fee_daily_rate=None, late_fee_cap_rate=None, grace_days=0, contract_clause="", rule="无滞纳金约定")
    return s.FeeTermsOut(
        late_fee_daily_rate=terms.late_fee_daily_rate,
        late_fee_cap_rate=terms.late_fee_cap_rate,
        grace_days=terms.grace_days,
        contract_clause=terms.contract_clause,
        rule=(
            f"逾期（宽限 {terms.grace_days} 日后）按欠费金额每日 {terms.late_fee_daily_rate} 计收滞纳金，"
            f"以欠费金额的 {terms.late_fee_cap_rate} 为上限，按分四舍五入"
        ),
    )


async def set_fee_terms(session: AsyncSession, compound_id: uuid.UUID, data: s.FeeTermsIn) -> FeeTerms:
    """The late-fee terms of the compound's property service contract."""
    for field, value, most in (
        ("late_fee_daily_rate", data.late_fee_daily_rate, MAX_DAILY_RATE),
        ("late_fee_cap_rate", data.late_fee_cap_rate, Decimal(1)),
    ):
        if not value.is_finite() or value <= 0:
            raise invalid(field, "must be more than zero")
        if value > most:
            raise invalid(field, f"must not exceed {most}")
    if data.late_fee_daily_rate != data.late_fee_daily_rate.quantize(Decimal("0.000001")):
        raise invalid("late_fee_daily_rate", "at most six decimal places")
    if data.late_fee_cap_rate != data.late_fee_cap_rate.quantize(Decimal("0.0001")):
        raise invalid("late_fee_cap_rate", "at most four decimal places")
    terms = await fee_terms(session, compound_id)
    if terms is None:
        terms = FeeTerms(compound_id=compound_id)
        session.add(terms)
    terms.late_fee_daily_rate, terms.late_fee_cap_rate, terms.grace_days, terms.contract_clause = (
        data.late_fee_daily_rate,
        data.late_fee_cap_rate,
        data.grace_days,
        data.contract_clause.strip(),
    )
    await session.flush()
    return terms


def arrears_query(compound_id: uuid.UUID, today: dt.date):
    return (
        select(Building.name, func.count(func.distinct(Bill.room_id)), func.count(Bill.id), func.sum(Bill.amount_fen - Bill.paid_fen))
        .select_from(Bill)
        .join(Room, (Room.compound_id == Bill.compound_id) & (Room.id == Bill.room_id))
        .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
        .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
        .where(Bill.compound_id == compound_id, Bill.status != "paid", Bill.due_on < today)
        .group_by(Building.name)
        .order_by(Building.name)
    )


def arrears_rows(rows) -> list[s.ArrearsRow]:
    return [
        s.ArrearsRow(building=name, rooms_owing=rooms, bills=bills, outstanding_fen=int(total or 0)) for name, rooms, bills, total in rows
    ]


def bills_query(
    compound_id: uuid.UUID,
    *,
    status: str | None = None,
    period: str | None = None,
    room_ids: set[uuid.UUID] | None = None,
    building_id: uuid.UUID | None = None,
):
    stmt = select(Bill).where(Bill.compound_id == compound_id)
    if status == "owing":
        stmt = stmt.where(Bill.status != "paid")
    elif status:
        stmt = stmt.where(Bill.status == status)
    if period:
        stmt = stmt.where(Bill.period == period)
    if room_ids is not None:
        stmt = stmt.where(Bill.room_id.in_(list(room_ids) or [uuid.UUID(int=0)]))
    if building_id is not None:
        stmt = (
            stmt.join(Room, (Room.compound_id == Bill.compound_id) & (Room.id == Bill.room_id))
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .where(Unit.building_id == building_id)
        )
    return stmt.order_by(Bill.period.desc(), Bill.room_id)


async def get_bill(session: AsyncSession, compound_id: uuid.UUID, bill_id: uuid.UUID, *, for_update: bool = False) -> Bill:
    return await one_in_compound(session, Bill, compound_id, bill_id, "bill", for_update=for_update)


# --------------------------------------------------------------------------- payments


async def _receipt_no(session: AsyncSession, compound_id: uuid.UUID, moment: dt.datetime) -> str:
    prefix = f"R{moment:%Y%m%d}"
    await serialise(session, "co_building.receipt_no", compound_id)  # concurrent payments count one after the other
    count = await session.scalar(
        select(func.count()).select_from(Payment).where(Payment.compound_id == compound_id, Payment.receipt_no.like(f"{prefix}%"))
    )
    return f"{prefix}{(count or 0) + 1:05d}"


def _apply(bill: Bill, amount: int) -> None:
    bill.paid_fen += amount
    bill.status = "paid" if bill.paid_fen >= bill.amount_fen else "partial"


async def _replay(session: AsyncSession, compound_id: uuid.UUID, key: str | None, bill_id: uuid.UUID, amount: int) -> Payment | None:
    """The payment already recorded under ``key``; the same key for a different payment is a conflict."""
    if not key:
        return None
    found = await session.scalar(select(Payment).where(Payment.compound_id == compound_id, Payment.idempotency_key == key))
    if found is not None and (found.bill_id != bill_id or found.amount_fen != amount):
        raise conflict("this Idempotency-Key was used for a different payment", idempotency_key=key)
    return found


async def record_payment(
    session: AsyncSession,
    compound_id: uuid.UUID,
    bill_id: uuid.UUID,
    data: s.PaymentIn,
    *,
    user_id: uuid.UUID,
    staff: bool,
    idempotency_key: str | None,
    providers: dict[str, PaymentProvider],
) -> tuple[Payment, str]:
    """Record money against a bill (staff: cash or transfer) or start a provider charge (resident or staff).

    Returns the payment and the provider's instructions. A repeat with the same key returns the first payment.
    """
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 100):
        raise invalid("Idempotency-Key", "between 1 and 100 characters")
    if data.amount_fen <= 0:
        raise invalid("amount_fen", "must be more than zero")
    replay = await _replay(session, compound_id, idempotency_key, bill_id, data.amount_fen)
    if replay is not None:
        return replay, ""
    bill = await get_bill(session, compound_id, bill_id, for_update=True)
    if not staff and bill.room_id not in await resident_rooms(session, compound_id, user_id):
        raise not_found("bill")
    pending = (
        await session.scalar(
            select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
                Payment.compound_id == compound_id, Payment.bill_id == bill_id, Payment.status == "pending"
            )
        )
        or 0
    )
    if data.amount_fen > outstanding(bill) - pending:
        raise invalid("amount_fen", "must not exceed the amount still owed")  # the page shows what is owed
    moment = now()
    payment = Payment(
        id=uuid7(),
        compound_id=compound_id,
        bill_id=bill_id,
        amount_fen=data.amount_fen,
        method=data.method,
        idempotency_key=idempotency_key,
        recorded_by_user_id=user_id,
        note=data.note,
    )
    instructions = ""
    if data.method in {"cash", "transfer"}:
        if not staff:
            raise invalid("method", "residents pay through a payment provider")
        if data.provider:
            raise invalid("provider", f"{data.method} takes no provider")
        payment.status, payment.paid_at = "succeeded", moment
        payment.provider_reference = data.reference
        payment.receipt_no = await _receipt_no(session, compound_id, moment)
        _apply(bill, data.amount_fen)
    else:
        provider = providers.get(data.provider or "")
        if provider is None:
            raise invalid("provider", f"unknown payment provider; available: {', '.join(sorted(providers)) or 'none'}")
        payment.provider = provider.name
        reference = f"P{moment:%y%m%d}{str(payment.id.int)[-6:]}"
        started = await provider.start(Charge(compound_id, bill_id, payment.id, data.amount_fen, reference, f"{bill.period} 物业费"))
        payment.provider_reference, instructions = started.provider_reference, started.instructions
        if started.status == "succeeded":
            payment.status, payment.paid_at = "succeeded", moment
            payment.receipt_no = await _receipt_no(session, compound_id, moment)
            _apply(bill, data.amount_fen)
        else:
            payment.status = "pending"
    session.add(payment)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # the same key at the same moment from another request
        again = await _replay(session, compound_id, idempotency_key, bill_id, data.amount_fen)
        if again is None:
            raise
        return again, ""
    return payment, instructions


async def confirm_payment(session: AsyncSession, compound_id: uuid.UUID, payment_id: uuid.UUID, *, user_id: uuid.UUID) -> Payment:
    """Staff confirm a pending (offline) payment: the money arrived; the bill is credited and a receipt issued."""
    payment = await one_in_compound(session, Payment, compound_id, payment_id, "payment", for_update=True)
    if payment.status != "pending":
        raise Problem(
            409,
            "illegal-transition",
            "Illegal state transition",
            f"the payment is {payment.status}; only a pending payment is confirmed",
            state=payment.status,
            allowed=[],
        )
    bill = await get_bill(session, compound_id, payment.bill_id, for_update=True)
    if payment.amount_fen > outstanding(bill):
        raise conflict("the bill has been paid meanwhile; cancel this payment instead")
    moment = now()
    payment.status, payment.paid_at, payment.receipt_no = "succeeded", moment, await _receipt_no(session, compound_id, moment)
    payment.recorded_by_user_id = user_id
    _apply(bill, payment.amount_fen)
    await session.flush()
    return payment


async def cancel_payment(session: AsyncSession, compound_id: uuid.UUID, payment_id: uuid.UUID) -> Payment:
    payment = await one_in_compound(session, Payment, compound_id, payment_id, "payment", for_update=True)
    if payment.status != "pending":
        raise Problem(
            409,
            "illegal-transition",
            "Illegal state transition",
            f"the payment is {payment.status}; only a pending payment is cancelled",
            state=payment.status,
            allowed=[],
        )
    payment.status = "cancelled"
    await session.flush()
    return payment


def payment_out(payment: Payment, instructions: str = "") -> s.PaymentOut:
    return s.PaymentOut(
        id=payment.id,
        bill_id=payment.bill_id,
        amount_fen=payment.amount_fen,
        method=payment.method,
        provider=payment.provider,
        provider_reference=payment.provider_reference,
        status=payment.status,
        receipt_no=payment.receipt_no,
        paid_at=payment.paid_at,
        instructions=instructions,
    )


# --------------------------------------------------------------------------- arrears and reminders


async def arrears(session: AsyncSession, compound_id: uuid.UUID) -> list[s.ArrearsRow]:
    """Overdue money per building (欠费): rooms owing, bills and the amount outstanding."""
    return arrears_rows((await session.execute(arrears_query(compound_id, now().date()))).all())


async def send_reminders(session: AsyncSession, compound_id: uuid.UUID, bill_ids: list[uuid.UUID] | None = None) -> s.ReminderOut:
    """Remind the owners of overdue bills (催缴), at most once a week per bill."""
    moment = now()
    stmt = select(Bill).where(Bill.compound_id == compound_id, Bill.status != "paid", Bill.due_on < moment.date())
    if bill_ids:
        stmt = stmt.where(Bill.id.in_(bill_ids))
    bills = [b for b in (await session.scalars(stmt)).all() if b.reminded_at is None or moment - b.reminded_at >= REMIND_AGAIN_AFTER]
    people: dict[uuid.UUID, set[uuid.UUID]] = {}
    if bills:
        rows = await session.execute(
            select(Household.room_id, Resident.user_id)
            .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
            .where(
                Household.compound_id == compound_id,
                Household.room_id.in_([b.room_id for b in bills]),
                Resident.role == "owner",
                Resident.user_id.is_not(None),
            )
        )
        for room_id, user_id in rows:
            people.setdefault(room_id, set()).add(user_id)
    notified = 0
    for bill in bills:
        bill.reminded_at, bill.reminder_count = moment, bill.reminder_count + 1
        users = sorted(people.get(bill.room_id, set()))
        if users:
            await notify(
                session,
                users,
                "co_building.fee.reminder",
                f"物业费缴费提醒：{bill.period} 待缴 ¥{Decimal(outstanding(bill)) / 100:.2f}",
                f"请于 {bill.due_on} 前缴纳（已逾期）。",
                link=f"/portal/compounds/{compound_id}/co_building/fees",
                compound_id=compound_id,
            )
            notified += len(users)
    await session.flush()
    return s.ReminderOut(bills=len(bills), notified=notified)


async def collection_rate(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Fee collection rate (收缴率) of bills due in [start, end): paid over billed, in percent."""
    row = (
        await session.execute(
            select(func.sum(Bill.amount_fen), func.sum(Bill.paid_fen)).where(
                Bill.compound_id == compound_id, Bill.due_on >= start, Bill.due_on < end
            )
        )
    ).first()
    billed, paid = row or (None, None)
    if not billed:
        return None
    return (Decimal(int(paid or 0)) * 100 / Decimal(int(billed))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def demo_fee_items(compound_id: uuid.UUID) -> list[FeeItem]:
    return [
        FeeItem(
            id=uuid7(), compound_id=compound_id, name="物业服务费", kind="area", unit_price=Decimal("1.8500"), unit="元/㎡·月", due_days=30
        ),
        FeeItem(
            id=uuid7(),
            compound_id=compound_id,
            name="生活垃圾清运费",
            kind="fixed",
            unit_price=Decimal("10.0000"),
            unit="元/户·月",
            due_days=30,
        ),
    ]


# --------------------------------------------------------------------------- demo


def demo_rows(seed) -> None:
    for key in ("A1", "A2"):
        seed.add(*demo_fee_items(seed.city.compounds[key]))
    seed.then(_demo_bills)


def _months_back(day: dt.date, n: int) -> str:
    """The period ``n`` months before ``day``'s (after it, for a negative ``n``)."""
    index = day.year * 12 + day.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def _demo_bills(session: AsyncSession, city) -> None:
    """Three months of bills in A1 and A2: the oldest nearly all paid, the last mostly open, one offline payment pending."""
    today = now().date()
    staff = city.users["ent-a-staff"]
    for key in ("A1", "A2"):
        compound_id = city.compounds[key]
        for back, share in ((2, 0.9), (1, 0.7), (0, 0.3)):
            period = _months_back(today, back)
            await generate_bills(session, compound_id, period, tell=False)
            bills = (
                await session.scalars(select(Bill).where(Bill.compound_id == compound_id, Bill.period == period).order_by(Bill.room_id))
            ).all()
            for i, bill in enumerate(bills):
                if i >= int(len(bills) * share):
                    break
                moment = now() - dt.timedelta(days=back * 30)
                amount = bill.amount_fen if i % 5 else bill.amount_fen // 2
                session.add(
                    Payment(
                        compound_id=compound_id,
                        bill_id=bill.id,
                        amount_fen=amount,
                        method="transfer" if i % 2 else "cash",
                        status="succeeded",
                        receipt_no=f"R{moment:%Y%m%d}{back}{i:04d}",
                        recorded_by_user_id=staff,
                        paid_at=moment,
                    )
                )
                _apply(bill, amount)
    a1 = city.compounds["A1"]
    mine = sorted(await resident_rooms(session, a1, city.users["resident-a1"]))
    open_bill = await session.scalar(
        select(Bill).where(Bill.compound_id == a1, Bill.room_id.in_(mine), Bill.status != "paid").order_by(Bill.period).limit(1)
    )
    if open_bill is not None:
        session.add(
            Payment(
                compound_id=a1,
                bill_id=open_bill.id,
                amount_fen=outstanding(open_bill),
                method="provider",
                provider="offline",
                provider_reference="P-DEMO-0001",
                status="pending",
                recorded_by_user_id=city.users["resident-a1"],
            )
        )
    await session.flush()
