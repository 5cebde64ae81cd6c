"""The arithmetic of an evaluation, exact (fractions) and free of I/O: item scores, the composite, stars and ranks.

An item earns ``weight × r``, where ``r`` runs linearly from 0 at ``zero_at``
to 1 at ``target`` and is held within [0, 1] (for a lower-is-better indicator
``zero_at`` lies above the target). An item without data for the compound (no
requests filed, a manual value not entered) is left out and the remaining
weights count for the whole: composite = 100 × Σ earned / Σ weights with data,
minus the period's deductions (at most the scheme's cap), never below 0,
rounded half up to two decimals. Stars: the number of thresholds the composite
reaches, plus one. Ranks: competition ranking on the rounded composite (equal
scores share a rank, the next rank skips), listed by name within a tie.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from plugins.quality.services.common import to_decimal

HUNDRED = Fraction(100)
ZERO, ONE = Fraction(0), Fraction(1)


@dataclass(frozen=True)
class ItemRule:
    code: str
    weight: Decimal
    target: Decimal
    zero_at: Decimal
    higher_is_better: bool = True


@dataclass(frozen=True)
class ItemScore:
    code: str
    value: Decimal | None
    weight: Decimal
    earned: Fraction | None

    @property
    def score(self) -> Decimal | None:
        return None if self.earned is None else to_decimal(self.earned)


@dataclass(frozen=True)
class Result:
    items: list[ItemScore]
    base: Fraction
    deduction: Decimal
    composite: Decimal
    stars: int


@lru_cache(maxsize=256)
def _exact(rule: ItemRule) -> tuple[Fraction, Fraction, Fraction]:
    """The rule's weight, zero point and span (target − zero point) as fractions, made once per rule, not per compound."""
    zero = Fraction(rule.zero_at)
    return Fraction(rule.weight), zero, Fraction(rule.target) - zero


def achievement(rule: ItemRule, value: Decimal) -> Fraction:
    """How much of the item is earned, 0–1: linear between ``zero_at`` (0) and ``target`` (1)."""
    _, zero, span = _exact(rule)
    # a value at or beyond either end is decided by comparing decimals (no fraction arithmetic for most compounds)
    if span > 0 and (value <= rule.zero_at or value >= rule.target):
        return ZERO if value <= rule.zero_at else ONE
    if span < 0 and (value >= rule.zero_at or value <= rule.target):
        return ZERO if value >= rule.zero_at else ONE
    ratio = (Fraction(value) - zero) / span  # the same formula serves both directions: span is negative for lower-is-better
    return min(max(ratio, ZERO), ONE)


def stars_for(composite: Decimal, thresholds: Sequence[Decimal]) -> int:
    """1 + the number of thresholds (for 2, 3, 4, 5 stars) the composite reaches (``>=``)."""
    return 1 + sum(1 for t in thresholds if composite >= t)


def evaluate(
    rules: Sequence[ItemRule],
    values: dict[str, Decimal | None],
    *,
    deduction: Decimal = Decimal(0),
    cap: Decimal | None = None,
    thresholds: Sequence[Decimal] = (),
) -> Result:
    """Score one compound: each item, the base over the items with data, the deduction, composite and stars."""
    items = []
    earned_total, weights = Fraction(0), Fraction(0)
    for rule in rules:
        value = values.get(rule.code)
        earned = None if value is None else _exact(rule)[0] * achievement(rule, value)
        if earned is not None:
            earned_total += earned
            weights += _exact(rule)[0]
        items.append(ItemScore(rule.code, value, rule.weight, earned))
    base = earned_total / weights * HUNDRED if weights else Fraction(0)
    taken = min(deduction, cap) if cap is not None else deduction
    composite = to_decimal(max(base - Fraction(taken), Fraction(0)))
    return Result(items, base, taken, composite, stars_for(composite, thresholds))


def rank(entries: Sequence[tuple[Hashable, Decimal, str]]) -> list[tuple[Hashable, int, bool]]:
    """``[(key, score, name)]`` → ``[(key, rank, tied)]`` best first; equal scores share a rank (1, 1, 3), ordered by name then key."""
    ordered = sorted(entries, key=lambda e: (-e[1], e[2], str(e[0])))
    counts: dict[Decimal, int] = {}
    for _, score, _ in ordered:
        counts[score] = counts.get(score, 0) + 1
    out, position = [], 0
    previous: Decimal | None = None
    for index, (key, score, _) in enumerate(ordered, start=1):
        if score != previous:
            position, previous = index, score
        out.append((key, position, counts[score] > 1))
    return out


def check_weights(weights: Sequence[Decimal]) -> Decimal:
    """The weights' sum (the caller refuses a scheme unless it is exactly 100)."""
    return sum(weights, Decimal(0))
