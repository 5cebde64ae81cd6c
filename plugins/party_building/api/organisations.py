"""Party organisations, their coverage and the coverage report."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, patch, post

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.party_building import exports, services
from plugins.party_building import schemas as s
from plugins.party_building.api.common import D, page_of
from tenants.models import Compound

# --------------------------------------------------------------------------- the district's views


class OrganisationsController(Controller):
    path = D + "/organisations"
    tags = ["party_building"]

    @get("/", operation_id="partyListOrganisations", guards=[requires("party_building.organisation", "read")])
    async def list_organisations(
        self, ctx: RequestContext, kind: s.OrganisationKind | None = None, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.OrganisationOut]:
        """Party organisations the caller sees (its own and those covering its compounds), parents before children."""
        return page_of(await services.organisations(ctx, kind=kind), limit, offset)

    @post("/", operation_id="partyCreateOrganisation", guards=[requires("party_building.organisation", "write")])
    async def create_organisation(self, data: s.OrganisationIn, ctx: RequestContext) -> s.OrganisationOut:
        """Found an organisation: a district its community committees, branches and groups; an enterprise its branch."""
        org = await services.create_organisation(ctx, data)
        return services.organisation_out(org, ctx.tenant_id, [])

    @patch("/{organisation_id:uuid}", operation_id="partyUpdateOrganisation", guards=[requires("party_building.organisation", "write")])
    async def update_organisation(self, organisation_id: uuid.UUID, data: s.OrganisationPatch, ctx: RequestContext) -> s.OrganisationOut:
        """Rename, move in the tree, or record the dissolution of an organisation the caller's tenant owns."""
        org = await services.update_organisation(ctx, organisation_id, data)
        return services.organisation_out(org, ctx.tenant_id, [])

    @post("/{organisation_id:uuid}/coverage", operation_id="partyAddCoverage", guards=[requires("party_building.organisation", "write")])
    async def add_coverage(self, organisation_id: uuid.UUID, data: s.CoverageIn, ctx: RequestContext) -> s.CoverageOut:
        """The organisation covers a compound (a building group: a building)."""
        row = await services.add_coverage(ctx, organisation_id, data)
        compound = await ctx.session.get(Compound, row.compound_id)
        return s.CoverageOut(
            id=row.id,
            compound_id=row.compound_id,
            compound_name=compound.name if compound else "",
            building_id=row.building_id,
            building_name=None,
        )

    @delete(
        "/{organisation_id:uuid}/coverage/{compound_id:uuid}/{coverage_id:uuid}",
        operation_id="partyRemoveCoverage",
        guards=[requires("party_building.organisation", "write")],
    )
    async def remove_coverage(
        self, organisation_id: uuid.UUID, compound_id: uuid.UUID, coverage_id: uuid.UUID, ctx: RequestContext
    ) -> None:
        """The organisation no longer covers this compound or building."""
        await services.remove_coverage(ctx, organisation_id, compound_id, coverage_id)


class CoverageController(Controller):
    path = D + "/coverage"
    tags = ["party_building"]

    @get("/", operation_id="partyCoverageReport", guards=[requires("party_building.coverage", "read")])
    async def report(self, ctx: RequestContext, region_id: uuid.UUID | None = None) -> s.CoverageReport:
        """两个覆盖 per community, street and district, with every gap named."""
        return await services.coverage_report(ctx, region_id)

    @get("/export", operation_id="partyCoverageExport", guards=[requires("party_building.coverage", "read")])
    async def export(self, ctx: RequestContext, format: exports.Format = "xlsx", region_id: uuid.UUID | None = None) -> Response[bytes]:
        """The coverage report as an Excel workbook (two sheets: figures and gaps) or CSV."""
        report = await services.coverage_report(ctx, region_id)
        return exports.coverage_response(report, format, now())
