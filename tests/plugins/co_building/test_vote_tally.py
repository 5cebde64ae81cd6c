"""Owners' votes counted by Civil Code art. 278 and the SPC interpretation on building ownership."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.co_building.services import DEVELOPER, VotingRoom, tally_owners_vote, voting_heads


def rooms(*spec: tuple[str, str]) -> list[VotingRoom]:
    return [VotingRoom(uuid.uuid4(), owner, Decimal(area)) for owner, area in spec]


def test_an_owner_of_three_rooms_is_one_head_with_their_summed_area():
    heads = voting_heads(rooms(("a", "80.00"), ("a", "90.50"), ("a", "100.25"), ("b", "60.00")))
    assert heads == {"a": Decimal("270.75"), "b": Decimal("60.00")}


def test_the_developers_unsold_rooms_count_together_as_one_head():
    city = rooms((DEVELOPER, "100"), (DEVELOPER, "100"), (DEVELOPER, "100"), ("a", "100"), ("b", "100"))
    tally = tally_owners_vote(city, {DEVELOPER: "approve", "a": "reject", "b": "approve"}, "hire_company")
    assert tally.total_heads == 3 and tally.total_area == Decimal("500")
    assert tally.approving_heads == 2 and tally.approving_area == Decimal("400")
    assert tally.passed


def test_quorum_missed_by_area_but_met_by_head():
    # 3 of 4 owners (≥ 2/3) take part, but they hold 60 of 160 m² (< 2/3)
    city = rooms(("a", "20"), ("b", "20"), ("c", "20"), ("d", "100"))
    tally = tally_owners_vote(city, {"a": "approve", "b": "approve", "c": "approve"}, "elect_committee")
    assert not tally.quorum_met and not tally.passed
    assert tally.reasons == ("participating area below 2/3 of the total",)


def test_quorum_missed_by_head_but_met_by_area():
    city = rooms(("a", "200"), ("b", "20"), ("c", "20"), ("d", "20"))  # a holds 200 of 260 m², 1 of 4 heads
    tally = tally_owners_vote(city, {"a": "approve"}, "elect_committee")
    assert not tally.quorum_met and tally.reasons == ("participating owners below 2/3 of all owners",)


def test_quorum_at_exactly_two_thirds_is_met():
    city = rooms(("a", "10"), ("b", "10"), ("c", "10"))
    assert tally_owners_vote(city, {"a": "approve", "b": "approve"}, "elect_committee").quorum_met


def test_special_matter_at_exactly_three_quarters_passes():
    city = rooms(*((k, "10") for k in "abcd"))
    tally = tally_owners_vote(city, {"a": "approve", "b": "approve", "c": "approve", "d": "reject"}, "raise_maintenance_fund")
    assert tally.passed and tally.rule.startswith("special")


def test_special_matter_just_below_three_quarters_fails():
    city = rooms(("a", "10"), ("b", "10"), ("c", "10"), ("d", "10.01"))
    tally = tally_owners_vote(city, {"a": "approve", "b": "approve", "c": "approve", "d": "reject"}, "rebuild")
    assert not tally.passed and tally.reasons == ("approving area below 3/4 of the participating area",)


def test_ordinary_matter_at_exactly_half_fails():
    city = rooms(*((k, "10") for k in "abcd"))
    tally = tally_owners_vote(city, {"a": "approve", "b": "approve", "c": "reject", "d": "abstain"}, "use_maintenance_fund")
    assert tally.quorum_met and not tally.passed and tally.rule.startswith("ordinary")
    assert tally.participating_heads == 4 and tally.approving_heads == 2


def test_the_last_ballot_counts():
    city = rooms(("a", "10"), ("b", "10"), ("c", "10"))
    ballots = {"a": "reject", "b": "approve", "c": "approve"}
    ballots["a"] = "approve"  # changed before close
    assert tally_owners_vote(city, ballots, "hire_company").approving_heads == 3


def test_ballots_from_non_owners_and_odd_choices_are_refused():
    city = rooms(("a", "10"))
    with pytest.raises(ValueError, match="no room"):
        tally_owners_vote(city, {"stranger": "approve"}, "hire_company")
    with pytest.raises(ValueError, match="choices"):
        tally_owners_vote(city, {"a": "maybe"}, "hire_company")


owners = st.sampled_from(["a", "b", "c", "d", "e", DEVELOPER])
areas = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
choices = st.sampled_from(["approve", "reject", "abstain", None])
matters = st.sampled_from(["raise_maintenance_fund", "rebuild", "change_common_use", "use_maintenance_fund", "hire_company"])


def brute_force(room_list, ballots, matter):
    """The rules spelled out the long way: per-room rows, integer cross-multiplication."""
    owners_of = {}
    for r in room_list:
        owners_of.setdefault(r.owner_key, []).append(r.area)
    cents = {k: sum(int(a * 100) for a in v) for k, v in owners_of.items()}
    total_c, total_h = sum(cents.values()), len(cents)
    part_c = sum(cents[k] for k in ballots)
    part_h = len(ballots)
    yes_c = sum(cents[k] for k, v in ballots.items() if v == "approve")
    yes_h = sum(1 for v in ballots.values() if v == "approve")
    quorum = 3 * part_c >= 2 * total_c and 3 * part_h >= 2 * total_h
    if matter in {"raise_maintenance_fund", "rebuild", "change_common_use"}:
        ok = 4 * yes_c >= 3 * part_c and 4 * yes_h >= 3 * part_h and part_h > 0
    else:
        ok = 2 * yes_c > part_c and 2 * yes_h > part_h
    return quorum and ok


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(owners, areas), min_size=1, max_size=12), st.lists(choices, min_size=6, max_size=6), matters)
def test_tally_equals_a_brute_force_count(spec, picks, matter):
    room_list = [VotingRoom(uuid.uuid4(), o, a) for o, a in spec]
    present = sorted({o for o, _ in spec})
    ballots = {o: c for o, c in zip(present, itertools.cycle(picks)) if c is not None}
    tally = tally_owners_vote(room_list, ballots, matter)
    assert tally.passed == brute_force(room_list, ballots, matter)
    assert Fraction(tally.participating_area) <= Fraction(tally.total_area)
