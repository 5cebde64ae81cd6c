"""``redprop plugin new NAME``: a vendor plugin package with the standard layout and its contract test."""

from __future__ import annotations

import pathlib
import re

from core.plugins import HOOK_API_VERSION

FILES: dict[str, str] = {
    "pyproject.toml": """[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "redprop-{dash}"
version = "0.1.0"
description = "{title}: a redprop plugin"
requires-python = ">=3.11"
dependencies = ["redprop"]

[project.entry-points."redprop.plugins"]
{name} = "redprop_{name}"

[tool.setuptools.package-data]
"*" = ["*.csv", "templates/**/*"]
""",
    "README.md": """# redprop-{dash}

A redprop plugin. Install it next to redprop (`pip install -e .`), run
`redprop db upgrade` (its migrations form the branch `{name}`), and enable the
module for a compound through a plan or the district. `pytest` runs the
contract test kit that redprop ships.
""",
    "redprop_{name}/__init__.py": '''"""{name} — {title}: the plugin's hook implementations and nothing else."""

from __future__ import annotations

import pathlib

from core.plugins import HOOK_API_VERSION, hookimpl

NAME = "{name}"


@hookimpl
def redprop_plugin_info():
    return {{"name": NAME, "version": "0.1.0", "hook_api": HOOK_API_VERSION, "module": True, "label_zh": "{title}", "label_en": "{title}"}}


@hookimpl
def redprop_models():
    from redprop_{name}.models import MODELS

    return MODELS


@hookimpl
def redprop_route_handlers():
    from redprop_{name}.api import ROUTE_HANDLERS

    return ROUTE_HANDLERS


@hookimpl
def redprop_pages():
    from redprop_{name}.pages import PAGES

    return PAGES


@hookimpl
def redprop_policies():
    return [str(pathlib.Path(__file__).with_name("policies.csv"))]


@hookimpl
def redprop_actors():
    from redprop_{name}.jobs import ACTORS

    return ACTORS


@hookimpl
def redprop_schedules():
    from redprop_{name}.jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def redprop_indicators():
    from redprop_{name}.indicators import INDICATORS

    return INDICATORS


@hookimpl
def redprop_event_types():
    return [{{"name": "{name}.note.added", "fields": ["note_id"], "description": "A note was added to a compound."}}]
''',
    "redprop_{name}/models.py": '''"""Tables of {name}: compound-scoped rows (compound_id first in every key)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped


class Note(CompoundScoped, Base):
    """A note kept for a compound (replace with the plugin's own records)."""

    __tablename__ = "{name}_notes"

    title: Mapped[str] = mapped_column(String(200))


MODELS: list[type] = [Note]
''',
    "redprop_{name}/schemas.py": '''"""Request and response structs of {name}."""

from __future__ import annotations

import uuid

from core.schemas import Input, LongName, Output


class NoteIn(Input):
    title: LongName


class NoteOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    title: str
''',
    "redprop_{name}/services.py": '''"""Rules of {name}, without HTTP."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.events.services import emit
from redprop_{name}.models import Note


async def add_note(session: AsyncSession, compound_id: uuid.UUID, title: str) -> Note:
    note = Note(compound_id=compound_id, title=title)
    session.add(note)
    await session.flush()
    emit(session, "{name}.note.added", {{"note_id": str(note.id)}}, compound_id=compound_id)
    return note


async def notes(session: AsyncSession, compound_id: uuid.UUID) -> list[Note]:
    return list((await session.scalars(select(Note).where(Note.compound_id == compound_id).order_by(Note.created_at))).all())
''',
    "redprop_{name}/api.py": '''"""HTTP handlers of {name} under /api/v1/compounds/{{compound_id}}/{name} (thin)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import requires
from redprop_{name} import services
from redprop_{name}.schemas import NoteIn, NoteOut


class NotesController(Controller):
    path = "/api/v1/compounds/{{compound_id:uuid}}/{name}/notes"
    tags = ["{name}"]

    @get("/", operation_id="{name}ListNotes", guards=[requires("{name}.note", "read")])
    async def list_notes(self, compound_id: uuid.UUID, session: AsyncSession) -> list[NoteOut]:
        """The compound's notes."""
        return [NoteOut(id=n.id, compound_id=n.compound_id, title=n.title) for n in await services.notes(session, compound_id)]

    @post("/", operation_id="{name}AddNote", guards=[requires("{name}.note", "write")])
    async def add_note(self, compound_id: uuid.UUID, data: NoteIn, session: AsyncSession) -> NoteOut:
        """Add a note."""
        n = await services.add_note(session, compound_id, data.title)
        return NoteOut(id=n.id, compound_id=n.compound_id, title=n.title)


ROUTE_HANDLERS = [NotesController]
''',
    "redprop_{name}/pages.py": '''"""Console and portal navigation entries of {name}."""

from __future__ import annotations

PAGES: list[dict] = []
''',
    "redprop_{name}/jobs.py": '''"""Jobs and schedules of {name} (core.jobs.runtime.Job specs)."""

from __future__ import annotations

ACTORS: list = []
SCHEDULES: list[dict] = []
''',
    "redprop_{name}/indicators.py": '''"""Indicators {name} contributes to evaluation."""

from __future__ import annotations

INDICATORS: list[dict] = []
''',
    "redprop_{name}/policies.csv": """# r, role, tenant kinds (|), label zh-CN, label en   /   p, role, *, object, action
p, enterprise_admin, *, {name}.note, read
p, enterprise_admin, *, {name}.note, write
p, enterprise_manager, *, {name}.note, read
p, enterprise_manager, *, {name}.note, write
p, district_admin, *, {name}.note, read
""",
    "redprop_{name}/templates/.gitkeep": "",
    "redprop_{name}/migrations/__init__.py": "",
    "redprop_{name}/migrations/versions/{name}_0001_notes.py": '''"""{name}: notes table.

Revision ID: {name}_0001
Revises:
Create Date: scaffolded
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "{name}_0001"
down_revision = None
branch_labels = ("{name}",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "{name}_notes",
        sa.Column("compound_id", sa.Uuid(), sa.ForeignKey("compounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("compound_id", "id"),
    )
    rls.enable("{name}_notes")
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    rls.disable("{name}_notes")
    op.drop_table("{name}_notes")
''',
    "tests/test_contract.py": '''"""The plugin honours redprop's plugin contract."""

import redprop_{name}
from core.plugins.contract import assert_plugin_contract


def test_contract():
    assert_plugin_contract(redprop_{name})
''',
}


def scaffold(name: str, target: pathlib.Path, title: str | None = None) -> list[pathlib.Path]:
    """Write a new plugin package ``redprop-<name>`` under ``target``; returns the files written."""
    if not re.match(r"^[a-z][a-z0-9_]{1,40}$", name):
        raise ValueError("the plugin name is lower_snake_case, 2 to 41 characters")
    root = target / f"redprop-{name.replace('_', '-')}"
    if root.exists():
        raise FileExistsError(f"{root} exists")
    values = {"name": name, "dash": name.replace("_", "-"), "title": title or name.replace("_", " ").title(), "api": HOOK_API_VERSION}
    written = []
    for rel, text in FILES.items():
        path = root / rel.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**values), encoding="utf-8")
        written.append(path)
    return written
