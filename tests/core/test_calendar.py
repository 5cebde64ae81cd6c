"""The working-day calendar: holidays, adjusted working weekends (调休), office hours and time zones."""

from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import BUILTIN_YEARS, WorkCalendar, load_calendar, statutory_holidays, statutory_year
from core.settings import SettingsError, load_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def sh(*args: int) -> dt.datetime:
    """A Shanghai wall-clock time as the UTC instant the services pass around."""
    return dt.datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# --------------------------------------------------------------------------- the notices


def test_builtin_notices_agree_with_the_state_council(cal):
    assert cal.years >= {2025, 2026}
    assert sorted(BUILTIN_YEARS[2025].workdays) == [
        dt.date(2025, 1, 26),
        dt.date(2025, 2, 8),
        dt.date(2025, 4, 27),
        dt.date(2025, 9, 28),
        dt.date(2025, 10, 11),
    ]
    assert sorted(BUILTIN_YEARS[2026].workdays) == [
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ]
    # 2025: National Day and Mid-Autumn together, eight days; 2026: National Day alone, seven
    assert not cal.is_working_day(dt.date(2025, 10, 8)) and cal.is_working_day(dt.date(2025, 10, 9))
    assert not cal.is_working_day(dt.date(2026, 10, 7)) and cal.is_working_day(dt.date(2026, 10, 8))
    assert not cal.is_working_day(dt.date(2026, 9, 25))  # 中秋节 2026 falls on a Friday
    assert not cal.is_working_day(dt.date(2026, 1, 2))  # 元旦 2026 is three days, Thursday to Saturday
    assert cal.is_working_day(dt.date(2025, 1, 2))  # 元旦 2025 was one day, no adjustment


def test_an_adjusted_saturday_is_a_working_day(cal):
    saturday = dt.date(2025, 2, 8)
    assert saturday.weekday() == 5 and cal.is_working_day(saturday)
    assert not cal.is_working_day(dt.date(2025, 2, 9))  # the Sunday after stays a rest day
    assert cal.is_working_day(dt.date(2025, 1, 26))  # Sunday before the Spring Festival
    # a deadline counted from Friday the 7th lands on that Saturday
    assert cal.add_working_days(sh(2025, 2, 7, 15, 0), 1) == sh(2025, 2, 8, 15, 0)


def test_a_deadline_spanning_the_spring_festival(cal):
    # Monday 27 January 2025, the day before New Year's Eve: three working days skip 28 Jan – 4 Feb
    assert cal.add_working_days(sh(2025, 1, 27, 10, 0), 3) == sh(2025, 2, 7, 10, 0)
    assert cal.add_working_days(sh(2025, 1, 27, 10, 0), 4) == sh(2025, 2, 8, 10, 0)
    # 2026: Friday 13 Feb, the Saturday 14th is worked, then nine days off until the 24th
    assert cal.add_working_days(sh(2026, 2, 13, 9, 0), 1) == sh(2026, 2, 14, 9, 0)
    assert cal.add_working_days(sh(2026, 2, 13, 9, 0), 2) == sh(2026, 2, 24, 9, 0)
    assert cal.working_days_between(sh(2026, 2, 13, 9, 0), sh(2026, 2, 24, 9, 0)) == 2


def test_counting_starts_the_day_after_and_runs_backwards(cal):
    saturday = sh(2025, 3, 15, 11, 0)
    assert cal.add_working_days(saturday, 3) == sh(2025, 3, 19, 11, 0)
    assert cal.add_working_days(saturday, 0) == saturday
    assert cal.add_working_days(sh(2025, 2, 5, 9, 0), -1) == sh(2025, 1, 27, 9, 0)
    assert cal.working_days_between(sh(2025, 2, 5, 9, 0), sh(2025, 1, 27, 9, 0)) == -1
    assert cal.working_days_between(dt.date(2025, 3, 14), dt.date(2025, 3, 17)) == 1


# --------------------------------------------------------------------------- office hours


def test_working_hours_cross_the_weekend_and_closing_time(cal):
    friday = sh(2025, 3, 14, 16, 30)
    assert cal.add_working_hours(friday, 2) == sh(2025, 3, 17, 10, 0)  # one hour on Friday, one on Monday
    assert cal.add_working_hours(sh(2025, 3, 14, 15, 30), 2) == sh(2025, 3, 14, 17, 30)  # ends exactly at closing
    assert cal.add_working_hours(sh(2025, 3, 14, 20, 0), 2) == sh(2025, 3, 17, 11, 0)  # evening: clock starts Monday
    assert cal.add_working_hours(sh(2025, 3, 17, 7, 0), 0.5) == sh(2025, 3, 17, 9, 30)  # before opening
    assert cal.add_working_hours(sh(2025, 3, 17, 10, 0), dt.timedelta(hours=8)) == sh(2025, 3, 18, 9, 30)  # 7.5 h on Monday


