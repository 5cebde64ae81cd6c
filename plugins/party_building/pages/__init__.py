"""Console and portal pages of party_building, one module per part, and their navigation entries (``redprop_pages``).

Pages call the same services as the API; forms are validated by the same
structs. Compound pages carry ``{compound_id}`` in their path, so the guard
answers 404 for an unreachable compound and 403 where the module is off; every
page takes the request context (``ctx``) and asks ``ctx.can`` what to show.
"""

from __future__ import annotations

from core.web.api import page_router
from plugins.party_building.pages.common import (
    _MINUTES_ONLY,
    CATEGORIES,
    DISCLOSURE_STATUSES,
    GAPS,
    ITEM_STATUSES,
    LABELS,
    LEVELS,
    MEETING_KINDS,
    MEETING_STATUSES,
    ORGANISATION_KINDS,
    OWNER_KINDS,
    PAGES,
    PERIODS,
    POSTS,
    ROLES,
    SIDES,
    STATUSES,
    C,
    D,
    PageController,
    compound_page,
    datetime_field,
)
from plugins.party_building.pages.disclosure import DisclosurePages
from plugins.party_building.pages.district import DistrictPages, _depths
from plugins.party_building.pages.meetings import ActionItemPages, MeetingPages, _item_from
from plugins.party_building.pages.members import MemberPages
from plugins.party_building.pages.overview import OverviewPages
from plugins.party_building.pages.portal import PortalPartyPages
from plugins.party_building.pages.pre_review import PreReviewPages
from plugins.party_building.pages.study import StudyPages

PAGE_HANDLERS = [
    OverviewPages,
    MemberPages,
    MeetingPages,
    ActionItemPages,
    StudyPages,
    DisclosurePages,
    PreReviewPages,
    DistrictPages,
    PortalPartyPages,
]
PAGE_ROUTER = page_router(PAGE_HANDLERS)

__all__ = [
    "PAGES",
    "C",
    "D",
    "ORGANISATION_KINDS",
    "POSTS",
    "STATUSES",
    "MEETING_KINDS",
    "MEETING_STATUSES",
    "SIDES",
    "OWNER_KINDS",
    "ITEM_STATUSES",
    "PERIODS",
    "ROLES",
    "CATEGORIES",
    "DISCLOSURE_STATUSES",
    "LEVELS",
    "GAPS",
    "LABELS",
    "_MINUTES_ONLY",
    "PageController",
    "compound_page",
    "datetime_field",
    "OverviewPages",
    "MemberPages",
    "MeetingPages",
    "_item_from",
    "ActionItemPages",
    "StudyPages",
    "DisclosurePages",
    "DistrictPages",
    "_depths",
    "PortalPartyPages",
    "PAGE_HANDLERS",
    "PAGE_ROUTER",
]
