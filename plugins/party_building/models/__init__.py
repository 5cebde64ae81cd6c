"""Tables of party_building (党建引领), one module per part.

Party organisations belong to the tenant that owns them (the district for
community committees, compound and joint branches and building groups; the
enterprise for its own branch), so they are ``TenantScoped``; what an
organisation covers is recorded per compound in ``party_coverages``, which is
``CompoundScoped`` — an enterprise therefore reaches an organisation only
through the compounds it operates. Everything about people and their work in a
compound (members, meetings, action items, study, disclosures) is
``CompoundScoped`` with composite foreign keys, as the data-scope design asks.
"""

from __future__ import annotations

from core.db import CompoundScoped
from plugins.party_building.models.disclosure import Disclosure, DisclosureVersion
from plugins.party_building.models.meetings import ActionItem, Meeting, MeetingAttendee, MeetingGap, Resolution
from plugins.party_building.models.members import CentralHousehold, CentralHouseholdLink, PartyMember, PartyMembership
from plugins.party_building.models.organisations import OrganisationCoverage, PartyOrganisation
from plugins.party_building.models.pre_review import PreReview
from plugins.party_building.models.responsibilities import Responsibility, ResponsibilityRecord
from plugins.party_building.models.study import StudyAttendance, StudySession
from plugins.party_building.models.targets import DistrictTargets, MeetingRequirement
from plugins.party_building.models.vocabulary import (
    ACTION_STATUSES,
    ATTENDEE_SIDES,
    BRANCH_KINDS,
    DISCLOSURE_CATEGORIES,
    DISCLOSURE_STATUSES,
    DISTRICT_KINDS,
    ENTERPRISE_KINDS,
    LEVEL_OF_KIND,
    MEETING_KINDS,
    MEETING_STATUSES,
    MEMBER_STATUSES,
    ORGANISATION_KINDS,
    OWNER_KINDS,
    PARTY_POSTS,
    PERIODS,
    RESPONSIBILITY_PERIODS,
    RESPONSIBILITY_ROLES,
)

MODELS: list[type] = [
    PartyOrganisation,
    OrganisationCoverage,
    PartyMember,
    PartyMembership,
    CentralHousehold,
    CentralHouseholdLink,
    DistrictTargets,
    MeetingRequirement,
    Meeting,
    MeetingAttendee,
    Resolution,
    ActionItem,
    MeetingGap,
    Responsibility,
    ResponsibilityRecord,
    StudySession,
    StudyAttendance,
    Disclosure,
    DisclosureVersion,
    PreReview,
]
COMPOUND_TABLES = [m.__tablename__ for m in MODELS if issubclass(m, CompoundScoped)]

__all__ = [
    "PreReview",
    "ORGANISATION_KINDS",
    "LEVEL_OF_KIND",
    "DISTRICT_KINDS",
    "ENTERPRISE_KINDS",
    "BRANCH_KINDS",
    "MEMBER_STATUSES",
    "PARTY_POSTS",
    "MEETING_KINDS",
    "MEETING_STATUSES",
    "ATTENDEE_SIDES",
    "PERIODS",
    "OWNER_KINDS",
    "ACTION_STATUSES",
    "RESPONSIBILITY_ROLES",
    "RESPONSIBILITY_PERIODS",
    "DISCLOSURE_CATEGORIES",
    "DISCLOSURE_STATUSES",
    "PartyOrganisation",
    "OrganisationCoverage",
    "PartyMember",
    "PartyMembership",
    "CentralHousehold",
    "CentralHouseholdLink",
    "DistrictTargets",
    "MeetingRequirement",
    "Meeting",
    "MeetingAttendee",
    "Resolution",
    "ActionItem",
    "MeetingGap",
    "Responsibility",
    "ResponsibilityRecord",
    "StudySession",
    "StudyAttendance",
    "Disclosure",
    "DisclosureVersion",
    "MODELS",
    "COMPOUND_TABLES",
]
