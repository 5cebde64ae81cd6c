"""party_building's part of a generated city (``redprop generate city``, issue 17): a party committee per community
(made by the first batch that meets the community), a branch per compound covering it, and members — about one
resident in forty — placed in their compound's branch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plugins.party_building.models import LEVEL_OF_KIND, OrganisationCoverage, PartyMember, PartyMembership, PartyOrganisation

MEMBER_SHARE = 0.025


def register(city: Any) -> None:
    city.per_compounds("party_building", make)


def make(batch: Any) -> None:
    rng = batch.rng("party_building")
    communities: dict[Any, Any] = batch.city.state.setdefault("party_building.communities", {})
    organisations, coverages, members, memberships = [], [], [], []
    today = batch.now.date()
    for compound in batch.compounds:
        community = communities.get(compound.community_id)
        if community is None:
            community = communities[compound.community_id] = batch.new_id()
            organisations.append(
                {
                    "id": community,
                    "tenant_id": compound.district_id,
                    "kind": "community_committee",
                    "name": f"社区党委{len(communities)}",
                    "parent_id": None,
                    "community_id": compound.community_id,
                    "enterprise_tenant_id": None,
                    "founded_on": dt.date(2018, 7, 1),
                }
            )
        branch = batch.new_id()
        organisations.append(
            {
                "id": branch,
                "tenant_id": compound.district_id,
                "kind": "compound_branch",
                "name": f"{compound.name}小区党支部",
                "parent_id": community,
                "community_id": compound.community_id,
                "enterprise_tenant_id": None,
                "founded_on": dt.date(2021, 7, 1),
            }
        )
        for organisation in (community, branch):
            coverages.append({"compound_id": compound.id, "id": batch.new_id(), "organisation_id": organisation, "building_id": None})
        picked = [r for r in compound.residents if rng.random() < MEMBER_SHARE]
        for position, (resident, _household, name) in enumerate(picked):
            member = batch.new_id()
            serving = rng.random() < 0.4
            members.append(
                {
                    "compound_id": compound.id,
                    "id": member,
                    "name": name,
                    "status": "probationary" if rng.random() < 0.05 else "full",
                    "joined_on": dt.date(rng.randrange(1975, 2024), rng.randrange(1, 13), 1),
                    "resident_id": resident,
                    "serving": serving,
                    "registered_on": today - dt.timedelta(days=rng.randrange(10, 900)) if serving else None,
                    "show_identity": rng.random() < 0.5,
                }
            )
            memberships.append(
                {
                    "compound_id": compound.id,
                    "id": batch.new_id(),
                    "member_id": member,
                    "organisation_id": branch,
                    "level": LEVEL_OF_KIND["compound_branch"],
                    "post": "secretary" if position == 0 else ("committee_member" if position < 3 else "member"),
                }
            )
    batch.add(PartyOrganisation, organisations)
    batch.add(OrganisationCoverage, coverages)
    batch.add(PartyMember, members)
    batch.add(PartyMembership, memberships)
