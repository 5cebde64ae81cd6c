"""Pre-review (前置把关, standard §4): matters the community party organisation reviews before they become an owners'
vote or take effect — committee candidates, choosing or changing the property company, fee-standard changes and uses
of the maintenance fund.

The review is one plugin's (party_building answers ``redprop_pre_reviewer``); the plugins whose matters need it
(co_building) ask through the helpers here and never import the reviewer. A review is keyed by the compound, the
matter and the subject (the draft vote, the fee change …). The standard makes it mandatory: where no reviewer is
installed or its module is off for the compound, the matter stays blocked and the answer says who must review.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import module_state
from core.problems import Problem

MATTERS: dict[str, tuple[str, str]] = {
    "elect_committee": ("业主委员会候选人", "Owners' committee candidates"),
    "hire_property_company": ("选聘或更换物业服务企业", "Choosing or changing the property company"),
    "use_maintenance_fund": ("使用专项维修资金", "Using the maintenance fund"),
    "change_fee_standard": ("调整物业收费标准", "Changing a fee standard"),
}
"""The matters that need the party organisation's review, with their names (zh-CN, English)."""

OPINIONS: dict[str, tuple[str, str]] = {
    "approve": ("同意", "Approved"),
    "approve_with_conditions": ("附条件同意", "Approved with conditions"),
    "reject": ("不同意", "Rejected"),
}
"""A reviewer's opinion; the first two let the matter go on."""

STATES: dict[str, tuple[str, str]] = {
    "missing": ("未申请前置把关", "Pre-review not requested"),
    "requested": ("待社区党组织把关", "Awaiting the party organisation's review"),
    "approve": OPINIONS["approve"],
    "approve_with_conditions": OPINIONS["approve_with_conditions"],
    "reject": OPINIONS["reject"],
    "unavailable": ("党建引领模块未启用，无法前置把关", "No party organisation review here (party building is off)"),
}
REVIEWER_ZH, REVIEWER_EN = "社区党组织", "the community party organisation"


@dataclass(frozen=True)
class PreReview:
    """Where a matter's review stands: ``state`` is one of :data:`STATES`."""

    matter: str
    subject_id: uuid.UUID
    state: str
    review_id: uuid.UUID | None = None
    opinion_text: str = ""
    conditions: str = ""
    reviewer_name: str = ""
    reviewed_on: Any = None
    attachments: int = 0
    requested_by_name: str = ""

    @property
    def passed(self) -> bool:
        return self.state in ("approve", "approve_with_conditions")

    def label(self, locale: str = "zh-CN") -> str:
        zh, en = STATES[self.state]
        return zh if locale.startswith("zh") else en


class PreReviewer(Protocol):
    """What ``redprop_pre_reviewer`` returns (the hook does no I/O; these methods do, in the caller's session)."""

    module: str
    """The gated module that records reviews: the review counts only where it is on for the compound."""

    async def statuses(
        self, session: AsyncSession, compound_id: uuid.UUID, subjects: Mapping[str, Sequence[uuid.UUID]]
    ) -> dict[str, dict[uuid.UUID, PreReview]]:
        """The latest review of each subject, by matter (``subjects``: matter → subject ids; a missing subject: none
        requested); one statement whatever the number of matters and subjects."""

    async def request(
        self,
        session: AsyncSession,
        compound_id: uuid.UUID,
        matter: str,
        subject_id: uuid.UUID,
        title: str,
        link: str,
        user_id: uuid.UUID | None,
    ) -> PreReview:
        """Ask for a review (again, after a rejection and a change); tells the reviewers. Idempotent while one waits."""


_reviewer: PreReviewer | None = None


def install(reviewer: PreReviewer | None) -> None:
    """Called at start-up with what ``redprop_pre_reviewer`` returned (None: no plugin reviews)."""
    global _reviewer
    _reviewer = reviewer


def _check_matter(matter: str) -> None:
    if matter not in MATTERS:
        raise ValueError(f"{matter!r} is not a matter that needs pre-review; one of {sorted(MATTERS)}")


