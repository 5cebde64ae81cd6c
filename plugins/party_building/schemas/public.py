"""The public side (portal)."""

from __future__ import annotations

import uuid

from core.schemas import Output
from plugins.party_building.schemas.disclosure import DisclosureOut

# --------------------------------------------------------------------------- the public side (portal)


class PublicOrganisation(Output):
    id: uuid.UUID
    kind: str
    name: str
    secretary_name: str | None


class IdentityBadge(Output):
    """A member who shows identity (亮身份): name, organisation and post only."""

    name: str
    organisation: str | None
    post: str | None


class PublicCentralHousehold(Output):
    name: str
    building_name: str
    looks_after_me: bool


class PublicView(Output):
    compound_id: uuid.UUID
    organisations: list[PublicOrganisation]
    identity: list[IdentityBadge]
    central_households: list[PublicCentralHousehold]
    disclosures: list[DisclosureOut]
