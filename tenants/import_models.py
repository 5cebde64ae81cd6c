"""Tables of the Excel import: error reports kept for download after a refused import."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime


class ImportReport(CompoundScoped, Base):
    """The .xlsx error report of a refused import (导入错误报告), downloadable by the uploading tenant until it expires.

    Kept in the database rather than on local disk so that any application
    process behind the load balancer can serve the download.
    """

    __tablename__ = "import_reports"

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    error_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


MODELS = [ImportReport]
