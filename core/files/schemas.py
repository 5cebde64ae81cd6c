"""Attachment structs: the multipart upload form and the attachment as listed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from litestar.datastructures import UploadFile

from core.schemas import Output


@dataclass
class UploadForm:
    """``multipart/form-data``: the file and the record it belongs to (a dataclass: litestar binds UploadFile to one)."""

    file: UploadFile
    record_type: str
    record_id: uuid.UUID


class AttachmentOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    record_type: str
    record_id: uuid.UUID
    filename: str
    content_type: str
    """Sniffed from the content."""
    size: int
    sha256: str
    uploaded_by: uuid.UUID | None
    created_at: dt.datetime
