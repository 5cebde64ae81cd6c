"""The evaluation's arithmetic on a hand-computed example: weights, directions, targets, zero points, deductions, stars, tied ranks."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

from plugins.quality.services.scoring import ItemRule, achievement, evaluate, rank, stars_for

RULES = [
    ItemRule("on_time", D(40), D(95), D(0)),  # higher is better, 0 % scores nothing
    ItemRule("hours", D(35), D(24), D(72), higher_is_better=False),  # lower is better: 24 h full, 72 h nothing
    ItemRule("satisfaction", D(25), D(90), D(60)),
]
THRESHOLDS = [D(60), D(70), D(80), D(90)]


def test_hand_computed_composite():
    # on_time 85.5 → 40·85.5/95 = 36; hours 36 → 35·(72−36)/(72−24) = 26.25; satisfaction 99 → capped at 25
    result = evaluate(RULES, {"on_time": D("85.5"), "hours": D(36), "satisfaction": D(99)}, deduction=D(3), thresholds=THRESHOLDS)
    assert [i.earned for i in result.items] == [Fraction(36), Fraction(105, 4), Fraction(25)]
    assert result.base == Fraction(349, 4)  # 36 + 26.25 + 25 = 87.25, minus 3
    assert result.composite == D("84.25") and result.stars == 4


def test_missing_data_leaves_the_item_out_and_the_rest_count_for_the_whole():
    # hours has no data: (36 + 12.5) / 65 · 100 = 74.615… → 74.62; satisfaction 75 → 25·(75−60)/30 = 12.5
    result = evaluate(RULES, {"on_time": D("85.5"), "hours": None, "satisfaction": D(75)}, thresholds=THRESHOLDS)
    assert result.items[1].earned is None
    assert result.composite == D("74.62") and result.stars == 3


def test_floor_at_zero_points_and_deduction_cap():
    worst = evaluate(RULES, {"on_time": D(0), "hours": D(100), "satisfaction": D(10)}, deduction=D(5), thresholds=THRESHOLDS)
    assert worst.composite == D("0.00") and worst.stars == 1
    capped = evaluate(RULES, {"on_time": D(95), "hours": D(24), "satisfaction": D(90)}, deduction=D(12), cap=D(8), thresholds=THRESHOLDS)
    assert capped.deduction == D(8) and capped.composite == D("92.00") and capped.stars == 5


def test_rounding_is_half_up():
    rules = [ItemRule("a", D(100), D(3), D(0))]
    assert evaluate(rules, {"a": D("2.00015")}).composite == D("66.67")  # 66.671…
    assert evaluate([ItemRule("a", D(100), D(8), D(0))], {"a": D("0.0005")}).composite == D("0.01")  # 0.00625 → 0.01


def test_star_thresholds_are_inclusive():
    assert [stars_for(D(x), THRESHOLDS) for x in ("59.99", "60", "79.99", "80", "90", "100")] == [1, 2, 3, 4, 5, 5]


def test_ties_share_a_rank_and_the_next_skips_listed_by_name():
    ranked = rank([("c", D("88.50"), "丙小区"), ("a", D("91.00"), "甲小区"), ("b", D("88.50"), "乙小区"), ("d", D("70.00"), "丁小区")])
    # 丙 (U+4E19) sorts before 乙 (U+4E59): the tie is listed by name, deterministically
    assert ranked == [("a", 1, False), ("c", 2, True), ("b", 2, True), ("d", 4, False)]


def test_achievement_shortcuts_at_the_ends_agree_with_the_formula():
    # values at or beyond the target or the zero point are decided by comparison; the result is the clamped formula's
    for rule in (ItemRule("up", D(10), D("95"), D("60")), ItemRule("down", D(10), D("24"), D("72"), higher_is_better=False)):
        span = Fraction(rule.target) - Fraction(rule.zero_at)
        for value in (D(0), D("23.99"), D(24), D("24.01"), D(48), D("59.99"), D(60), D("60.01"), D(72), D("94.99"), D(95), D(200)):
            expected = min(max((Fraction(value) - Fraction(rule.zero_at)) / span, Fraction(0)), Fraction(1))
            assert achievement(rule, value) == expected, (rule.code, value)
