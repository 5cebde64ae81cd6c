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
"*" = ["*.csv", "templates/**/*", "locale/**/*"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
testpaths = ["tests"]
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

from core.public import API_VERSION, HOOK_API_VERSION, hookimpl

NAME = "{name}"


@hookimpl
def redprop_plugin_info():
    return {{"name": NAME, "version": "0.1.0", "hook_api": HOOK_API_VERSION, "api": API_VERSION, "module": True, "label_zh": "{title}", "label_en": "{title}"}}


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

from core.public import Base, CompoundScoped


class Note(CompoundScoped, Base):
    """A note kept for a compound (replace with the plugin's own records)."""

    __tablename__ = "{name}_notes"

    title: Mapped[str] = mapped_column(String(200))


MODELS: list[type] = [Note]
''',
    "redprop_{name}/schemas.py": '''"""Request and response structs of {name}."""

from __future__ import annotations

import uuid

from core.public import Input, LongName, Output


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

from core.public import RequestContext, emit, paginate
from redprop_{name}.models import Note


async def add_note(ctx: RequestContext, title: str) -> Note:
    """Add a note to the request's compound and tell whoever listens."""
    note = Note(compound_id=ctx.compound_id, title=title)
    ctx.session.add(note)
    await ctx.session.flush()
    emit(ctx.session, "{name}.note.added", {{"note_id": str(note.id)}}, compound_id=ctx.compound_id)
    return note


async def notes(ctx: RequestContext, limit: int, offset: int) -> tuple[list[Note], int]:
    """One page of the compound's notes, oldest first (the session is scoped to the compound)."""
    return await paginate(ctx.session, select(Note).order_by(Note.created_at, Note.id), limit, offset)
''',
    "redprop_{name}/api.py": '''"""HTTP handlers of {name} under /api/v1/compounds/{{compound_id}}/{name} (thin)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post

from core.public import LimitParam, OffsetParam, Page, RequestContext, requires
from redprop_{name} import services
from redprop_{name}.pages import PAGE_ROUTER
from redprop_{name}.schemas import NoteIn, NoteOut


class NotesController(Controller):
    path = "/api/v1/compounds/{{compound_id:uuid}}/{name}/notes"
    tags = ["{name}"]

    @get("/", operation_id="{name}ListNotes", guards=[requires("{name}.note", "read")])
    async def list_notes(self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[NoteOut]:
        """The compound's notes, a page at a time."""
        rows, total = await services.notes(ctx, limit, offset)
        return Page(items=[NoteOut(id=n.id, compound_id=n.compound_id, title=n.title) for n in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="{name}AddNote", guards=[requires("{name}.note", "write")])
    async def add_note(self, compound_id: uuid.UUID, data: NoteIn, ctx: RequestContext) -> NoteOut:
        """Add a note."""
        n = await services.add_note(ctx, data.title)
        return NoteOut(id=n.id, compound_id=n.compound_id, title=n.title)


ROUTE_HANDLERS = [NotesController, PAGE_ROUTER]
''',
    "redprop_{name}/pages.py": '''"""Console and portal pages of {name}, and their navigation entries."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get

from core.public import PAGE_SIZE, OffsetParam, RequestContext, compound_name, page, pager, page_router, requires

C = "/console/compounds/{{compound_id:uuid}}/{name}"
P = "/portal/compounds/{{compound_id:uuid}}/{name}"


class NotePages(Controller):
    @get(C + "/notes", guards=[requires("{name}.note", "read")])
    async def console_notes(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The compound's notes in the console."""
        from redprop_{name} import services

        rows, total = await services.notes(ctx, PAGE_SIZE, offset)
        return await page(
            request, "{name}/notes.html", compound_id=compound_id, compound=await compound_name(ctx.session, compound_id),
            notes=rows, pager=pager(request, total, offset),
        )

    @get(P + "/notes", guards=[requires("{name}.note", "read")])
    async def portal_notes(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The compound's notes for residents, on the portal."""
        from redprop_{name} import services

        rows, total = await services.notes(ctx, PAGE_SIZE, offset)
        return await page(
            request, "{name}/notes.html", portal=True, compound_id=compound_id, compound=await compound_name(ctx.session, compound_id),
            notes=rows, pager=pager(request, total, offset),
        )


PAGE_ROUTER = page_router([NotePages])
PAGES: list[dict] = [
    {{"path": "/console/compounds/{{compound_id}}/{name}/notes", "label_zh": "{title}", "label_en": "{title}", "permission": "{name}.note:read", "portal": False}},
    {{"path": "/portal/compounds/{{compound_id}}/{name}/notes", "label_zh": "{title}", "label_en": "{title}", "permission": "{name}.note:read", "portal": True}},
]
''',
    "redprop_{name}/templates/notes.html": """{{% extends "portal/layout.html" if portal else "console/layout.html" %}}
{{% from "_macros.html" import pager_nav with context %}}
{{% block title %}}{{{{ compound }}}}{{% endblock %}}
{{% block main %}}
<div class="page-head"><div><h1>{{{{ _("Notes") }}}} · {{{{ compound }}}}</h1></div></div>
<div class="card"><ul>{{% for n in notes %}}<li>{{{{ n.title }}}}</li>{{% else %}}<li class="muted">—</li>{{% endfor %}}</ul></div>
{{{{ pager_nav(pager) }}}}
{{% endblock %}}
""",
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
p, resident, *, {name}.note, read
""",
    "redprop_{name}/locale/zh_CN/LC_MESSAGES/redprop_{name}.po": """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Notes"
msgstr "记事"
""",
    "redprop_{name}/locale/en/LC_MESSAGES/redprop_{name}.po": """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Notes"
msgstr ""
""",
    "redprop_{name}/migrations/__init__.py": "",
    "redprop_{name}/migrations/versions/{name}_0001_notes.py": '''"""{name}: notes table.

Revision ID: {name}_0001
Revises:
Create Date: scaffolded
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.public import UTCDateTime, disable_rls, enable_rls, grant_app_access

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
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("compound_id", "id"),
    )
    enable_rls("{name}_notes")
    grant_app_access()


def downgrade() -> None:
    disable_rls("{name}_notes")
    op.drop_table("{name}_notes")
''',
    "tests/conftest.py": '''"""redprop's test kit: an app on a temporary database with the demo city, users, a clock and a worker."""

pytest_plugins = ["core.testing.plugin"]
''',
    "tests/test_contract.py": '''"""The plugin honours redprop's plugin contract (each rule a test of its own)."""

from core.testing.contract import ContractSuite


class TestContract(ContractSuite):
    plugin = "redprop_{name}"
''',
    "tests/test_notes.py": '''"""Notes: off until the compound's district enables the module, then kept per compound."""

HTML = {{"Accept": "text/html"}}


async def test_notes_are_gated_and_kept_per_compound(client, as_user, enable_module, city):
    url = f"/api/v1/compounds/{{city.compounds['A1']}}/{name}/notes"
    staff = await as_user("ent-a-admin")
    assert (await client.get(url, headers=staff)).status_code == 403  # module off
    await enable_module(city.compounds["A1"], "{name}")
    created = await client.post(url, json={{"title": "快递柜"}}, headers=staff)
    assert created.status_code == 201, created.text
    listed = (await client.get(url, headers=staff)).json()
    assert [n["title"] for n in listed["items"]] == ["快递柜"] and listed["total"] == 1
    other = await as_user("ent-b-admin")
    assert (await client.get(url, headers=other)).status_code == 404


async def test_console_and_portal_pages(client, enable_module, browser_login, city):
    await enable_module(city.compounds["A1"], "{name}")
    await browser_login("ent-a-admin")
    console = await client.get(f"/console/compounds/{{city.compounds['A1']}}/{name}/notes", headers=HTML)
    assert console.status_code == 200, console.text[:300]
    await browser_login("resident-a1", portal=True)
    portal = await client.get(f"/portal/compounds/{{city.compounds['A1']}}/{name}/notes", headers=HTML)
    assert portal.status_code == 200, portal.text[:300]
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