def test_working_hours_honour_holidays_adjusted_days_and_custom_office_hours(cal):
    # Saturday 25 January 2025: the next office day is the adjusted Sunday the 26th
    assert cal.add_working_hours(sh(2025, 1, 25, 10, 0), 1) == sh(2025, 1, 26, 10, 0)
    # Monday 27th afternoon: what is left carries over the whole Spring Festival
    assert cal.add_working_hours(sh(2025, 1, 27, 17, 0), 1) == sh(2025, 2, 5, 9, 30)
    assert cal.add_working_hours(sh(2025, 3, 14, 17, 0), 1, day_start=dt.time(8), day_end=dt.time(18)) == sh(2025, 3, 14, 18, 0)
    with pytest.raises(ValueError):
        cal.add_working_hours(sh(2025, 3, 14, 17, 0), 1, day_start=dt.time(18), day_end=dt.time(8))
    with pytest.raises(ValueError):
        cal.add_working_hours(sh(2025, 3, 14, 17, 0), -1)


# --------------------------------------------------------------------------- time zones


def test_a_utc_instant_late_on_a_shanghai_evening_counts_on_the_shanghai_date(cal):
    # 17:00 UTC on Friday 14 March is 01:00 on Saturday in Shanghai: a rest day there
    instant = dt.datetime(2025, 3, 14, 17, 0, tzinfo=UTC)
    assert cal.add_working_days(instant, 1) == dt.datetime(2025, 3, 16, 17, 0, tzinfo=UTC)  # Monday 01:00 Shanghai
    assert cal.add_working_hours(instant, 1) == dt.datetime(2025, 3, 17, 2, 0, tzinfo=UTC)  # Monday 10:00 Shanghai
    assert cal.add_working_days(instant, 1).tzinfo == UTC
    # the same instant counted in London is still Friday evening there
    assert cal.add_working_days(instant, 1, tz="Europe/London") == dt.datetime(2025, 3, 17, 17, 0, tzinfo=UTC)
    assert cal.working_days_between(instant, dt.datetime(2025, 3, 16, 17, 0, tzinfo=UTC)) == 1


def test_naive_datetimes_and_unknown_zones_are_refused(cal):
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(dt.datetime(2025, 3, 14, 9, 0), 1)
    with pytest.raises(ValueError, match="time zone"):
        cal.add_working_days(sh(2025, 3, 14, 9, 0), 1, tz="Mars/Olympus")


# --------------------------------------------------------------------------- years without data, the operator's file


def test_a_year_without_a_notice_falls_back_to_the_statutory_days_and_warns_once(cal, caplog):
    caplog.set_level(logging.WARNING, logger="redprop.calendar")
    assert not cal.is_working_day(dt.date(2031, 1, 1))  # New Year's Day, a Wednesday: statutory, so off
    assert cal.is_working_day(dt.date(2031, 1, 2))
    assert not cal.is_working_day(dt.date(2031, 1, 4))  # Saturday
    assert cal.add_working_days(sh(2031, 1, 3, 9, 0), 1) == sh(2031, 1, 6, 9, 0)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1 and "REDPROP_HOLIDAYS_FILE" in warnings[0].getMessage()
    assert "make-up working weekends are unknown" in warnings[0].getMessage()


def test_the_statutory_days_of_2027_come_from_the_lunar_calendar_with_weekends_made_up():
    days = statutory_holidays(2027)
    # Spring Festival 2027: 正月初一 is Saturday 6 February, 除夕 Friday 5 February
    assert [d for d, name in sorted(days.items()) if name == "春节"] == [dt.date(2027, 2, d) for d in (5, 6, 7, 8)]
    assert days[dt.date(2027, 4, 5)] == "清明节" and days[dt.date(2027, 6, 9)] == "端午节" and days[dt.date(2027, 9, 15)] == "中秋节"
    assert len(days) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3
    off = statutory_year(2027).holidays
    # the Saturday and Sunday of the Spring Festival are made up on Tuesday and Wednesday
    assert {dt.date(2027, 2, 9), dt.date(2027, 2, 10)} <= off and dt.date(2027, 2, 11) not in off
    assert {dt.date(2027, 10, 4), dt.date(2027, 10, 5)} <= off  # 2 and 3 October fall on a weekend


