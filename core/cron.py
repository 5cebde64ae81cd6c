"""Cron expressions for ``redprop_schedules``: the five classic fields, read in the platform's time zone.

``minute hour day-of-month month day-of-week``, each ``*``, a number, a range
``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of those. Day of week is
0–7 (0 and 7 are Sunday). As in cron, when both day fields are restricted a
day matching either one runs. Names (``MON``, ``JAN``) and ``@daily`` style
macros are not supported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_NAMES = ("minute", "hour", "day of month", "month", "day of week")


class CronError(ValueError):
    """A cron expression outside the supported subset; the message names the field."""


def _field(text: str, index: int) -> frozenset[int]:
    low, high = _BOUNDS[index]
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, stop = low, high
            elif "-" in base:
                a, b = base.split("-", 1)
                start, stop = int(a), int(b)
            else:
                start = stop = int(base)
                if step_text:  # "5/15" means from 5 to the end, every 15
                    stop = high
        except ValueError:
            raise CronError(f"{_NAMES[index]} field {text!r}: not a number, range or step") from None
        if step < 1 or not (low <= start <= stop <= high):
            raise CronError(f"{_NAMES[index]} field {text!r}: outside {low}-{high}")
        values.update(range(start, stop + 1, step))
    if index == 4 and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A parsed expression; ``matches(local_minute)`` says whether a job is due then."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        parts = expression.split()
        if len(parts) != 5:
            raise CronError(f"cron {expression!r}: five fields expected (minute hour day-of-month month day-of-week)")
        fields = [_field(part, i) for i, part in enumerate(parts)]
        return cls(expression, *fields, any_day=parts[2] == "*", any_weekday=parts[4] == "*")

    def matches(self, moment: dt.datetime) -> bool:
        """``moment`` is a local (zoned) time; seconds are ignored."""
        if moment.minute not in self.minutes or moment.hour not in self.hours or moment.month not in self.months:
            return False
        day_ok = moment.day in self.days
        weekday_ok = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok


def check_schedule(schedule: Any) -> None:
    """Refuse a ``redprop_schedules`` entry the scheduler could not run (the host calls this at load)."""
    if not isinstance(schedule, dict) or not schedule.get("name") or not schedule.get("actor"):
        raise ValueError(f"a schedule needs a name and an actor: {schedule!r}")
    every, cron = schedule.get("every_seconds"), schedule.get("cron")
    if (every is None) == (cron is None):
        raise ValueError(f"schedule {schedule['name']!r}: give exactly one of every_seconds and cron")
    if cron is not None:
        Cron.parse(str(cron))
    elif int(every) <= 0:
        raise ValueError(f"schedule {schedule['name']!r}: every_seconds must be positive")
