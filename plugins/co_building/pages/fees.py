"""co_building pages of property fees (物业费): fee items, bills, payments and arrears in the console; my bills, paying and receipts in the portal.

Pages are thin over ``services.fees``. Staff type amounts in yuan, which the
page turns into the fen the service takes. Every payment form carries a fresh
Idempotency-Key, so a double submit records the money once. The platform
never moves money: residents start a charge with a payment provider
(``offline`` gives them a reference to quote), staff confirm it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.identity.principal import Principal
from core.pagination import OffsetParam, paginate
from core.payments import collect_providers
from core.problems import Problem, invalid, not_found
from core.web.confirm import confirmation
from core.web.forms import field_errors, form_values, refuses_the_form, to_input
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, fragment, is_htmx, page, pager
from plugins.co_building.models.fees import Bill, FeeItem, Payment
from plugins.co_building.schemas import fees as s
from plugins.co_building.services import fees as services
from plugins.co_building.services.requests import room_labels
from tenants.models import Building
from tenants.services import get_compound

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building/fees"
PORTAL = "/portal/compounds/{compound_id:uuid}/co_building/fees"
IDEMPOTENCY_FIELD = "idempotency_key"
PENDING_SHOWN = 100

FEE_KINDS = {"area": N_("Per m² per month"), "fixed": N_("Per room per month"), "metered": N_("Metered")}
BILL_STATES = {"unpaid": N_("Unpaid"), "partial": N_("Partly paid"), "paid": N_("Paid"), "owing": N_("Owing (unpaid or partly paid)")}
PAYMENT_STATES = {"succeeded": N_("Received"), "pending": N_("Awaiting the money"), "cancelled": N_("Cancelled")}
AREA_BASES = {"building": N_("Building area (建筑面积)"), "exclusive": N_("Exclusive area (专有部分面积)")}
METHODS = {"cash": N_("Cash"), "transfer": N_("Bank transfer"), "provider": N_("Payment provider")}
# the services' refusals people meet on these pages, so the catalog translates them
MESSAGES = (
    N_("must be more than zero"),
    N_("must not exceed the amount still owed"),
    N_("at most four decimal places"),
    N_("the compound already has a fee item of this name"),
    N_("the kind of a fee item does not change; create a new item"),
    N_("residents pay through a payment provider"),
    N_("this Idempotency-Key was used for a different payment"),
    N_("the bill has been paid meanwhile; cancel this payment instead"),
    N_("must be an amount in yuan such as 120.50"),
    N_("at most two decimal places"),
    N_("required"),
    N_("must not exceed 0.01"),
    N_("must not exceed 1"),
    N_("at most six decimal places"),
)
MONEY_RECEIVED_SAYS = N_("The payment is credited to the bill and a receipt is issued.")
CANCEL_PAYMENT_SAYS = N_("The pending payment is cancelled; the bill stays owed.")
LABELS = {
    "provider_labels": {p.name: (p.label_zh, p.label_en) for p in services.PROVIDERS},
    "fee_kinds": FEE_KINDS,
    "area_bases": AREA_BASES,
    "bill_states": BILL_STATES,
    "payment_states": PAYMENT_STATES,
    "methods": METHODS,
}


def _fen(values: dict[str, Any], field: str = "amount") -> int:
    """An amount typed in yuan (``120.50``) as fen; the service judges whether it is owed."""
    raw = values.pop(field, None)
    if raw is None:
        raise invalid(field, "required", status=400)
    try:
        yuan = Decimal(str(raw).replace(",", "").lstrip("¥"))
    except InvalidOperation:
        raise invalid(field, "must be an amount in yuan such as 120.50", status=400) from None
    if not yuan.is_finite():
        raise invalid(field, "must be an amount in yuan such as 120.50", status=400)
    if yuan != yuan.quantize(Decimal("0.01")):
        raise invalid(field, "at most two decimal places", status=400)
    return int(yuan * 100)


async def _payments(session: AsyncSession, compound_id: uuid.UUID, bill_id: uuid.UUID) -> list[Payment]:
    return list(
        (
            await session.scalars(
                select(Payment)
                .where(Payment.compound_id == compound_id, Payment.bill_id == bill_id)
                .order_by(Payment.created_at, Payment.id)
            )
        ).all()
    )


async def _pay(
    request: Request, ctx: RequestContext, compound_id: uuid.UUID, bill_id: uuid.UUID, values: dict[str, Any]
) -> tuple[Payment, str]:
    key = values.pop(IDEMPOTENCY_FIELD, None)
    values["amount_fen"] = _fen(values)
    try:
        return await services.record_payment(
            ctx.session,
            compound_id,
            bill_id,
            to_input(values, s.PaymentIn),
            user_id=ctx.user_id,
            staff=ctx.can("co_building.fee", "read_all"),
            idempotency_key=key,
            providers=collect_providers(request.app.state.plugins),
        )
    except Problem as problem:  # the form's field is the amount in yuan: its error goes beside it
        for error in problem.extra.get("errors", []):
            if error.get("field") == "amount_fen":
                error["field"] = "amount"
        raise


async def _own_bill(session: AsyncSession, compound_id: uuid.UUID, bill_id: uuid.UUID, principal: Principal) -> Bill:
    bill = await services.get_bill(session, compound_id, bill_id)
    if bill.room_id not in await services.resident_rooms(session, compound_id, principal.user_id):
        raise not_found("bill")
    return bill


async def _receipt(
    request: Request, session: AsyncSession, compound_id: uuid.UUID, payment_id: uuid.UUID, principal: Principal, *, staff: bool
) -> Response[Any]:
    payment = await session.scalar(select(Payment).where(Payment.compound_id == compound_id, Payment.id == payment_id))
    if payment is None or payment.receipt_no is None:
        raise not_found("receipt")
    bill = (
        await services.get_bill(session, compound_id, payment.bill_id)
        if staff
        else await _own_bill(session, compound_id, payment.bill_id, principal)
    )
    shaped = (await services.bills_out(session, compound_id, [bill], with_lines=True))[0]
    return fragment(
        request, "co_building/fees/receipt.html", payment=payment, bill=shaped, compound=await get_compound(session, compound_id), **LABELS
    )


async def _portal_bill(
    request: Request,
    compound_id: uuid.UUID,
    bill_id: uuid.UUID,
    ctx: RequestContext,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[Any]:
    """A resident's bill with the form to pay; after a refusal, the form as it was typed with each error beside its field."""
    bill = await _own_bill(ctx.session, compound_id, bill_id, ctx.principal)
    payments = await _payments(ctx.session, compound_id, bill_id)
    return await page(
        request,
        "co_building/fees/portal_bill.html",
        status=status,
        portal=True,
        compound_id=compound_id,
        bill=(await services.bills_out(ctx.session, compound_id, [bill], with_lines=True))[0],
        payments=payments,
        payable=services.outstanding(bill) - _with_pending(payments),
        providers=list(collect_providers(request.app.state.plugins).values()) if ctx.can("co_building.payment", "write") else [],
        idempotency_key=(typed or {}).get("idempotency_key") or uuid.uuid4().hex,
        errors=errors or {},
        typed=typed or {},
        **LABELS,
    )


