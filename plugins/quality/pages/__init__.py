"""Console and portal pages of quality, one module per part, and their navigation entries (``redprop_pages``).

Pages call the same services as the API and validate forms with the same structs. Compound pages carry
``{compound_id}`` (the guard answers 404 for an unreachable compound, 403 where the module is off); the district's
pages (schemes, periods, plans, the rectification desk, the district loop) are mounted under ``/console/quality``
and read what the caller's scope reaches, like party_building's district pages.
"""

from __future__ import annotations

from core.web.api import page_router
from plugins.quality.pages.common import PAGES
from plugins.quality.pages.evaluation import EvaluationPages
from plugins.quality.pages.field import CompoundFieldPages, DistrictFieldPages
from plugins.quality.pages.improvement import CompoundImprovementPages, DistrictLoopPages
from plugins.quality.pages.surveys import CompoundSurveyPages, DistrictSurveyPages, PortalQualityPages

PAGE_HANDLERS = [
    EvaluationPages,
    DistrictFieldPages,
    CompoundFieldPages,
    DistrictLoopPages,
    CompoundImprovementPages,
    DistrictSurveyPages,
    CompoundSurveyPages,
    PortalQualityPages,
]
PAGE_ROUTER = page_router(PAGE_HANDLERS)

__all__ = ["PAGES", "PAGE_HANDLERS", "PAGE_ROUTER"]
