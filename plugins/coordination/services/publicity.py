"""Social forces (社会力量), culture and publicity (文化和宣传, 三德建设), model selections (文明家庭, 最美志愿者…).

The district keeps a registry of social organisations, enterprises and
volunteer teams and their projects (linked to the compounds they serve),
publishes news and campaigns for all its compounds or one, and runs
selections: residents and staff nominate (``nominating``), the community
reviews (``reviewing``: each nomination approved or rejected with a note), the
approved nominees go to a public vote (``voting``; one vote per resident per
selection, whatever compound they vote from), and the result stands
(``closed``). The portal shows a compound's residents its district's
publicity and selections.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.context import RequestContext, forbidden
from core.pagination import paginate
from core.problems import conflict, invalid, not_found
from core.security import mask_phone
from core.states import StateMachine
from plugins.coordination.models.publicity import (
    ARTICLE_KINDS,
    FORCE_KINDS,
    SELECTION_KINDS,
    THEMES,
    Article,
    Nomination,
    ProjectCompound,
    Selection,
    SelectionVote,
    SocialForce,
    SocialProject,
)
from plugins.coordination.schemas import publicity as s
from tenants.models import Compound

SELECTION = StateMachine(
    "selection",
    {
        "nominating": {"review": "reviewing"},
        "reviewing": {"open_vote": "voting", "reopen": "nominating"},
        "voting": {"close": "closed"},
        "closed": {},
    },
)


def _district(ctx: RequestContext, obj: str) -> uuid.UUID:
    if ctx.tenant_id is None:
        raise forbidden(obj, "write")
    return ctx.tenant_id


async def district_of(session: AsyncSession, compound_id: uuid.UUID) -> uuid.UUID:
    district = await session.scalar(select(Compound.district_tenant_id).where(Compound.id == compound_id))
    if district is None:
        raise not_found("compound")
    return district


# --------------------------------------------------------------------------- social forces


async def create_force(ctx: RequestContext, data: s.ForceIn) -> s.ForceOut:
    ctx.require("coordination.social_force", "write")
    district = _district(ctx, "coordination.social_force")
    if data.kind not in FORCE_KINDS:
        raise invalid("kind", f"one of {', '.join(FORCE_KINDS)}")
    if await ctx.session.scalar(select(SocialForce.id).where(SocialForce.tenant_id == district, SocialForce.name == data.name)):
        raise conflict("the registry already has a social force of this name")
    force = SocialForce(
        tenant_id=district,
        kind=data.kind,
        name=data.name,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        description=data.description,
    )
    ctx.session.add(force)
    await ctx.session.flush()
    return (await _forces_out(ctx, [force]))[0]


async def _forces_out(ctx: RequestContext, rows: list[SocialForce]) -> list[s.ForceOut]:
    counts = dict(
        (
            await ctx.session.execute(
                select(SocialProject.force_id, func.count())
                .where(SocialProject.force_id.in_([f.id for f in rows]))
                .group_by(SocialProject.force_id)
            )
        ).all()
    )
    unmasked = ctx.can("coordination.social_force", "write")
    return [
        s.ForceOut(
            id=f.id,
            kind=f.kind,
            name=f.name,
            contact_name=f.contact_name,
            contact_phone=f.contact_phone if unmasked else mask_phone(f.contact_phone),
            description=f.description,
            projects=int(counts.get(f.id, 0)),
        )
        for f in rows
    ]


async def forces(ctx: RequestContext, limit: int, offset: int) -> tuple[list[s.ForceOut], int]:
    district = _district(ctx, "coordination.social_force")
    rows, total = await paginate(
        ctx.session,
        select(SocialForce).where(SocialForce.tenant_id == district).order_by(SocialForce.kind, SocialForce.name),
        limit,
        offset,
    )
    return await _forces_out(ctx, rows), total


async def create_project(ctx: RequestContext, force_id: uuid.UUID, data: s.ProjectIn) -> s.ProjectOut:
    ctx.require("coordination.social_force", "write")
    district = _district(ctx, "coordination.social_force")
    force = await ctx.session.scalar(select(SocialForce).where(SocialForce.id == force_id, SocialForce.tenant_id == district))
    if force is None:
        raise not_found("social force")
    if data.ends_on and data.ends_on < data.starts_on:
        raise invalid("ends_on", "ends before it starts")
    wanted = list(dict.fromkeys(data.compound_ids))
    found = set(
        (await ctx.session.scalars(select(Compound.id).where(Compound.id.in_(wanted), Compound.district_tenant_id == district))).all()
    )
    if missing := [c for c in wanted if c not in found]:
        raise invalid("compound_ids", f"not compounds of your district: {', '.join(map(str, missing))}")
    project = SocialProject(
        tenant_id=district,
        force_id=force.id,
        title=data.title,
        description=data.description,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
    )
    ctx.session.add(project)
    await ctx.session.flush()
    ctx.session.add_all([ProjectCompound(compound_id=c, project_id=project.id) for c in wanted])
    await ctx.session.flush()
    return (await _projects_out(ctx.session, [project]))[0]


async def _projects_out(session: AsyncSession, rows: list[SocialProject]) -> list[s.ProjectOut]:
    ids = [p.id for p in rows]
    served: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for project_id, compound_id in (
        await session.execute(select(ProjectCompound.project_id, ProjectCompound.compound_id).where(ProjectCompound.project_id.in_(ids)))
    ).all():
        served[project_id].append(compound_id)
    names = dict(
        (await session.execute(select(SocialForce.id, SocialForce.name).where(SocialForce.id.in_({p.force_id for p in rows})))).all()
    )
    return [
        s.ProjectOut(
            id=p.id,
            force_id=p.force_id,
            force_name=names.get(p.force_id, ""),
            title=p.title,
            description=p.description,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            compound_ids=sorted(served[p.id]),
        )
        for p in rows
    ]


async def compound_projects(ctx: RequestContext, compound_id: uuid.UUID, limit: int, offset: int) -> tuple[list[s.ProjectOut], int]:
    """Projects of social forces serving a compound."""
    stmt = (
        select(SocialProject)
        .join(ProjectCompound, ProjectCompound.project_id == SocialProject.id)
        .where(ProjectCompound.compound_id == compound_id)
        .order_by(SocialProject.starts_on.desc())
    )
    rows, total = await paginate(ctx.session, stmt, limit, offset)
    return await _projects_out(ctx.session, rows), total


# --------------------------------------------------------------------------- news and campaigns


def _article_out(a: Article) -> s.ArticleOut:
    return s.ArticleOut(
        id=a.id,
        kind=a.kind,
        theme=a.theme,
        title=a.title,
        body=a.body,
        compound_id=a.compound_id,
        author_label=a.author_label,
        published_at=a.published_at,
    )


async def publish(ctx: RequestContext, data: s.ArticleIn) -> s.ArticleOut:
    ctx.require("coordination.publicity", "write")
    district = _district(ctx, "coordination.publicity")
    if data.kind not in ARTICLE_KINDS:
        raise invalid("kind", f"one of {', '.join(ARTICLE_KINDS)}")
    if data.theme not in THEMES:
        raise invalid("theme", f"one of {', '.join(THEMES)}")
    if data.compound_id is not None:
        found = await ctx.session.scalar(select(Compound.district_tenant_id).where(Compound.id == data.compound_id))
        if found != district:
            raise invalid("compound_id", "not a compound of your district")
    article = Article(
        tenant_id=district,
        kind=data.kind,
        theme=data.theme,
        title=data.title,
        body=data.body,
        compound_id=data.compound_id,
        author_label=ctx.display_name,
        published_at=now(),
    )
    ctx.session.add(article)
    await ctx.session.flush()
    return _article_out(article)


async def articles(ctx: RequestContext, compound_id: uuid.UUID, limit: int, offset: int) -> tuple[list[s.ArticleOut], int]:
    """The district's news and campaigns for a compound (its own and the district-wide ones), newest first."""
    district = await district_of(ctx.session, compound_id)
    stmt = (
        select(Article)
        .where(Article.tenant_id == district, or_(Article.compound_id.is_(None), Article.compound_id == compound_id))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )
    rows, total = await paginate(ctx.session, stmt, limit, offset)
    return [_article_out(a) for a in rows], total