async def _console_bill(
    request: Request,
    compound_id: uuid.UUID,
    bill_id: uuid.UUID,
    ctx: RequestContext,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[Any]:
    bill = await services.get_bill(ctx.session, compound_id, bill_id)
    payments = await _payments(ctx.session, compound_id, bill_id)
    typed = typed or {}
    return await page(
        request,
        "co_building/fees/console_bill.html",
        status=status,
        compound_id=compound_id,
        compound=await get_compound(ctx.session, compound_id),
        bill=(await services.bills_out(ctx.session, compound_id, [bill], with_lines=True))[0],
        payments=payments,
        payable=services.outstanding(bill) - _with_pending(payments),
        can_pay=ctx.can("co_building.payment", "write"),
        idempotency_key=typed.get(IDEMPOTENCY_FIELD) or uuid.uuid4().hex,
        errors=errors or {},
        typed=typed,
        **LABELS,
    )


def _with_pending(payments: list[Payment]) -> int:
    return sum(p.amount_fen for p in payments if p.status == "pending")


# --------------------------------------------------------------------------- console


class ConsoleFeePages(Controller):
    """The fees desk: fee items, issuing bills, bills and payments, arrears and reminders."""

    path = CONSOLE

    @get("/", guards=[requires("co_building.payment", "read")])
    async def fees(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        period: str | None = None,
        building_id: uuid.UUID | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Fee items, bills with filters, payments awaiting confirmation, arrears by building."""
        can_edit = ctx.can("co_building.fee", "write")
        status = status if status in BILL_STATES else None
        period = (period or "").strip() or None
        rows, total = await paginate(
            ctx.session, services.bills_query(compound_id, status=status, period=period, building_id=building_id), PAGE_SIZE, offset
        )
        items = (await ctx.session.scalars(select(FeeItem).where(FeeItem.compound_id == compound_id).order_by(FeeItem.name))).all()
        pending = (
            await ctx.session.execute(
                select(Payment, Bill.room_id, Bill.period)
                .join(Bill, (Bill.compound_id == Payment.compound_id) & (Bill.id == Payment.bill_id))
                .where(Payment.compound_id == compound_id, Payment.status == "pending")
                .order_by(Payment.created_at, Payment.id)
                .limit(PENDING_SHOWN)
            )
        ).all()
        labels = await room_labels(ctx.session, compound_id, {room_id for _, room_id, _ in pending})
        buildings = (
            await ctx.session.execute(select(Building.id, Building.name).where(Building.compound_id == compound_id).order_by(Building.name))
        ).all()
        return await page(
            request,
            "co_building/fees/console.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            items=[services.fee_item_out(i) for i in items],
            bills=await services.bills_out(ctx.session, compound_id, rows),
            pager=pager(request, total, offset),
            pending=[(p, labels.get(room_id, ""), bill_period) for p, room_id, bill_period in pending],
            buildings=buildings,
            arrears=await services.arrears(ctx.session, compound_id) if can_edit else [],
            can_edit=can_edit,
            can_confirm=ctx.can("co_building.payment", "write"),
            this_period=services.period_of(now().date()),
            filters={"status": status or "", "period": period or "", "building_id": building_id},
            generated=request.query_params.get("generated"),
            reminded=request.query_params.get("reminded"),
            **LABELS,
        )

    @post("/items", guards=[requires("co_building.fee", "write")])
    async def add_item(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A fee item (收费标准): per m² per month, per room per month, or metered."""
        await services.create_fee_item(ctx.session, compound_id, to_input(await form_values(request), s.FeeItemIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/fees", "created")

    @post("/items/{item_id:uuid}", guards=[requires("co_building.fee", "write")])
    async def change_item(self, request: Request, compound_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Change a fee item's price, due days or whether it is billed (issued bills keep their prices)."""
        values = await form_values(request)
        values["active"] = values.get("active", "false")  # an unticked box is not sent at all
        await services.update_fee_item(ctx.session, compound_id, item_id, to_input(values, s.FeeItemIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/fees")

    @get("/terms", guards=[requires("co_building.fee", "read")])
    async def terms(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The late-fee terms (滞纳金) of the compound's property service contract, and the form to enter them."""
        return await page(
            request,
            "co_building/fees/console_terms.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            terms=services.terms_out(await services.fee_terms(ctx.session, compound_id)),
            can_edit=ctx.can("co_building.fee", "write"),
            percent=lambda rate: f"{(rate * 100).normalize():f} %",
        )

    @post("/terms", guards=[requires("co_building.fee", "write")])
    async def set_terms(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Enter the contract's daily rate, cap, grace days and clause (as PUT …/fee-terms)."""
        await services.set_fee_terms(ctx.session, compound_id, to_input(await form_values(request), s.FeeTermsIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/terms")

    @post("/bills/generate", guards=[requires("co_building.fee", "write")])
    async def generate(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Issue a period's bills now; rooms already billed are skipped."""
        data = to_input(await form_values(request), s.GenerateBillsIn)
        result = await services.generate_bills(ctx.session, compound_id, data.period)
        return done(
            request, f"/console/compounds/{compound_id}/co_building/fees?period={result.period}&generated={result.created}", "created"
        )

    @post("/reminders", guards=[requires("co_building.fee", "write")])
    async def remind(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Remind the owners of every overdue bill (at most once a week per bill)."""
        result = await services.send_reminders(ctx.session, compound_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees?reminded={result.bills}")

    @get("/bills/{bill_id:uuid}", guards=[requires("co_building.payment", "read")])
    async def bill(
        self,
        request: Request,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """A bill's lines and payments, and the form to record cash or a transfer."""
        return await _console_bill(request, compound_id, bill_id, ctx)

    @post("/bills/{bill_id:uuid}/payments", guards=[requires("co_building.payment", "write")])
    async def pay(
        self,
        request: Request,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Record cash or a bank transfer received; a repeated form (same key) records it once. Refused input brings
        the bill back with what was typed and the reason beside the field, nothing written."""
        values = await form_values(request)
        typed = {key: str(value) for key, value in values.items()}
        try:
            async with ctx.session.begin_nested():  # a refusal after a write leaves nothing behind
                await _pay(request, ctx, compound_id, bill_id, values)
        except Problem as problem:
            if not refuses_the_form(problem) or is_htmx(request):  # htmx: the problem lands in the form's own slot
                raise
            errors = field_errors(problem, {"amount_fen": "amount", "provider_reference": "reference"})
            return await _console_bill(request, compound_id, bill_id, ctx, status=problem.status, errors=errors, typed=typed)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/bills/{bill_id}", "created")

    @post("/payments/{payment_id:uuid}/confirm", guards=[requires("co_building.payment", "read"), requires("co_building.payment", "write")])
    async def confirm(
        self,
        request: Request,
        compound_id: uuid.UUID,
        payment_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """The money of a pending offline payment has arrived: credit the bill, issue the receipt (asked to confirm first)."""
        step = await confirmation(request, MONEY_RECEIVED_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        payment = await services.confirm_payment(ctx.session, compound_id, payment_id, user_id=ctx.user_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/bills/{payment.bill_id}")

    @post("/payments/{payment_id:uuid}/cancel", guards=[requires("co_building.payment", "read"), requires("co_building.payment", "write")])
    async def cancel(self, request: Request, compound_id: uuid.UUID, payment_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A pending payment whose money never came (asked to confirm first)."""
        step = await confirmation(request, CANCEL_PAYMENT_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        payment = await services.cancel_payment(ctx.session, compound_id, payment_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/fees/bills/{payment.bill_id}")

    @get("/payments/{payment_id:uuid}/receipt", guards=[requires("co_building.payment", "read")])
    async def receipt(
        self,
        request: Request,
        compound_id: uuid.UUID,
        payment_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """The printable receipt (收据) of a received payment."""
        return await _receipt(request, ctx.session, compound_id, payment_id, ctx.principal, staff=True)


# --------------------------------------------------------------------------- portal


class PortalFeePages(Controller):
    """The resident's bills, paying through a provider, receipts."""

    path = PORTAL

    @get("/", guards=[requires("co_building.fee", "read")])
    async def fees(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """My rooms' bills, newest period first."""
        rooms = await services.resident_rooms(ctx.session, compound_id, ctx.user_id)
        rows, total = await paginate(ctx.session, services.bills_query(compound_id, room_ids=rooms), PAGE_SIZE, offset)
        return await page(
            request,
            "co_building/fees/portal.html",
            portal=True,
            compound_id=compound_id,
            bills=await services.bills_out(ctx.session, compound_id, rows),
            pager=pager(request, total, offset),
            **LABELS,
        )

    @get("/bills/{bill_id:uuid}", guards=[requires("co_building.fee", "read")])
    async def bill(
        self,
        request: Request,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """One of my bills: lines, payments, receipts and the way to pay."""
        return await _portal_bill(request, compound_id, bill_id, ctx)

    @post("/bills/{bill_id:uuid}/payments", guards=[requires("co_building.payment", "write")])
    async def pay(
        self,
        request: Request,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Start a charge with the chosen provider and show what to do next (the offline provider: the reference to quote).
        Refused input brings the bill back with what was typed and the reason beside the field, nothing written."""
        values = await form_values(request)
        typed = {key: str(value) for key, value in values.items()}
        values["method"] = "provider"
        try:
            async with ctx.session.begin_nested():  # a refusal after a write leaves nothing behind
                payment, instructions = await _pay(request, ctx, compound_id, bill_id, values)
        except Problem as problem:
            if not refuses_the_form(problem):
                raise
            errors = field_errors(problem, {"amount_fen": "amount", "provider_name": "provider"})
            return await _portal_bill(request, compound_id, bill_id, ctx, status=problem.status, errors=errors, typed=typed)
        return await page(
            request,
            "co_building/fees/portal_paid.html",
            portal=True,
            compound_id=compound_id,
            payment=payment,
            instructions=instructions,
            **LABELS,
        )

    @get("/payments/{payment_id:uuid}/receipt", guards=[requires("co_building.fee", "read")])
    async def receipt(
        self,
        request: Request,
        compound_id: uuid.UUID,
        payment_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """The receipt of one of my payments."""
        return await _receipt(request, ctx.session, compound_id, payment_id, ctx.principal, staff=False)


PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/co_building/fees",
        "label_zh": "物业收费",
        "label_en": "Property fees",
        "permission": "co_building.payment:read",
        "portal": False,
    },
    {
        "path": "/portal/compounds/{compound_id}/co_building/fees",
        "label_zh": "物业缴费",
        "label_en": "My bills",
        "permission": "co_building.fee:read",
        "portal": True,
    },
]
HANDLERS: list = [ConsoleFeePages, PortalFeePages]
