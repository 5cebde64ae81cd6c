"""Working days and office hours in China: statutory holidays and adjusted working weekends (调休).

Every time limit in the plugins ("reply within 3 working days", "on site within
4 working hours") is counted here. Instants come in and go out as aware UTC
datetimes; the counting happens on the wall clock of the tenant's time zone
(default ``REDPROP_DEFAULT_TIMEZONE``, Asia/Shanghai).

The State Council publishes each year's holidays and the weekends that become
working days in November of the year before. Where each year comes from, in
order of precedence (``redprop calendar show YEAR`` prints it day by day):

1. the operator's JSON file named by ``REDPROP_HOLIDAYS_FILE`` (a new notice,
   or a correction, without a release)::

    {"2027": {"holidays": ["2027-01-01", "2027-02-05/2027-02-11"],
              "workdays": ["2027-02-20"]}}

   An entry is one ISO date or an inclusive ``first/last`` range;
2. the notices typed here (:data:`BUILTIN_YEARS`, checked against the texts);
3. the notices of 2004 onwards as kept by the maintained ``chinesecalendar``
   library (historical work orders are counted on the days really worked);
4. for a year with no notice at all, the statutory holidays of the national
   regulation as revised in 2024 (全国年节及纪念日放假办法): New Year's Day 1,
   Spring Festival 4 from New Year's Eve, Qingming 1, Labour Day 2, Dragon
   Boat 1, Mid-Autumn 1, National Day 3 — lunar dates and the Qingming solar
   term from the ``lunar_python`` library, a holiday falling on a weekend
   made up on the next working day (art. 6). The make-up working weekends of
   such a year are unknown until the notice: a warning says so once per year
   and process.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.settings import SettingsError, get_settings

log = logging.getLogger("redprop.calendar")

HOLIDAYS_FILE_VARIABLE = "REDPROP_HOLIDAYS_FILE"
OFFICE_OPENS = dt.time(9, 0)
OFFICE_CLOSES = dt.time(17, 30)
_ONE_DAY = dt.timedelta(days=1)


def _days(*entries: str) -> frozenset[dt.date]:
    """Dates from ISO entries, each a day (``2025-01-01``) or an inclusive range (``2025-01-28/2025-02-04``)."""
    days: set[dt.date] = set()
    for entry in entries:
        first, _, last = entry.partition("/")
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
        if end < day:
            raise ValueError(f"range {entry!r} ends before it starts")
        while day <= end:
            days.add(day)
            day += _ONE_DAY
    return frozenset(days)


@dataclass(frozen=True)
class YearRule:
    """One year's notice: the days off and the weekend days that are worked instead."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str = "State Council notice (built in)"

    def check(self, label: str) -> None:
        """Refuse a table that contradicts itself; a typo here would silently move every deadline."""
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"{label}: {min(both)} is both a holiday and a working day")
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            raise ValueError(f"{label}: adjusted working day {weekdays[0]} is not a Saturday or Sunday")


