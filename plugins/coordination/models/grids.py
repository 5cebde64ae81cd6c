"""Grids (网格): a community divided into grids covering buildings, a grid worker per grid."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped


class Grid(TenantScoped, Base):
    """A grid of a community (tenant: the district); its worker receives the cases located in it first."""

    __tablename__ = "coordination_grids"
    __table_args__ = (UniqueConstraint("tenant_id", "community_id", "name", name="uq_coordination_grids_name"),)

    community_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    worker_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True)


class GridBuilding(CompoundScoped, Base):
    """A building covered by a grid (a building is in one grid at most)."""

    __tablename__ = "coordination_grid_buildings"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "building_id"], ["buildings.compound_id", "buildings.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "building_id", name="uq_coordination_grid_buildings_building"),
    )

    grid_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("coordination_grids.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[uuid.UUID] = mapped_column(Uuid)


MODELS: list[type] = [Grid, GridBuilding]
