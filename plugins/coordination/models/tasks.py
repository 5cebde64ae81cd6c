"""Community tasks (物业参与社区治理): the community assigns a task to the operators of chosen compounds; each reports
completion with evidence."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped, UTCDateTime

TASK_KINDS = ("safety_inspection", "campaign", "emergency", "other")


class CommunityTask(TenantScoped, Base):
    """A task of the district's community or street (tenant: the district) with a deadline."""

    __tablename__ = "coordination_tasks"

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(String(100), default="")


class TaskAssignment(CompoundScoped, Base):
    """The task for one compound: its operator reports completion (evidence as attachments of this record)."""

    __tablename__ = "coordination_task_assignments"
    __table_args__ = (
        UniqueConstraint("compound_id", "task_id", name="uq_coordination_task_assignments_task"),
        Index("ix_coordination_task_assignments_task", "task_id"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("coordination_tasks.id", ondelete="CASCADE"))
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reported_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    reported_by_label: Mapped[str] = mapped_column(String(100), default="")
    report: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)


MODELS: list[type] = [CommunityTask, TaskAssignment]
