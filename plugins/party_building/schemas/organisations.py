"""Organisations, their coverage, and the coverage report."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from core.schemas import Input, LongName, Output
from plugins.party_building.schemas.common import (
    OrganisationKind,
)

# --------------------------------------------------------------------------- organisations


class OrganisationIn(Input):
    kind: OrganisationKind
    name: LongName
    parent_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    founded_on: dt.date | None = None


class OrganisationPatch(Input):
    name: LongName | None = None
    parent_id: uuid.UUID | None = None
    founded_on: dt.date | None = None
    dissolved_on: dt.date | None = None


class CoverageIn(Input):
    compound_id: uuid.UUID
    building_id: uuid.UUID | None = None


class CoverageOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    compound_name: str
    building_id: uuid.UUID | None
    building_name: str | None


class OrganisationOut(Output):
    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    name: str
    parent_id: uuid.UUID | None
    community_id: uuid.UUID | None
    enterprise_tenant_id: uuid.UUID | None
    secretary_name: str | None
    founded_on: dt.date | None
    dissolved_on: dt.date | None
    owned: bool
    """Whether the caller's tenant owns (and so may change) the organisation."""
    coverage: list[CoverageOut] = []


# --------------------------------------------------------------------------- coverage report


class CoverageGap(Output):
    kind: Literal["compound", "enterprise", "building"]
    id: uuid.UUID
    name: str
    compound_id: uuid.UUID | None = None
    compound_name: str | None = None


class CoverageRow(Output):
    """Figures of one area (a community, a street, or the district)."""

    level: Literal["community", "street", "district"]
    region_id: uuid.UUID | None
    name: str
    compounds: int
    compounds_covered: int
    enterprises: int
    enterprises_covered: int
    buildings: int
    buildings_covered: int
    coverage: Decimal | None
    """Compounds and enterprises covered, in % of both (两个覆盖)."""
    gaps: list[CoverageGap] = []


class CoverageReport(Output):
    rows: list[CoverageRow]
