"""HTTP handlers of core.files: upload to a record, list a compound's attachments, download one."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import authenticated
from core.files import schemas as s
from core.files import services
from core.files.models import Attachment
from core.files.storage import Storage, make_storage
from core.identity.principal import Principal
from core.pagination import LimitParam, OffsetParam, Page

MULTIPART_OVERHEAD = 64 * 1024
"""Room in the request body for the multipart envelope and the other fields around the file."""


def storage_of(state: State) -> Storage:
    """The application's attachment store (one per application: an S3 client is worth keeping), built on first use."""
    storage = state.get("storage")
    if storage is None:
        storage = state.storage = make_storage(state.settings)
    return storage


def _out(row: Attachment) -> s.AttachmentOut:
    return s.AttachmentOut(
        id=row.id,
        compound_id=row.compound_id,
        record_type=row.record_type,
        record_id=row.record_id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )


def _disposition(filename: str) -> str:
    """RFC 6266 with an ASCII fallback and the UTF-8 name in ``filename*`` (RFC 5987) for 照片.jpg and the like."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class AttachmentsController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/attachments"
    tags = ["attachments"]
    guards = [authenticated()]

    @post("/", operation_id="uploadAttachment", status_code=201, request_max_body_size=services.max_upload_bytes() + MULTIPART_OVERHEAD)
    async def upload(
        self,
        compound_id: uuid.UUID,
        data: Annotated[s.UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        request: Request,
        principal: Principal,
        session: AsyncSession,
    ) -> s.AttachmentOut:
        """Attach a photo or document to a record; its type is sniffed from the content."""
        limit = services.max_upload_bytes(request.app.state.settings)
        content = await data.file.read(limit + 1)  # one byte more than allowed is enough to know it is too large
        state = request.app.state
        row = await services.upload(
            session,
            storage_of(state),
            principal,
            state.policy.enforcer,
            compound_id,
            data.record_type,
            data.record_id,
            data.file.filename,
            data.file.content_type,
            content,
            limit,
        )
        return _out(row)

    @get("/", operation_id="listAttachments")
    async def list_attachments(
        self,
        compound_id: uuid.UUID,
        request: Request,
        principal: Principal,
        session: AsyncSession,
        record_type: str | None = None,
        record_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.AttachmentOut]:
        """Attachments of the compound the caller may read, optionally of one record type and record."""
        rows, total = await services.list_attachments(
            session, principal, request.app.state.policy.enforcer, compound_id, record_type, record_id, limit, offset
        )
        return Page(items=[_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @get("/{attachment_id:uuid}", operation_id="downloadAttachment")
    async def download(
        self, compound_id: uuid.UUID, attachment_id: uuid.UUID, request: Request, principal: Principal, session: AsyncSession
    ) -> Response[bytes]:
        """The file, as the type sniffed at upload, always as a download."""
        state = request.app.state
        row, content = await services.download(session, storage_of(state), principal, state.policy.enforcer, compound_id, attachment_id)
        return Response(
            content=content,
            media_type=row.content_type,
            headers={
                "Content-Disposition": _disposition(row.filename),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-cache",
                "ETag": f'"{row.sha256}"',
            },
        )


ROUTE_HANDLERS: list = [AttachmentsController]
