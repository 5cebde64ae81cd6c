"""HTTP handlers for Excel import and export of housing and residents (thin: the rules are in ``tenants.imports``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import can, requires
from core.clock import now
from core.identity.principal import Principal
from core.problems import PROBLEM_MEDIA_TYPE, localized
from core.schemas import Output
from core.xlsx import XLSX_MEDIA_TYPE, xlsx_response
from tenants import imports

C = "/api/v1/compounds/{compound_id:uuid}/housing"
UPLOAD_LIMIT = imports.MAX_UPLOAD_BYTES + 64 * 1024
"""The file plus the multipart envelope; the file itself is checked exactly."""
IMPORTERS = [requires("tenants.housing", "write"), requires("tenants.resident", "write")]
"""An import creates housing and residents, so it needs both rights; so does its error report."""


@dataclass
class LedgerUpload:
    """``multipart/form-data`` with the ledger (.xlsx) in ``file`` (a dataclass: litestar binds UploadFile to one)."""

    file: UploadFile


class ImportResultOut(Output):
    """What an accepted import created; rows naming residents already registered are counted, not repeated."""

    rows: int
    buildings: int
    units: int
    rooms: int
    households: int
    residents: int
    existing_residents: int
    rooms_updated: int
    """Registered rooms that got a building area (建筑面积) or delivery date (交付日期) they lacked."""


class HousingImportController(Controller):
    path = C
    tags = ["housing"]

    @get(
        "/template.xlsx",
        operation_id="downloadHousingTemplate",
        guards=[requires("tenants.housing", "read")],
        media_type=XLSX_MEDIA_TYPE,
    )
    async def template(self, compound_id: uuid.UUID) -> Response[bytes]:
        """The empty housing and residents ledger (导入模板) with its instructions sheet."""
        return xlsx_response(imports.template_workbook(), "housing-template.xlsx")

    @post(
        "/import",
        operation_id="importHousing",
        guards=IMPORTERS,
        status_code=201,
        request_max_body_size=UPLOAD_LIMIT,
        responses={
            422: ResponseSpec(
                None,
                description="Problem `import-invalid`: nothing imported; `errors` [{row, column, message}], `error_count`, `report_url`",
            )
        },
    )
    async def import_ledger(
        self,
        compound_id: uuid.UUID,
        data: Annotated[LedgerUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        request: Request,
        principal: Principal,
        session: AsyncSession,
    ) -> ImportResultOut:
        """Import buildings, rooms, households and residents from an .xlsx ledger (field `file`, at most 20 MB): every row or none."""
        content = await data.file.read(imports.MAX_UPLOAD_BYTES + 1)  # one byte over the limit is enough to know
        imports.check_upload_size(len(content))
        result = await imports.import_housing(session, compound_id, content)
        if result.errors:
            report = await imports.store_error_report(
                session, compound_id, result.errors, tenant_id=principal.tenant_id, user_id=principal.user_id
            )
            problem = imports.refusal(
                result.errors, request.app.route_reverse("housing-import-report", compound_id=compound_id, report_id=report.id)
            )
            # answered rather than raised: the report is committed with the request, and it is the only write
            return Response(localized(request, problem.body(request.url.path)), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE)  # type: ignore[return-value]
        return ImportResultOut(
            rows=result.rows,
            buildings=result.buildings,
            units=result.units,
            rooms=result.rooms,
            households=result.households,
            residents=result.residents,
            existing_residents=result.existing_residents,
            rooms_updated=result.rooms_updated,
        )

    @get(
        "/import-reports/{report_id:uuid}",
        operation_id="downloadImportReport",
        name="housing-import-report",
        guards=IMPORTERS,
        media_type=XLSX_MEDIA_TYPE,
    )
    async def report(self, compound_id: uuid.UUID, report_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[bytes]:
        """The error report (行, 列, 问题) of a refused import, for the tenant that uploaded the file, for seven days."""
        found = await imports.error_report(session, compound_id, report_id, principal.tenant_id)
        return xlsx_response(found.content, found.filename)

    @get("/export.xlsx", operation_id="exportHousing", guards=[requires("tenants.resident", "read")], media_type=XLSX_MEDIA_TYPE)
    async def export(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[bytes]:
        """The compound's ledger in the template's layout; phone and ID-card numbers masked unless the caller holds tenants.resident_pii."""
        show_pii = can(principal, request.app.state.policy.enforcer, "tenants.resident_pii", "read", compound_id)
        return xlsx_response(await imports.export_workbook(session, compound_id, show_pii), f"housing-{now():%Y%m%d}.xlsx")


ROUTE_HANDLERS: list = [HousingImportController]
