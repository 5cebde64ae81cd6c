"""Tables of quality (服务质量评价与改进), one module per part: surveys, evaluation, field (inspections, rectification), improvement."""

from __future__ import annotations

from plugins.quality.models.evaluation import CompoundScore, ManualIndicator, ManualValue, OperatorScore, Period, Scheme, SchemeItem
from plugins.quality.models.field import Inspection, InspectionPlan, InspectionResult, Rectification, RectificationItem
from plugins.quality.models.improvement import ImprovementAction, ImprovementPlan, RequestFact
from plugins.quality.models.surveys import Campaign, Response, SurveyTemplate

MODELS: list[type] = [
    SurveyTemplate,
    Campaign,
    Response,
    ManualIndicator,
    Scheme,
    SchemeItem,
    Period,
    ManualValue,
    CompoundScore,
    OperatorScore,
    InspectionPlan,
    Inspection,
    InspectionResult,
    Rectification,
    RectificationItem,
    RequestFact,
    ImprovementPlan,
    ImprovementAction,
]

__all__ = [m.__name__ for m in MODELS] + ["MODELS"]
