"""co_building tables: the rules register (制度, standard §4) — committee rules (业主委员会议事规则), the management statute
(管理规约), service standards (服务标准) and others, each a series of versions with effective dates."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime

RULE_KINDS = ("committee_rules", "management_statute", "service_standards", "other")


class RuleVersion(CompoundScoped, Base):
    """One version of one of the compound's rules: a draft, then published (in force from ``effective_from`` until the
    next published version takes over), then superseded. A community-level rule is one row per compound of the
    community, sharing ``series_id`` (so each compound's rows stay under its own row-level security)."""

    __tablename__ = "co_building_rule_versions"
    __table_args__ = (Index("ix_co_building_rule_versions_kind", "compound_id", "kind", "status", "effective_from"),)

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(10), default="compound")
    """``compound`` or ``community`` (the same version written to every compound of the community)."""
    series_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_until: Mapped[dt.date | None] = mapped_column(Date)
    """The last day in force (set when the next version is published); None: until replaced."""
    status: Mapped[str] = mapped_column(String(12), default="draft")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


MODELS: list[type] = [RuleVersion]
