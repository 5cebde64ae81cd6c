"""Service requests and work orders (一体化服务平台, 接诉即办)."""

from __future__ import annotations

from core.problems import Problem

# --------------------------------------------------------------------------- work orders (一体化服务平台)

WORK_ORDER_TRANSITIONS: dict[str, dict[str, str]] = {
    "submitted": {"assign": "assigned", "cancel": "cancelled"},
    "assigned": {"accept": "accepted", "reassign": "assigned", "cancel": "cancelled"},
    "accepted": {"start": "in_progress", "reassign": "assigned"},
    "in_progress": {"complete": "completed", "reassign": "assigned"},
    "completed": {"rate": "rated", "reopen": "assigned", "close": "closed"},
    "rated": {"close": "closed", "reopen": "assigned"},
    "closed": {},
    "cancelled": {},
}
"""submitted → assigned → accepted → in progress → completed → rated → closed; reopen from completed or rated."""


class IllegalTransition(Exception):
    """A move the work-order state machine does not allow from the current state."""

    def __init__(self, state: str, action: str) -> None:
        self.state = state
        self.action = action
        self.allowed = sorted(WORK_ORDER_TRANSITIONS.get(state, {}))
        super().__init__(f"cannot {action} a work order that is {state}; allowed: {', '.join(self.allowed) or 'none'}")

    def problem(self) -> Problem:
        """The 409 answer naming the allowed moves."""
        return Problem(409, "illegal-transition", "Illegal state transition", str(self), state=self.state, action=self.action, allowed=self.allowed)


def next_work_order_state(state: str, action: str) -> str:
    """The state after ``action``, or :class:`IllegalTransition` naming the allowed actions."""
    if state not in WORK_ORDER_TRANSITIONS:
        raise ValueError(f"unknown work-order state {state!r}")
    target = WORK_ORDER_TRANSITIONS[state].get(action)
    if target is None:
        raise IllegalTransition(state, action)
    return target
