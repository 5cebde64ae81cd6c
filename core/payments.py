"""Payment providers: what a plugin offers through ``redprop_payment_providers``.

The platform records payments; it does not move money. A provider starts a
charge (a QR code, a redirect, or instructions for paying at the counter) and
answers with a reference; the payment stays ``pending`` until the provider (or,
for the offline provider, staff who saw the money arrive) confirms it. No
provider is faked: without a contract with a real one, only ``offline`` exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    compound_id: uuid.UUID
    bill_id: uuid.UUID
    payment_id: uuid.UUID
    amount_fen: int
    reference: str
    description: str


@dataclass(frozen=True)
class ChargeStarted:
    status: str
    """``pending`` (waiting for confirmation) or ``succeeded`` (the provider took the money synchronously)."""
    provider_reference: str
    instructions: str = ""
    redirect_url: str | None = None


class PaymentProvider(Protocol):
    name: str
    label_zh: str
    label_en: str

    async def start(self, charge: Charge) -> ChargeStarted: ...


def collect_providers(host) -> dict[str, PaymentProvider]:
    """The providers every loaded plugin offers, by name (the first plugin to claim a name keeps it)."""
    found: dict[str, PaymentProvider] = {}
    for _record, provider in host.declared("redprop_payment_providers"):
        found.setdefault(provider.name, provider)
    return found
