"""State machines of records (work orders, cases, rectifications, alarms…): one helper, one refusal.

A machine is a table ``state -> {action: next state}``. An illegal move is the
409 problem ``illegal-transition`` that names the state, the action and the
moves allowed from there, so a client can offer the right buttons.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.problems import Problem


class IllegalTransition(Problem):
    """409: ``action`` is not allowed from ``state``; ``allowed`` lists what is."""

    def __init__(self, machine: str, state: str, action: str, allowed: list[str]) -> None:
        self.machine, self.state, self.action, self.allowed = machine, state, action, allowed
        detail = f"cannot {action} a {machine} that is {state}; allowed: {', '.join(allowed) or 'none'}"
        super().__init__(409, "illegal-transition", "Illegal state transition", detail, state=state, action=action, allowed=allowed)

    def problem(self) -> Problem:
        """The problem itself (kept for callers that raise ``exc.problem()``)."""
        return self


class StateMachine:
    """``StateMachine("work order", {"submitted": {"assign": "assigned"}, ...})``."""

    def __init__(self, name: str, transitions: Mapping[str, Mapping[str, str]], *, initial: str | None = None) -> None:
        self.name = name
        self.transitions = {state: dict(moves) for state, moves in transitions.items()}
        targets = {t for moves in self.transitions.values() for t in moves.values()}
        unknown = targets - set(self.transitions)
        if unknown:
            raise ValueError(f"{name}: moves lead to undeclared states {sorted(unknown)}")
        self.initial = initial or next(iter(self.transitions))

    @property
    def states(self) -> list[str]:
        return list(self.transitions)

    def allowed(self, state: str) -> list[str]:
        """The actions allowed from ``state`` (sorted)."""
        return sorted(self.transitions.get(state, {}))

    def can(self, state: str, action: str) -> bool:
        return action in self.transitions.get(state, {})

    def next(self, state: str, action: str) -> str:
        """The state after ``action``, or :class:`IllegalTransition` naming the allowed actions."""
        if state not in self.transitions:
            raise ValueError(f"unknown {self.name} state {state!r}")
        target = self.transitions[state].get(action)
        if target is None:
            raise IllegalTransition(self.name, state, action, self.allowed(state))
        return target

    def is_final(self, state: str) -> bool:
        return not self.transitions.get(state)