async def _reviewer_for(session: AsyncSession, compound_id: uuid.UUID) -> PreReviewer | None:
    if _reviewer is None:
        return None
    on, _ = await module_state(session, compound_id, _reviewer.module)
    return _reviewer if on else None


async def pre_reviews_by_matter(
    session: AsyncSession, compound_id: uuid.UUID, subjects: Mapping[str, Sequence[uuid.UUID]]
) -> dict[str, dict[uuid.UUID, PreReview]]:
    """Each subject's review, by matter (a list's column whose rows are of several matters): one module check and one
    statement of the reviewer's, whatever the number of matters."""
    for matter in subjects:
        _check_matter(matter)
    wanted = {matter: list(dict.fromkeys(ids)) for matter, ids in subjects.items() if ids}
    if not wanted:
        return {}
    reviewer = await _reviewer_for(session, compound_id)
    if reviewer is None:
        return {matter: {i: PreReview(matter, i, "unavailable") for i in ids} for matter, ids in wanted.items()}
    found = await reviewer.statuses(session, compound_id, wanted)
    return {matter: {i: found.get(matter, {}).get(i) or PreReview(matter, i, "missing") for i in ids} for matter, ids in wanted.items()}


async def pre_reviews(
    session: AsyncSession, compound_id: uuid.UUID, matter: str, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PreReview]:
    """Each subject's review of one matter (a list's column)."""
    return (await pre_reviews_by_matter(session, compound_id, {matter: subject_ids})).get(matter, {})


async def pre_review(session: AsyncSession, compound_id: uuid.UUID, matter: str, subject_id: uuid.UUID) -> PreReview:
    return (await pre_reviews(session, compound_id, matter, [subject_id]))[subject_id]


def blocked(review: PreReview) -> Problem:
    """409 ``pre-review-required``: names the matter, where its review stands and who must review (zh-CN and English)."""
    m_zh, m_en = MATTERS[review.matter]
    s_zh, s_en = STATES[review.state]
    detail_en = f"{m_en} needs the review of {REVIEWER_EN} first (前置把关); its review: {s_en.lower()}"
    detail_zh = f"“{m_zh}”须经{REVIEWER_ZH}前置把关同意后方可进行；当前：{s_zh}"
    if review.state == "reject" and review.opinion_text:
        detail_en += f" — {review.opinion_text}"
        detail_zh += f"（意见：{review.opinion_text}）"
    if review.state == "unavailable":
        detail_en += "; the compound's district or operator must enable party building so the organisation can record it"
        detail_zh += "；请街道/区或物业企业为本小区启用党建引领模块，由社区党组织记录把关意见"
    return Problem(
        409,
        "pre-review-required",
        "Pre-review required",
        detail_en,
        title_zh="需要前置把关",
        detail_zh=detail_zh,
        matter=review.matter,
        subject_id=str(review.subject_id),
        review_state=review.state,
        reviewer=REVIEWER_EN,
        reviewer_zh=REVIEWER_ZH,
    )


async def require_pre_review(session: AsyncSession, compound_id: uuid.UUID, matter: str, subject_id: uuid.UUID) -> PreReview:
    """The review when it lets the matter go on (approved, or approved with conditions); else :func:`blocked`."""
    review = await pre_review(session, compound_id, matter, subject_id)
    if not review.passed:
        raise blocked(review)
    return review


async def request_pre_review(
    session: AsyncSession,
    compound_id: uuid.UUID,
    matter: str,
    subject_id: uuid.UUID,
    *,
    title: str,
    link: str = "",
    user_id: uuid.UUID | None = None,
) -> PreReview:
    """Ask the party organisation to review ``subject_id``; where nobody can, the same 409 as a blocked matter."""
    _check_matter(matter)
    reviewer = await _reviewer_for(session, compound_id)
    if reviewer is None:
        raise blocked(PreReview(matter, subject_id, "unavailable"))
    return await reviewer.request(session, compound_id, matter, subject_id, title, link, user_id)
