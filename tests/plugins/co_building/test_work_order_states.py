"""The work-order state machine: the whole life, reopen, and refusals that name the allowed moves."""

from __future__ import annotations

import pytest

from plugins.co_building.services import WORK_ORDER_TRANSITIONS, IllegalTransition, next_work_order_state


def test_the_whole_life_of_a_work_order():
    state = "submitted"
    for action, expected in [
        ("assign", "assigned"),
        ("accept", "accepted"),
        ("start", "in_progress"),
        ("complete", "completed"),
        ("rate", "rated"),
        ("close", "closed"),
    ]:
        state = next_work_order_state(state, action)
        assert state == expected


@pytest.mark.parametrize("state", ["completed", "rated"])
def test_reopen_goes_back_to_the_assignee(state):
    assert next_work_order_state(state, "reopen") == "assigned"


@pytest.mark.parametrize(
    ("state", "action", "allowed"),
    [
        ("submitted", "complete", ["assign", "cancel"]),
        ("closed", "reopen", []),
        ("in_progress", "rate", ["complete", "reassign"]),
        ("assigned", "close", ["accept", "cancel", "reassign"]),
    ],
)
def test_illegal_moves_are_refused_with_the_allowed_ones(state, action, allowed):
    with pytest.raises(IllegalTransition) as caught:
        next_work_order_state(state, action)
    problem = caught.value.problem()
    assert problem.status == 409 and problem.extra["allowed"] == allowed
    assert problem.body()["type"].endswith("/illegal-transition")


def test_every_target_is_a_known_state_and_closed_states_are_final():
    for moves in WORK_ORDER_TRANSITIONS.values():
        assert set(moves.values()) <= set(WORK_ORDER_TRANSITIONS)
    assert WORK_ORDER_TRANSITIONS["closed"] == {} and WORK_ORDER_TRANSITIONS["cancelled"] == {}
