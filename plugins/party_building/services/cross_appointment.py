"""Cross-appointment (双向进入、交叉任职): posts across party, owners' committee and property company."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.identity.models import Membership
from core.problems import not_found
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    local_today,
    percent,
)
from plugins.party_building.services.members import (
    members_query,
    memberships_of,
)
from plugins.party_building.services.organisations import (
    covers,
    organisations_serving,
)
from plugins.party_building.services.targets import targets
from tenants.models import CommitteeMember, Compound, OwnersCommittee, Tenant

# --------------------------------------------------------------------------- cross-appointment (双向进入、交叉任职)


async def current_committee_members(session: AsyncSession, compound_id: uuid.UUID, today: dt.date) -> list[CommitteeMember]:
    return list(
        (
            await session.scalars(
                select(CommitteeMember)
                .join(
                    OwnersCommittee,
                    (OwnersCommittee.compound_id == CommitteeMember.compound_id) & (OwnersCommittee.id == CommitteeMember.committee_id),
                )
                .where(
                    CommitteeMember.compound_id == compound_id,
                    OwnersCommittee.term_start <= today,
                    OwnersCommittee.term_end >= today,
                    CommitteeMember.term_start <= today,
                    CommitteeMember.term_end >= today,
                )
                .order_by(CommitteeMember.post, CommitteeMember.name)
            )
        ).all()
    )


def _same_person(member: m.PartyMember, cm: CommitteeMember) -> bool:
    return (member.resident_id is not None and member.resident_id == cm.resident_id) or (
        member.user_id is not None and member.user_id == cm.user_id
    )


async def cross_appointment(session: AsyncSession, compound_id: uuid.UUID, today: dt.date | None = None) -> s.CrossAppointment:
    """Each party member's posts in the party, the owners' committee and the property company; the committee's party share."""
    today = today or await local_today(session, compound_id)
    compound = await session.get(Compound, compound_id)
    if compound is None:
        raise not_found("compound")
    goal = await targets(session, compound.district_tenant_id)
    committee = await current_committee_members(session, compound_id, today)
    members = list((await session.scalars(members_query(compound_id))).all())
    memberships = await memberships_of(session, compound_id, [p.id for p in members])
    titles: dict[uuid.UUID, str] = {}
    users = [p.user_id for p in members if p.user_id]
    if users and compound.operator_tenant_id:
        titles = {
            u: t
            for u, t in (
                await session.execute(
                    select(Membership.user_id, Membership.title).where(
                        Membership.tenant_id == compound.operator_tenant_id, Membership.user_id.in_(users)
                    )
                )
            ).all()
            if t
        }
    operator = (
        await session.scalar(select(Tenant.name).where(Tenant.id == compound.operator_tenant_id)) if compound.operator_tenant_id else None
    )
    people: list[s.PersonPosts] = []
    for p in members:
        posts = [s.PostOut(body="party", name=ms.organisation_name, post=ms.post) for ms in memberships.get(p.id, [])]
        posts += [s.PostOut(body="committee", name="业主委员会", post=cm.post) for cm in committee if _same_person(p, cm)]
        company_post = titles.get(p.user_id) if p.user_id else None
        if company_post or p.property_post:
            posts.append(s.PostOut(body="property", name=operator or "", post=company_post or p.property_post or ""))
        if len({post.body for post in posts}) > 1:
            people.append(s.PersonPosts(member_id=p.id, name=p.name, posts=posts))
    on_committee = [cm for cm in committee if any(_same_person(p, cm) for p in members)]
    branches = [
        o
        for o in await organisations_serving(session, compound_id)
        if o.kind in m.BRANCH_KINDS and await covers(session, o.id, compound_id)
    ]
    secretary = None
    for branch in branches:
        secretary_id = await session.scalar(
            select(m.PartyMembership.member_id).where(
                m.PartyMembership.compound_id == compound_id,
                m.PartyMembership.organisation_id == branch.id,
                m.PartyMembership.post == "secretary",
            )
        )
        secretary = next((p for p in members if p.id == secretary_id), None)
        if secretary is not None:
            break
    share = percent(len(on_committee), len(committee))
    return s.CrossAppointment(
        compound_id=compound_id,
        committee_members=len(committee),
        committee_party_members=len(on_committee),
        committee_party_share=share,
        share_target=goal.committee_party_share,
        share_met=None if share is None else share >= goal.committee_party_share,
        secretary_name=secretary.name if secretary else (branches[0].secretary_name if branches else None),
        secretary_on_committee=secretary is not None and any(_same_person(secretary, cm) for cm in committee),
        secretary_target=goal.secretary_on_committee,
        people=people,
    )
