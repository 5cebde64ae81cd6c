"""Policy storage: casbin rules, the change log other processes follow, and role descriptions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, UTCDateTime, utcnow
from core.ids import uuid7


class CasbinRule(Base):
    """A casbin ``p`` (role, domain, object, action) or ``g`` (user, role, domain) line."""

    __tablename__ = "casbin_rules"
    __table_args__ = (
        UniqueConstraint("ptype", "v0", "v1", "v2", "v3", name="uq_casbin_rules_line"),
        Index("ix_casbin_rules_v0", "v0"),
    )

    id: Mapped[int] = mapped_column(Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True)
    ptype: Mapped[str] = mapped_column(String(4))
    v0: Mapped[str] = mapped_column(String(200))
    v1: Mapped[str] = mapped_column(String(200))
    v2: Mapped[str] = mapped_column(String(200))
    v3: Mapped[str] = mapped_column(String(200), default="")

    def as_line(self) -> tuple[str, ...]:
        return (self.ptype, self.v0, self.v1, self.v2, self.v3) if self.ptype == "p" else (self.ptype, self.v0, self.v1, self.v2)


class PolicyChange(Base):
    """Append-only log of policy edits; every process applies new rows within a second."""

    __tablename__ = "policy_changes"
    __table_args__ = (Index("ix_policy_changes_at", "at"),)

    seq: Mapped[int] = mapped_column(Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True)
    op: Mapped[str] = mapped_column(String(8))  # add | remove | reload
    ptype: Mapped[str] = mapped_column(String(4), default="")
    v0: Mapped[str] = mapped_column(String(200), default="")
    v1: Mapped[str] = mapped_column(String(200), default="")
    v2: Mapped[str] = mapped_column(String(200), default="")
    v3: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoleDefinition(Base, Timestamped):
    """A role's name and labels: a template (``tenant_id`` null) or a tenant's custom role."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(120))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    tenant_kinds: Mapped[str] = mapped_column(String(60), default="")  # comma list: platform,enterprise,district,resident
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(60), default="core")
