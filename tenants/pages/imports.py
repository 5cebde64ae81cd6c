"""The Excel import page of a compound: upload a ledger, see what was created or every row's error.

The work is ``tenants.imports``: all rows or none, the error report kept for
download. The page adds the upload form, the template and the export, with
the rights the API asks for (an import needs housing and resident writes).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import can, requires
from core.identity.principal import Principal
from core.problems import invalid
from core.web.i18n import N_
from core.web.render import fragment, is_htmx, page
from core.xlsx import xlsx_response
from tenants import imports, services
from tenants.imports_api import IMPORTERS, UPLOAD_LIMIT
from tenants.pages.base import CATALOG

C = "/console/compounds/{compound_id:uuid}"
# the import's own messages, so the catalog translates them (a changed one shows as it is)
MESSAGES = (
    N_("Not an Excel workbook"),
    N_("File too large"),
    N_("choose an .xlsx file"),
    N_("required"),
    N_("required when the row names a resident"),
    N_("must be a whole floor number from -10 to 200"),
    N_("must be a number of m²"),
    N_("must be 是 or 否"),
    N_("must be 业主, 租户 or 家庭成员 (owner, tenant or family)"),
    N_("must be a date such as 2020-05-01"),
    N_("the sheet has no data rows"),
    N_("at most two decimal places"),
    N_("must not be smaller than the exclusive area (专有面积)"),
    N_("a delivered room is not held by the developer: write 否 in 开发商持有 or leave it empty"),
    N_("must not be after today: record a delivery once it has happened"),
)


class ImportPages(Controller):
    path = C
    opt = CATALOG

    @get("/import", guards=IMPORTERS)
    async def import_form(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Upload a housing and residents ledger (.xlsx) into the compound."""
        compound = await services.get_compound(session, compound_id)
        return await page(
            request,
            "tenants/console/import.html",
            compound_id=compound_id,
            compound=compound,
            columns=imports.COLUMNS,
            result=None,
            report_id=None,
        )

    @post("/import", guards=IMPORTERS, request_max_body_size=UPLOAD_LIMIT)
    async def import_file(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Import the uploaded ledger: everything, or nothing and the list of errors (also as a workbook)."""
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise invalid("file", "choose an .xlsx file", status=400)
        content = await upload.read(imports.MAX_UPLOAD_BYTES + 1)  # one byte over the limit is enough to know
        imports.check_upload_size(len(content))
        result = await imports.import_housing(session, compound_id, content)
        report_id = None
        if result.errors:
            report = await imports.store_error_report(
                session, compound_id, result.errors, tenant_id=principal.tenant_id, user_id=principal.user_id
            )
            report_id = report.id
        status = 422 if result.errors else 200
        context = {"compound_id": compound_id, "result": result, "report_id": report_id, "filename": upload.filename}
        if is_htmx(request):
            return fragment(request, "tenants/console/_import_result.html", status=status, **context)
        compound = await services.get_compound(session, compound_id)
        return await page(request, "tenants/console/import.html", status=status, compound=compound, columns=imports.COLUMNS, **context)

    @get("/import/template.xlsx", guards=[requires("tenants.housing", "read")])
    async def template(self, compound_id: uuid.UUID) -> Response[bytes]:
        """The empty ledger with its instructions (导入模板)."""
        return xlsx_response(imports.template_workbook(), "housing-template.xlsx")

    @get("/import/reports/{report_id:uuid}", guards=IMPORTERS)
    async def report(self, compound_id: uuid.UUID, report_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[bytes]:
        """The error report of a refused import, for the tenant that uploaded it."""
        found = await imports.error_report(session, compound_id, report_id, principal.tenant_id)
        return xlsx_response(found.content, found.filename)

    @get("/export.xlsx", guards=[requires("tenants.resident", "read")])
    async def export(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[bytes]:
        """The compound's ledger; personal data masked unless the user holds tenants.resident_pii."""
        show_pii = can(principal, request.app.state.policy.enforcer, "tenants.resident_pii", "read", compound_id)
        return xlsx_response(await imports.export_workbook(session, compound_id, show_pii), "housing.xlsx")
