"""HTTP handlers of party_building (thin: parse, call a service, shape the answer), one module per part.

Compound resources live under ``/api/v1/compounds/{compound_id}/party_building``
(gated per compound by the host); the district's own views — organisations,
the coverage report, targets, responsibility lists — under ``/api/v1/party_building``.
Handlers take the request context (``ctx``): its session is scoped to the route's compound on compound routes.
"""

from __future__ import annotations

from plugins.party_building.api.common import C, D, district_today, page_of
from plugins.party_building.api.disclosure import DisclosuresController
from plugins.party_building.api.meetings import ActionItemsController, MeetingGapsController, MeetingsController
from plugins.party_building.api.members import CentralHouseholdsController, MembersController
from plugins.party_building.api.organisations import CoverageController, OrganisationsController
from plugins.party_building.api.overview import CompoundPartyController
from plugins.party_building.api.pre_review import PreReviewsController
from plugins.party_building.api.responsibilities import ResponsibilitiesController
from plugins.party_building.api.study import StudyController
from plugins.party_building.api.targets import TargetsController
from plugins.party_building.pages import PAGE_ROUTER

ROUTE_HANDLERS = [
    OrganisationsController,
    CoverageController,
    TargetsController,
    ResponsibilitiesController,
    CompoundPartyController,
    MembersController,
    CentralHouseholdsController,
    MeetingsController,
    MeetingGapsController,
    ActionItemsController,
    StudyController,
    DisclosuresController,
    PreReviewsController,
    PAGE_ROUTER,
]

__all__ = [
    "C",
    "D",
    "district_today",
    "page_of",
    "OrganisationsController",
    "CoverageController",
    "TargetsController",
    "ResponsibilitiesController",
    "CompoundPartyController",
    "MembersController",
    "CentralHouseholdsController",
    "MeetingsController",
    "MeetingGapsController",
    "ActionItemsController",
    "StudyController",
    "DisclosuresController",
    "ROUTE_HANDLERS",
]