# --------------------------------------------------------------------------- selections


async def create_selection(ctx: RequestContext, data: s.SelectionIn) -> s.SelectionOut:
    ctx.require("coordination.selection", "approve")
    district = _district(ctx, "coordination.selection")
    if data.kind not in SELECTION_KINDS:
        raise invalid("kind", f"one of {', '.join(SELECTION_KINDS)}")
    row = Selection(tenant_id=district, kind=data.kind, title=data.title, description=data.description, state=SELECTION.initial)
    ctx.session.add(row)
    await ctx.session.flush()
    return (await selections_out(ctx, [row], full=True))[0]


async def _selection(session: AsyncSession, district: uuid.UUID, selection_id: uuid.UUID, *, for_update: bool = False) -> Selection:
    stmt = select(Selection).where(Selection.id == selection_id, Selection.tenant_id == district)
    row = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise not_found("selection")
    return row


async def move_selection(ctx: RequestContext, selection_id: uuid.UUID, data: s.SelectionMoveIn) -> s.SelectionOut:
    ctx.require("coordination.selection", "approve")
    row = await _selection(ctx.session, _district(ctx, "coordination.selection"), selection_id, for_update=True)
    target = SELECTION.next(row.state, data.action)
    if data.action == "open_vote":
        approved = await ctx.session.scalar(
            select(func.count()).select_from(Nomination).where(Nomination.selection_id == row.id, Nomination.status == "approved")
        )
        if not approved:
            raise conflict("approve at least one nomination before the vote opens")
    row.state = target
    await ctx.session.flush()
    return (await selections_out(ctx, [row], full=True))[0]


