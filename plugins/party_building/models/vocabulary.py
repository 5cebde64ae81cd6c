"""The words of party_building: kinds, levels, posts, statuses and periods."""

from __future__ import annotations

# --------------------------------------------------------------------------- vocabulary

ORGANISATION_KINDS = ("community_committee", "compound_branch", "enterprise_branch", "joint_branch", "building_group")
"""社区党委, 小区党支部, 物业企业党支部, 联合党支部, 楼栋党小组."""
LEVEL_OF_KIND = {
    "community_committee": "community",
    "compound_branch": "branch",
    "enterprise_branch": "branch",
    "joint_branch": "branch",
    "building_group": "group",
}
"""A person belongs to at most one organisation of each level."""
DISTRICT_KINDS = ("community_committee", "compound_branch", "joint_branch", "building_group")
ENTERPRISE_KINDS = ("enterprise_branch",)
BRANCH_KINDS = ("compound_branch", "joint_branch")
"""Organisations that count as a compound's branch in the coverage report (两个覆盖)."""

MEMBER_STATUSES = ("full", "probationary")
"""正式党员, 预备党员."""
PARTY_POSTS = ("secretary", "deputy_secretary", "committee_member", "group_leader", "member")

MEETING_KINDS = ("joint", "branch_assembly", "branch_committee", "group_meeting", "party_lesson", "theme_day")
"""红色物业联席会议, and the branch's 三会一课 (党员大会, 支委会, 党小组会, 党课) and 主题党日."""
MEETING_STATUSES = ("planned", "held", "cancelled")
ATTENDEE_SIDES = ("party", "committee", "property", "department", "member", "other")
PERIODS = ("month", "quarter", "year")

OWNER_KINDS = ("person", "property_company", "owners_committee", "party_organisation", "department")
ACTION_STATUSES = ("open", "closed", "cancelled")

RESPONSIBILITY_ROLES = ("organisation", "secretary", "committee_member", "member", "property_company", "owners_committee")
RESPONSIBILITY_PERIODS = ("month", "quarter", "year", "once")

DISCLOSURE_CATEGORIES = ("fee_standard", "income_expense", "maintenance_fund", "contract", "other")
"""收费标准, 收支情况, 维修资金使用, 合同, 其他."""
DISCLOSURE_STATUSES = ("draft", "published", "withdrawn")
