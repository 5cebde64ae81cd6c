"""Social forces (社会力量) and their projects, culture and publicity (文化和宣传, 三德建设): news and campaigns, model
selections (文明家庭, 最美志愿者) with nominations, review and a public vote.

Publicity is the district's and public (shown in the resident portal of its compounds), so its tables are per
district (``TenantScoped``) with the compound a column where one is meant; a project's link to a compound is the
compound's row.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped, UTCDateTime
from core.identity.phones import sealed_phone

FORCE_KINDS = ("organisation", "enterprise", "volunteer_team")
ARTICLE_KINDS = ("news", "campaign")
THEMES = ("social_virtue", "professional_ethics", "family_virtue", "other")
"""三德: 社会公德, 职业道德, 家庭美德."""
SELECTION_KINDS = ("civilised_family", "best_volunteer", "good_neighbour", "other")


class SocialForce(sealed_phone("contact_phone", indexed=False), TenantScoped, Base):
    """A social organisation, enterprise or volunteer team taking part in the district's governance."""

    __tablename__ = "coordination_social_forces"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_coordination_social_forces_name"),)

    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    # contact_phone: sealed at rest (contact_phone_cipher), core.identity.phones
    description: Mapped[str] = mapped_column(Text, default="")


class SocialProject(TenantScoped, Base):
    """A project or activity of a social force."""

    __tablename__ = "coordination_social_projects"

    force_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("coordination_social_forces.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)


class ProjectCompound(CompoundScoped, Base):
    """A compound a project serves."""

    __tablename__ = "coordination_project_compounds"
    __table_args__ = (UniqueConstraint("compound_id", "project_id", name="uq_coordination_project_compounds_project"),)

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("coordination_social_projects.id", ondelete="CASCADE"), index=True)


class Article(TenantScoped, Base):
    """News or a campaign of the district, for all its compounds or one."""

    __tablename__ = "coordination_articles"
    __citus_reference__ = "a district's news item: compound_id is NULL for the whole district and only targets it"
    __rls_exempt__ = (
        "a district's own news item (TenantScoped); compound_id only targets it at one compound's residents, and the"
        " services read it by tenant and audience"
    )
    __table_args__ = (Index("ix_coordination_articles_published", "tenant_id", "published_at"),)

    kind: Mapped[str] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(30), default="other")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    compound_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """None: every compound of the district (no foreign key: a reference table on Citus)."""
    author_label: Mapped[str] = mapped_column(String(100), default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Selection(TenantScoped, Base):
    """A model selection (评选): nominations, review, public vote, result."""

    __tablename__ = "coordination_selections"

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="nominating")


class Nomination(TenantScoped, Base):
    """A nominee of a selection, from one compound; shown to voters once the community approves it."""

    __tablename__ = "coordination_nominations"
    __citus_reference__ = "an entry in a district-wide selection, voted on from every compound (selection votes reference it)"
    __rls_exempt__ = (
        "an entry in a district-wide selection (TenantScoped); residents of every compound of the district see and vote"
        " on all of them, so compound_id names the nominee's compound, not a wall"
    )
    __table_args__ = (Index("ix_coordination_nominations_selection", "selection_id", "status"),)

    selection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("coordination_selections.id", ondelete="CASCADE"))
    compound_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The nominee's compound (no foreign key: a reference table on Citus)."""
    nominee: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    nominated_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    review_note: Mapped[str] = mapped_column(String(300), default="")


class SelectionVote(TenantScoped, Base):
    """One resident's vote in a selection (one per resident per selection, whatever compound they vote from)."""

    __tablename__ = "coordination_selection_votes"
    __table_args__ = (
        UniqueConstraint("selection_id", "user_id", name="uq_coordination_selection_votes_voter"),
        ForeignKeyConstraint(["nomination_id"], ["coordination_nominations.id"], ondelete="CASCADE"),
        Index("ix_coordination_selection_votes_nomination", "nomination_id"),
    )

    selection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("coordination_selections.id", ondelete="CASCADE"))
    nomination_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))


MODELS: list[type] = [SocialForce, SocialProject, ProjectCompound, Article, Selection, Nomination, SelectionVote]