def test_a_three_working_day_limit_across_the_turn_of_2026_2027(cal):
    # Wednesday 30 December 2026: Thursday 31 counts, New Year's Day and the weekend do not
    assert cal.add_working_days(sh(2026, 12, 30, 10, 0), 3) == sh(2027, 1, 5, 10, 0)
    assert not cal.is_working_day(dt.date(2027, 1, 1))


def test_past_years_follow_the_published_notices_day_by_day():
    """2004–2026 against the maintained chinesecalendar library (the built-in 2025 and 2026 included)."""
    import chinese_calendar

    calendar = load_calendar()
    day, mismatches = dt.date(2004, 1, 1), []
    while day <= dt.date(2026, 12, 31):
        if calendar.is_working_day(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += dt.timedelta(days=1)
    assert mismatches == []
    assert not calendar.is_working_day(dt.date(2020, 1, 24))  # 除夕 2020
    assert calendar.is_working_day(dt.date(2020, 1, 19))  # a Sunday worked (调休)
    assert "chinesecalendar" in calendar.describe(dt.date(2010, 5, 3))[2]


def test_the_operator_adds_a_year_through_a_json_file(tmp_path, caplog):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"2031": {"holidays": ["2031-01-01", "2031-01-22/2031-01-28"], "workdays": ["2031-01-19"]}}))
    cal = load_calendar(load_settings({"REDPROP_HOLIDAYS_FILE": str(path)}).holidays_file)
    caplog.set_level(logging.WARNING, logger="redprop.calendar")
    assert not cal.is_working_day(dt.date(2031, 1, 1))
    assert cal.is_working_day(dt.date(2031, 1, 19))  # a Sunday worked
    assert cal.add_working_days(sh(2031, 1, 21, 9, 0), 1) == sh(2031, 1, 29, 9, 0)
    assert not caplog.records
    assert not cal.is_working_day(dt.date(2026, 2, 16))  # the built-in years stay


@pytest.mark.parametrize(
    "content",
    [
        '{"2031": {"holidays": [], "workdays": ["2031-01-02"]}}',  # a Thursday cannot be an adjusted working day
        '{"2031": {"holidays": ["2031-01-05"], "workdays": ["2031-01-05"]}}',
        '{"2031": {"holidays": ["2031-02-01/2031-01-01"]}}',
        '{"2031": {"holiday": []}}',
        '["2031-01-01"]',
        "not json",
    ],
)
def test_a_malformed_holidays_file_is_refused_naming_the_variable(tmp_path, content):
    path = tmp_path / "holidays.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match="REDPROP_HOLIDAYS_FILE"):
        load_calendar(load_settings({"REDPROP_HOLIDAYS_FILE": str(path)}).holidays_file)


# --------------------------------------------------------------------------- properties

PROPERTY_CALENDAR = WorkCalendar()
instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 10, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(start=instants, n=st.integers(min_value=-40, max_value=40).filter(bool))
def test_adding_working_days_lands_on_a_working_day_and_counting_inverts_it(start, n):
    due = PROPERTY_CALENDAR.add_working_days(start, n)
    assert due.tzinfo == UTC
    local = due.astimezone(SHANGHAI)
    assert PROPERTY_CALENDAR.is_working_day(local.date())
    assert local.time() == start.astimezone(SHANGHAI).time()
    assert PROPERTY_CALENDAR.working_days_between(start, due) == n


@settings(max_examples=200, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 60))
def test_adding_working_hours_ends_inside_office_hours_of_a_working_day(start, minutes):
    due = PROPERTY_CALENDAR.add_working_hours(start, dt.timedelta(minutes=minutes))
    local = due.astimezone(SHANGHAI)
    assert due > start
    assert PROPERTY_CALENDAR.is_working_day(local.date())
    assert dt.time(9) < local.time() <= dt.time(17, 30)


def test_calendar_show_prints_each_day_with_its_source():
    from click.testing import CliRunner

    from core.cli import main

    result = CliRunner().invoke(main, ["calendar", "show", "2027"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "statutory" in lines[0] and "make-up working days unknown" in lines[0]
    assert "2027-01-01 Fri off  holiday 元旦" in lines
    assert any(line.startswith("2027-02-09 Tue off  holiday 补假") for line in lines)
    assert sum(1 for line in lines if line[:5] == "2027-") == 365
    past = CliRunner().invoke(main, ["calendar", "show", "2020"])
    assert "chinesecalendar" in past.output.splitlines()[0]
    assert "2020-01-19 Sun work adjusted working day (调休)" in past.output