async def nominate(ctx: RequestContext, compound_id: uuid.UUID, selection_id: uuid.UUID, data: s.NominationIn) -> s.NominationOut:
    """A resident or staff of the compound nominates someone of it while nominations are open."""
    ctx.require("coordination.nomination", "write", compound_id)
    row = await _selection(ctx.session, await district_of(ctx.session, compound_id), selection_id)
    if row.state != "nominating":
        raise conflict(f"nominations are closed (the selection is {row.state})", state=row.state)
    nomination = Nomination(
        tenant_id=row.tenant_id,
        selection_id=row.id,
        compound_id=compound_id,
        nominee=data.nominee,
        reason=data.reason,
        nominated_by_user_id=ctx.user_id,
    )
    ctx.session.add(nomination)
    await ctx.session.flush()
    return (await _nominations_out(ctx.session, [nomination]))[0]


async def review(ctx: RequestContext, selection_id: uuid.UUID, nomination_id: uuid.UUID, data: s.ReviewIn) -> s.SelectionOut:
    ctx.require("coordination.selection", "approve")
    row = await _selection(ctx.session, _district(ctx, "coordination.selection"), selection_id)
    if row.state not in ("nominating", "reviewing"):
        raise conflict(f"the selection is {row.state}: nominations are no longer reviewed", state=row.state)
    nomination = await ctx.session.scalar(select(Nomination).where(Nomination.id == nomination_id, Nomination.selection_id == row.id))
    if nomination is None:
        raise not_found("nomination")
    if not data.approve and not data.note.strip():
        raise invalid("note", "give the reason of a rejection")
    nomination.status, nomination.review_note = ("approved" if data.approve else "rejected"), data.note.strip()
    await ctx.session.flush()
    return (await selections_out(ctx, [row], full=True))[0]