# The notices as published (checked against the texts released by Xinhua):
# - 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号, 2024-11-12.
#   The first year under the revised 全国年节及纪念日放假办法 (Spring Festival from
#   New Year's Eve, Labour Day five days).
# - 2026: 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04.
# Weekend days inside a holiday are listed too: it keeps each line equal to the notice.
BUILTIN_YEARS: dict[int, YearRule] = {
    2025: YearRule(
        holidays=_days(
            "2025-01-01",  # 元旦
            "2025-01-28/2025-02-04",  # 春节 (除夕 to 正月初七)
            "2025-04-04/2025-04-06",  # 清明节
            "2025-05-01/2025-05-05",  # 劳动节
            "2025-05-31/2025-06-02",  # 端午节
            "2025-10-01/2025-10-08",  # 国庆节、中秋节
        ),
        workdays=_days("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    ),
    2026: YearRule(
        holidays=_days(
            "2026-01-01/2026-01-03",  # 元旦
            "2026-02-15/2026-02-23",  # 春节 (腊月二十八 to 正月初七)
            "2026-04-04/2026-04-06",  # 清明节
            "2026-05-01/2026-05-05",  # 劳动节
            "2026-06-19/2026-06-21",  # 端午节
            "2026-09-25/2026-09-27",  # 中秋节
            "2026-10-01/2026-10-07",  # 国庆节
        ),
        workdays=_days("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
    ),
}


def library_years() -> dict[int, YearRule]:
    """The notices of 2004 onwards as the ``chinesecalendar`` library keeps them (holidays and 调休 days)."""
    import chinese_calendar
    from chinese_calendar import constants

    source = f"State Council notice (chinesecalendar {getattr(chinese_calendar, '__version__', '')})".replace(" )", ")")
    holidays: dict[int, set[dt.date]] = {}
    workdays: dict[int, set[dt.date]] = {}
    for day in constants.holidays:
        holidays.setdefault(day.year, set()).add(day)
    for day in constants.workdays:
        workdays.setdefault(day.year, set()).add(day)
    return {
        year: YearRule(frozenset(holidays.get(year, ())), frozenset(workdays.get(year, ())), source)
        for year in sorted(set(holidays) | set(workdays))
    }


STATUTORY_SOURCE = "statutory days (全国年节及纪念日放假办法, 2024); make-up working days unknown"


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The days off the 2024 regulation fixes for ``year``, by name, before any weekend is made up."""
    from lunar_python import Lunar

    def lunar(month: int, day: int) -> dt.date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())

    new_year = lunar(1, 1)  # 正月初一 falls in the same Gregorian year
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days = {dt.date(year, 1, 1): "元旦"}
    for offset in range(-1, 3):  # 除夕 to 正月初三
        days[new_year + dt.timedelta(days=offset)] = "春节"
    days[dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days.update({dt.date(year, 5, 1): "劳动节", dt.date(year, 5, 2): "劳动节"})
    days[lunar(5, 5)] = "端午节"
    days[lunar(8, 15)] = "中秋节"
    days.update({dt.date(year, 10, d): "国庆节" for d in (1, 2, 3)})
    return days


def statutory_year(year: int) -> YearRule:
    """A year without a notice: the statutory days, each one falling on a weekend made up on the next
    weekday that is not already off (art. 6: 适逢星期六、星期日，应当在工作日补假)."""
    days = statutory_holidays(year)
    off = set(days)
    for day in sorted(days):
        if day.weekday() >= 5:
            substitute = day + _ONE_DAY
            while substitute.weekday() >= 5 or substitute in off:
                substitute += _ONE_DAY
            off.add(substitute)
    return YearRule(frozenset(off), frozenset(), STATUTORY_SOURCE)


def read_holidays_file(path: Path) -> dict[int, YearRule]:
    """Years from an operator's JSON file; any mistake is a :class:`SettingsError` naming the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("the top level must be an object keyed by year")
        years: dict[int, YearRule] = {}
        for key, body in raw.items():
            year = int(key)
            if not isinstance(body, dict) or set(body) - {"holidays", "workdays"}:
                raise ValueError(f"{key}: expected an object with 'holidays' and 'workdays' lists")
            rule = YearRule(
                holidays=_days(*body.get("holidays", [])),
                workdays=_days(*body.get("workdays", [])),
                source=f"State Council notice ({path.name})",
            )
            rule.check(str(year))
            years[year] = rule
        return years
    except (OSError, ValueError, TypeError) as exc:
        raise SettingsError(f"{HOLIDAYS_FILE_VARIABLE}={path}: {exc}") from exc


def _zone(tz: str | dt.tzinfo | None) -> dt.tzinfo:
    if isinstance(tz, dt.tzinfo):
        return tz
    name = tz or get_settings().default_timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetimes are not accepted; pass an aware (UTC) datetime")
    return moment


def _utc(day: dt.date, wall: dt.time, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, wall, tzinfo=zone).astimezone(dt.UTC)


class WorkCalendar:
    """Working days (holidays and 调休 applied) and office hours; stateless apart from the warn-once set."""

    def __init__(self, years: Mapping[int, YearRule] | None = None) -> None:
        years = dict(BUILTIN_YEARS if years is None else years)
        for year, rule in years.items():
            rule.check(str(year))
        self._rules: dict[int, YearRule] = years
        self.years = frozenset(years)
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    def rule(self, year: int) -> YearRule:
        """The year's days off and worked weekends: a notice when there is one, else the statutory days."""
        found = self._rules.get(year)
        if found is None:
            with self._lock:
                found = self._rules.get(year)
                if found is None:
                    found = self._rules[year] = statutory_year(year)
            self._warn_missing(year)
        return found

    def is_working_day(self, day: dt.date) -> bool:
        """True on Monday–Friday outside holidays, and on an adjusted working weekend day."""
        rule = self._rules.get(day.year) or self.rule(day.year)
        if day in rule.workdays:
            return True
        if day in rule.holidays:
            return False
        return day.weekday() < 5

    def describe(self, day: dt.date) -> tuple[bool, str, str]:
        """``(working, why, source)`` for one day: what ``redprop calendar show`` prints."""
        rule = self.rule(day.year)
        if day in rule.workdays:
            return True, "adjusted working day (调休)", rule.source
        if day in rule.holidays:
            if rule.source == STATUTORY_SOURCE:
                name = statutory_holidays(day.year).get(day) or "补假 (made up for a holiday on a weekend)"
                return False, f"holiday {name}", rule.source
            return False, "holiday", rule.source
        if day.weekday() >= 5:
            return False, "weekend", rule.source
        return True, "weekday", rule.source

    def _warn_missing(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        log.warning(
            "no holiday notice for %s: counting the statutory holidays only; the make-up working weekends are unknown"
            " until the State Council's notice is added through %s",
            year,
            HOLIDAYS_FILE_VARIABLE,
        )

    def _step(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative)."""
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_working_days(self, start: dt.datetime, n: int, tz: str | dt.tzinfo | None = None) -> dt.datetime:
        """The same wall-clock time on the ``n``-th working day after ``start``'s local date, in UTC.

        Counting starts the day after: a request on a Saturday with 3 working
        days is due on Wednesday at the same time. ``n`` may be negative
        (reminders before a deadline); ``0`` returns ``start``.
        """
        zone = _zone(tz)
        local = _aware(start).astimezone(zone)
        if n == 0:
            return local.astimezone(dt.UTC)
        return _utc(self._step(local.date(), n), local.time(), zone)

    def working_days_between(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime, tz: str | dt.tzinfo | None = None) -> int:
        """Working-day steps from ``a`` to ``b`` by local date: the inverse of :meth:`add_working_days`.

        Forwards it counts the working days in (a, b]; backwards it is minus
        the working days in [b, a), so ``working_days_between(s,
        add_working_days(s, n)) == n`` for every ``n``.
        """
        first, last = self._local_date(a, tz), self._local_date(b, tz)
        if last >= first:
            return sum(1 for d in self._dates(first + _ONE_DAY, last) if self.is_working_day(d))
        return -sum(1 for d in self._dates(last, first - _ONE_DAY) if self.is_working_day(d))

    def add_working_hours(
        self,
        start: dt.datetime,
        hours: float | dt.timedelta,
        tz: str | dt.tzinfo | None = None,
        *,
        day_start: dt.time = OFFICE_OPENS,
        day_end: dt.time = OFFICE_CLOSES,
    ) -> dt.datetime:
        """When ``hours`` of office time (``day_start``–``day_end`` on working days) have passed since ``start``.

        Time outside office hours does not count: a request at 20:00 on Friday
        with 2 working hours is due at 11:00 on the next working day. A limit
        that ends exactly at closing time ends then, not the next morning.
        """
        if day_start >= day_end:
            raise ValueError("office hours must open before they close")
        remaining = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=hours)
        if remaining < dt.timedelta(0):
            raise ValueError("hours must not be negative")
        zone = _zone(tz)
        local = _aware(start).astimezone(zone)
        day, clock = local.date(), local.time()
        while True:
            if self.is_working_day(day):
                opens = max(clock, day_start)
                if opens < day_end:
                    # wall-clock arithmetic: an office day is a span of local time
                    begin = dt.datetime.combine(day, opens)
                    available = dt.datetime.combine(day, day_end) - begin
                    if remaining <= available:
                        end = begin + remaining
                        return _utc(end.date(), end.time(), zone)
                    remaining -= available
            day, clock = day + _ONE_DAY, dt.time(0)

    @staticmethod
    def _local_date(value: dt.date | dt.datetime, tz: str | dt.tzinfo | None) -> dt.date:
        if isinstance(value, dt.datetime):
            return _aware(value).astimezone(_zone(tz)).date()
        return value

    @staticmethod
    def _dates(first: dt.date, last: dt.date) -> Iterable[dt.date]:
        day = first
        while day <= last:
            yield day
            day += _ONE_DAY


def load_calendar(holidays_file: Path | None = None) -> WorkCalendar:
    """The library's notices, the built-in ones over them, the operator's ``holidays_file`` (``REDPROP_HOLIDAYS_FILE``) over both."""
    years = {**library_years(), **BUILTIN_YEARS}
    if holidays_file is not None:
        years.update(read_holidays_file(holidays_file))
    return WorkCalendar(years)


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    """The process-wide calendar (read once, like the settings)."""
    return load_calendar(get_settings().holidays_file)


__all__ = [
    "WorkCalendar",
    "YearRule",
    "BUILTIN_YEARS",
    "library_years",
    "statutory_year",
    "statutory_holidays",
    "OFFICE_OPENS",
    "OFFICE_CLOSES",
    "load_calendar",
    "read_holidays_file",
    "work_calendar",
]
