"""co_building HTTP handlers: property fees (thin; the rules are in services.fees)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post, put
from litestar.params import HeaderParameter
from sqlalchemy import select

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, page_of, paginate
from core.payments import collect_providers
from plugins.co_building.models.fees import BILL_STATUSES, FeeItem, Payment
from plugins.co_building.schemas import fees as s
from plugins.co_building.services import fees as services

C = "/api/v1/compounds/{compound_id:uuid}/co_building"
IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", required=False, description="repeat a payment safely: the same key records it once")
]


class FeeItemsController(Controller):
    path = C + "/fee-items"
    tags = ["co_building: fees"]

    @get("/", operation_id="listFeeItems", guards=[requires("co_building.fee", "read")])
    async def list_items(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.FeeItemOut]:
        """The compound's fee standards (收费标准)."""
        rows, total = await paginate(ctx.session, select(FeeItem).order_by(FeeItem.name, FeeItem.id), limit, offset)
        return Page(items=[services.fee_item_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="createFeeItem", guards=[requires("co_building.fee", "write")])
    async def create(self, compound_id: uuid.UUID, data: s.FeeItemIn, ctx: RequestContext) -> s.FeeItemOut:
        """A fee item: per m² per month, fixed per room per month, or metered."""
        return services.fee_item_out(await services.create_fee_item(ctx.session, compound_id, data))

    @put("/{item_id:uuid}", operation_id="updateFeeItem", guards=[requires("co_building.fee", "write")])
    async def update(self, compound_id: uuid.UUID, item_id: uuid.UUID, data: s.FeeItemIn, ctx: RequestContext) -> s.FeeItemOut:
        """Change a fee item's price or deactivate it (bills already issued keep their prices)."""
        return services.fee_item_out(await services.update_fee_item(ctx.session, compound_id, item_id, data))


class BillsController(Controller):
    path = C
    tags = ["co_building: fees"]

    @post("/meter-readings", operation_id="recordMeterReading", status_code=200, guards=[requires("co_building.fee", "write")])
    async def reading(self, compound_id: uuid.UUID, data: s.MeterReadingIn, ctx: RequestContext) -> dict:
        """A room's meter reading for a metered item and period (before the period's bills are issued)."""
        row = await services.record_reading(ctx.session, compound_id, data)
        return {"id": str(row.id), "quantity": str(row.quantity)}

    @post("/bills/generate", operation_id="generateBills", status_code=200, guards=[requires("co_building.fee", "write")])
    async def generate(self, compound_id: uuid.UUID, data: s.GenerateBillsIn, ctx: RequestContext) -> s.GenerateBillsOut:
        """Issue the period's bills now (the monthly job does this on the 1st); rooms already billed are skipped."""
        return await services.generate_bills(ctx.session, compound_id, data.period)

    @get("/bills", operation_id="listBills", guards=[requires("co_building.fee", "read")])
    async def list_bills(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        period: str | None = None,
        building_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.BillOut]:
        """Staff: the compound's bills (``status=owing`` for unpaid and partial); a resident: their rooms' bills."""
        status = one_of("status", status, ("owing", *BILL_STATUSES))
        rooms = None if ctx.can("co_building.fee", "read_all") else await services.resident_rooms(ctx.session, compound_id, ctx.user_id)
        stmt = services.bills_query(compound_id, status=status, period=period, room_ids=rooms, building_id=building_id)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=await services.bills_out(ctx.session, compound_id, rows), total=total, limit=limit, offset=offset)

    @get("/bills/{bill_id:uuid}", operation_id="getBill", guards=[requires("co_building.fee", "read")])
    async def get_bill(
        self,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.BillOut:
        """One bill with its lines."""
        bill = await services.get_bill(ctx.session, compound_id, bill_id)
        if not ctx.can("co_building.fee", "read_all") and bill.room_id not in await services.resident_rooms(
            ctx.session, compound_id, ctx.user_id
        ):
            from core.problems import not_found

            raise not_found("bill")
        return (await services.bills_out(ctx.session, compound_id, [bill], with_lines=True))[0]

    @post("/bills/{bill_id:uuid}/payments", operation_id="recordPayment", guards=[requires("co_building.payment", "write")])
    async def pay(
        self,
        request: Request,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        data: s.PaymentIn,
        ctx: RequestContext,
        idempotency_key: IdempotencyKey = None,
    ) -> s.PaymentOut:
        """Staff record cash or a transfer; a resident starts a provider charge (``offline``: a reference to quote).

        The same ``Idempotency-Key`` records the payment once and answers with it again.
        """
        staff = ctx.can("co_building.payment", "read")
        payment, instructions = await services.record_payment(
            ctx.session,
            compound_id,
            bill_id,
            data,
            user_id=ctx.user_id,
            staff=staff,
            idempotency_key=idempotency_key,
            providers=collect_providers(request.app.state.plugins),
        )
        return services.payment_out(payment, instructions)

    @get("/bills/{bill_id:uuid}/payments", operation_id="listPayments", guards=[requires("co_building.fee", "read")])
    async def payments(
        self,
        compound_id: uuid.UUID,
        bill_id: uuid.UUID,
        ctx: RequestContext,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.PaymentOut]:
        """Payments against a bill, with their receipt numbers."""
        bill = await services.get_bill(ctx.session, compound_id, bill_id)
        if not ctx.can("co_building.fee", "read_all") and bill.room_id not in await services.resident_rooms(
            ctx.session, compound_id, ctx.user_id
        ):
            from core.problems import not_found

            raise not_found("bill")
        stmt = select(Payment).where(Payment.bill_id == bill_id).order_by(Payment.created_at, Payment.id)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=[services.payment_out(p) for p in rows], total=total, limit=limit, offset=offset)

    @post(
        "/payments/{payment_id:uuid}/confirm",
        operation_id="confirmPayment",
        status_code=200,
        guards=[requires("co_building.payment", "read"), requires("co_building.payment", "write")],
    )
    async def confirm(self, compound_id: uuid.UUID, payment_id: uuid.UUID, ctx: RequestContext) -> s.PaymentOut:
        """Staff confirm a pending offline payment when the money has arrived: the bill is credited, a receipt issued."""
        return services.payment_out(await services.confirm_payment(ctx.session, compound_id, payment_id, user_id=ctx.user_id))

    @post(
        "/payments/{payment_id:uuid}/cancel",
        operation_id="cancelPayment",
        status_code=200,
        guards=[requires("co_building.payment", "read"), requires("co_building.payment", "write")],
    )
    async def cancel(self, compound_id: uuid.UUID, payment_id: uuid.UUID, ctx: RequestContext) -> s.PaymentOut:
        """Cancel a pending payment that never arrived."""
        return services.payment_out(await services.cancel_payment(ctx.session, compound_id, payment_id))

    @get("/arrears", operation_id="arrearsByBuilding", guards=[requires("co_building.fee", "write")])
    async def arrears(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.ArrearsRow]:
        """Overdue money per building."""
        rows, total = await paginate(ctx.session, services.arrears_query(compound_id, now().date()), limit, offset)
        return Page(items=services.arrears_rows(rows), total=total, limit=limit, offset=offset)

    @get("/fee-terms", operation_id="getFeeTerms", guards=[requires("co_building.fee", "read")])
    async def terms(self, compound_id: uuid.UUID, ctx: RequestContext) -> s.FeeTermsOut:
        """The late-fee terms (滞纳金) of the compound's property service contract, if it has them."""
        return services.terms_out(await services.fee_terms(ctx.session, compound_id))

    @put("/fee-terms", operation_id="setFeeTerms", guards=[requires("co_building.fee", "write")])
    async def set_terms(self, compound_id: uuid.UUID, data: s.FeeTermsIn, ctx: RequestContext) -> s.FeeTermsOut:
        """Set the late-fee terms: a daily rate on the outstanding amount after the due date, capped."""
        return services.terms_out(await services.set_fee_terms(ctx.session, compound_id, data))

    @post("/bills/reminders", operation_id="sendFeeReminders", status_code=200, guards=[requires("co_building.fee", "write")])
    async def remind(self, compound_id: uuid.UUID, ctx: RequestContext) -> s.ReminderOut:
        """Remind the owners of every overdue bill (at most once a week per bill)."""
        return await services.send_reminders(ctx.session, compound_id)

    @get("/payment-providers", operation_id="paymentProviders", guards=[requires("co_building.payment", "write")])
    async def providers(self, request: Request, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.ProviderOut]:
        """The payment providers installed (``offline`` unless a provider plugin is)."""
        items = [
            s.ProviderOut(name=p.name, label_zh=p.label_zh, label_en=p.label_en)
            for p in collect_providers(request.app.state.plugins).values()
        ]
        return page_of(items, limit, offset)


ROUTE_HANDLERS: list = [FeeItemsController, BillsController]
