"""The words every part of party_building shares, and the module overview."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from core.schemas import Output

OrganisationKind = Literal["community_committee", "compound_branch", "enterprise_branch", "joint_branch", "building_group"]
MemberStatus = Literal["full", "probationary"]
PartyPost = Literal["secretary", "deputy_secretary", "committee_member", "group_leader", "member"]
MeetingKind = Literal["joint", "branch_assembly", "branch_committee", "group_meeting", "party_lesson", "theme_day"]
AttendeeSide = Literal["party", "committee", "property", "department", "member", "other"]
Period = Literal["month", "quarter", "year"]
OwnerKind = Literal["person", "property_company", "owners_committee", "party_organisation", "department"]
ResponsibilityRole = Literal["organisation", "secretary", "committee_member", "member", "property_company", "owners_committee"]
ResponsibilityPeriod = Literal["month", "quarter", "year", "once"]
DisclosureCategory = Literal["fee_standard", "income_expense", "maintenance_fund", "contract", "other"]
LongText = Annotated[str, msgspec.Meta(max_length=20000)]


class ModuleOverview(Output):
    """What the module is and whether it serves this compound."""

    module: str
    label_zh: str
    label_en: str
    compound_id: str