async def vote(ctx: RequestContext, compound_id: uuid.UUID, selection_id: uuid.UUID, data: s.VoteIn) -> s.SelectionOut:
    """One vote per resident per selection, for an approved nominee, while the vote is open."""
    ctx.require("coordination.vote", "write", compound_id)
    row = await _selection(ctx.session, await district_of(ctx.session, compound_id), selection_id)
    if row.state != "voting":
        raise conflict(f"the vote is not open (the selection is {row.state})", state=row.state)
    nomination = await ctx.session.scalar(
        select(Nomination.id).where(Nomination.id == data.nomination_id, Nomination.selection_id == row.id, Nomination.status == "approved")
    )
    if nomination is None:
        raise invalid("nomination_id", "not an approved nominee of this selection")
    if await ctx.session.scalar(select(SelectionVote.id).where(SelectionVote.selection_id == row.id, SelectionVote.user_id == ctx.user_id)):
        raise conflict("you have already voted in this selection")
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(SelectionVote(tenant_id=row.tenant_id, selection_id=row.id, nomination_id=nomination, user_id=ctx.user_id))
    except IntegrityError:  # two votes at once: the unique constraint keeps one
        raise conflict("you have already voted in this selection") from None
    return (await selections_out(ctx, [row]))[0]


async def _nominations_out(session: AsyncSession, rows: list[Nomination]) -> list[s.NominationOut]:
    counts = dict(
        (
            await session.execute(
                select(SelectionVote.nomination_id, func.count())
                .where(SelectionVote.nomination_id.in_([n.id for n in rows]))
                .group_by(SelectionVote.nomination_id)
            )
        ).all()
    )
    names = dict((await session.execute(select(Compound.id, Compound.name).where(Compound.id.in_({n.compound_id for n in rows})))).all())
    return [
        s.NominationOut(
            id=n.id,
            compound_id=n.compound_id,
            compound_name=names.get(n.compound_id, ""),
            nominee=n.nominee,
            reason=n.reason,
            status=n.status,
            review_note=n.review_note,
            votes=int(counts.get(n.id, 0)),
        )
        for n in rows
    ]


async def selections_out(ctx: RequestContext, rows: list[Selection], *, full: bool = False) -> list[s.SelectionOut]:
    """Selections with their nominees and counts in a few queries; ``full`` shows every nomination (the community's
    review), otherwise only the approved ones."""
    ids = [r.id for r in rows]
    stmt = select(Nomination).where(Nomination.selection_id.in_(ids)).order_by(Nomination.created_at, Nomination.id)
    if not full:
        stmt = stmt.where(Nomination.status == "approved")
    nominations = (await ctx.session.scalars(stmt)).all()
    shaped = await _nominations_out(ctx.session, list(nominations))
    by_selection: dict[uuid.UUID, list[s.NominationOut]] = defaultdict(list)
    for n, out in zip(nominations, shaped, strict=True):
        by_selection[n.selection_id].append(out)
    mine = dict(
        (
            await ctx.session.execute(
                select(SelectionVote.selection_id, SelectionVote.nomination_id).where(
                    SelectionVote.selection_id.in_(ids), SelectionVote.user_id == ctx.user_id
                )
            )
        ).all()
    )
    may_move = ctx.can("coordination.selection", "approve")
    return [
        s.SelectionOut(
            id=r.id,
            kind=r.kind,
            title=r.title,
            description=r.description,
            state=r.state,
            allowed=SELECTION.allowed(r.state) if may_move else [],
            nominations=by_selection[r.id],
            my_vote=mine.get(r.id),
            total_votes=sum(n.votes for n in by_selection[r.id]),
        )
        for r in rows
    ]


async def district_selections(ctx: RequestContext, limit: int, offset: int) -> tuple[list[s.SelectionOut], int]:
    ctx.require("coordination.selection", "approve")
    district = _district(ctx, "coordination.selection")
    rows, total = await paginate(
        ctx.session, select(Selection).where(Selection.tenant_id == district).order_by(Selection.created_at.desc()), limit, offset
    )
    return await selections_out(ctx, list(rows), full=True), total


async def compound_selections(ctx: RequestContext, compound_id: uuid.UUID, limit: int, offset: int) -> tuple[list[s.SelectionOut], int]:
    """The district's selections as a compound's residents see them (approved nominees, counts, their own vote)."""
    district = await district_of(ctx.session, compound_id)
    rows, total = await paginate(
        ctx.session, select(Selection).where(Selection.tenant_id == district).order_by(Selection.created_at.desc()), limit, offset
    )
    return await selections_out(ctx, list(rows)), total
