"""periods.py: the date arithmetic of cycles, expiry and late windows, at the boundaries.

Expected dates are worked out by hand from the calendar (statuses and late windows in calendar months).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import examples
from marenew.core import dates as periods

d = dt.date.fromisoformat


# --- add_months / end_of_month ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-15", 1, "2026-02-15"),
        ("2026-01-31", 1, "2026-02-28"),  # no Feb 31: the last day of February
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-03-31", 3, "2026-06-30"),
        ("2026-04-30", 3, "2026-07-30"),  # plain month arithmetic keeps the day (late windows differ)
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2026-12-15", 1, "2027-01-15"),  # over the year end
        ("2026-05-10", 0, "2026-05-10"),
    ],
)
def test_add_months(start, months, expected):
    assert periods.add_months(d(start), months) == d(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-02-01", "2026-02-28"),
        ("2024-02-10", "2024-02-29"),
        ("2026-04-30", "2026-04-30"),
        ("2026-12-01", "2026-12-31"),
        ("2026-06-15", "2026-06-30"),
    ],
)
def test_end_of_month(day, expected):
    assert periods.end_of_month(d(day)) == d(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-02-28", True),
        ("2024-02-28", False),
        ("2024-02-29", True),
        ("2026-04-30", True),
        ("2026-05-30", False),
        ("2026-12-31", True),
        ("2026-01-01", False),
    ],
)
def test_is_end_of_month(day, expected):
    assert periods.is_end_of_month(d(day)) is expected


# --- expiry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certified_on", "months", "expected"),
    [
        ("2021-03-15", 60, "2026-03-31"),  # AAMA's own example (AAMA's recertification page)
        ("2021-03-01", 60, "2026-03-31"),  # the first of the month: still the month's last day
        ("2021-03-31", 60, "2026-03-31"),
        ("2022-02-14", 60, "2027-02-28"),  # examples/cma-short.yaml
        ("2024-02-29", 60, "2029-02-28"),  # a Feb 29 start ends in a common February
        ("2023-02-28", 12, "2024-02-29"),  # ... and a Feb 28 start in a leap February
        ("2025-06-10", 60, "2030-06-30"),  # examples/cma-on-track.yaml
        ("2024-12-31", 24, "2026-12-31"),  # AHA card style over a year end
    ],
)
def test_expiry_end_of_month(certified_on, months, expected):
    assert periods.expiry(d(certified_on), months, "end_of_month") == d(expected)


@pytest.mark.parametrize(
    ("certified_on", "months", "expected"),
    [
        ("2023-05-01", 36, "2026-05-01"),  # AMT's own example (AMT's Stay Certified page)
        ("2024-02-29", 36, "2027-02-28"),  # no Feb 29 in 2027: the last day of February
        ("2024-02-29", 48, "2028-02-29"),  # four years on: a leap year again
        ("2025-01-31", 24, "2027-01-31"),
        ("2025-03-31", 12, "2026-03-31"),
        ("2025-08-31", 18, "2027-02-28"),  # a month without that day
    ],
)
def test_expiry_anniversary(certified_on, months, expected):
    assert periods.expiry(d(certified_on), months, "anniversary") == d(expected)


def test_expiry_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="unknown expiry mode"):
        periods.expiry(d("2025-01-01"), 12, "whenever")


# --- late windows in calendar months -----------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_on", "months", "expected"),
    [
        ("2026-03-31", 3, "2026-06-30"),  # last day of the month -> last day
        ("2026-04-30", 3, "2026-07-31"),  # the last day of July, not 07-30
        ("2026-11-30", 3, "2027-02-28"),
        ("2023-11-30", 3, "2024-02-29"),  # into a leap February
        ("2026-02-28", 3, "2026-05-31"),  # Feb 28 of a common year is the end of its month
        ("2024-02-28", 3, "2024-05-28"),  # ... but not in a leap year: the same day
        ("2026-05-01", 3, "2026-08-01"),  # anniversary expiry: the same day three months on
        ("2026-01-15", 3, "2026-04-15"),
        ("2026-11-15", 3, "2027-02-15"),  # over the year end
        ("2019-06-30", 60, "2024-06-30"),  # AAMA before 2020: 60 months
    ],
)
def test_late_window_end_months(expires_on, months, expected):
    assert periods.late_window_end(d(expires_on), months=months) == d(expected)


@pytest.mark.parametrize(
    ("expires_on", "days", "expected"),
    [
        ("2026-03-31", 30, "2026-04-30"),
        ("2026-02-01", 30, "2026-03-03"),  # 27 days left in Feb 2026, then 3 into March
        ("2024-02-01", 30, "2024-03-02"),  # leap year: 28 days left in Feb, then 2
        ("2026-12-15", 90, "2027-03-15"),  # 16 + 31 + 28 + 15 = 90
        ("2026-06-01", 0, "2026-06-01"),
    ],
)
def test_late_window_end_days(expires_on, days, expected):
    assert periods.late_window_end(d(expires_on), days=days) == d(expected)


def test_no_late_window_ends_on_expiry():
    assert periods.late_window_end(d("2026-05-01")) == d("2026-05-01")


@examples(200)
@given(
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    months=st.integers(min_value=1, max_value=72),
)
def test_late_window_end_is_after_expiry_and_in_the_right_month(day, months):
    end = periods.late_window_end(day, months=months)
    assert end > day
    assert (end.year * 12 + end.month) - (day.year * 12 + day.month) == months
    if periods.is_end_of_month(day):
        assert periods.is_end_of_month(end)
    else:
        # the same day, or the last day of a shorter month
        assert end.day == day.day or (end.day < day.day and periods.is_end_of_month(end))


@examples(1000)
@given(day=st.dates(), months=st.integers(min_value=-3000, max_value=3000))
def test_month_arithmetic_equals_dateutil(day, months):
    """add_months and end_of_month do by hand what dateutil's relativedelta does: the same day or
    the same error (a year outside the calendar) for any day and any number of months."""
    from dateutil.relativedelta import relativedelta

    try:
        expected = day + relativedelta(months=months)
    except (ValueError, OverflowError):
        with pytest.raises((ValueError, OverflowError)):
            periods.add_months(day, months)
    else:
        assert periods.add_months(day, months) == expected
    assert periods.end_of_month(day) == day + relativedelta(day=31)


# --- anniversaries (recurring fees) -----------------------------------------------------------


def _months_between_by_steps(start: dt.date, end: dt.date) -> float:
    """The definition, one month at a time (what months_between computes without the loop)."""
    if end <= start:
        return 0.0
    whole = 0
    while periods.add_months(start, whole + 1) <= end:
        whole += 1
    base, following = periods.add_months(start, whole), periods.add_months(start, whole + 1)
    return whole + (end - base).days / (following - base).days


@given(
    start=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)),
    days=st.integers(min_value=-400, max_value=40_000),
)
def test_months_between_equals_counting_month_by_month(start, days):
    end = start + dt.timedelta(days=days)
    assert periods.months_between(start, end) == _months_between_by_steps(start, end)


def test_anniversaries_yearly_from_certification():
    # RMA certified 2023-05-01: the annual fee falls due every 1 May; (after, through] is half open
    start = d("2023-05-01")
    assert periods.anniversaries(start, 12, start, d("2026-05-01")) == [
        d("2024-05-01"),
        d("2025-05-01"),
        d("2026-05-01"),
    ]
    assert periods.anniversaries(start, 12, start, d("2026-04-30")) == [d("2024-05-01"), d("2025-05-01")]
    assert periods.anniversaries(start, 12, d("2024-05-01"), d("2025-05-01")) == [d("2025-05-01")]
    assert periods.anniversaries(start, 12, d("2025-05-01"), d("2025-05-01")) == []


def test_anniversaries_from_feb_29_are_counted_from_the_start():
    # Each due date is start + k years: Feb 28 in common years, Feb 29 again in 2028 (not drifted to 28)
    start = d("2024-02-29")
    assert periods.anniversaries(start, 12, start, d("2028-12-31")) == [
        d("2025-02-28"),
        d("2026-02-28"),
        d("2027-02-28"),
        d("2028-02-29"),
    ]


def test_anniversaries_from_month_end_do_not_drift():
    # from Jan 31 every month: Feb 28, Mar 31 (not Mar 28), Apr 30
    assert periods.anniversaries(d("2026-01-31"), 1, d("2026-01-31"), d("2026-04-30")) == [
        d("2026-02-28"),
        d("2026-03-31"),
        d("2026-04-30"),
    ]


def test_anniversaries_without_a_period_are_none():
    assert periods.anniversaries(d("2024-01-01"), 0, d("2024-01-01"), d("2030-01-01")) == []


@pytest.mark.parametrize("text", ["2026-11-29T00:00", "2026-1-2", "20261129", "2026-W48-7", " 2026-11-29"])
def test_iso_day_reads_only_yyyy_mm_dd(text):
    # Python 3.11's fromisoformat also reads 20261129 and week dates; marenew reads one form only.
    with pytest.raises(periods.NotIsoDay):
        periods.iso_day(text)


def test_iso_day_says_why_a_day_does_not_exist():
    with pytest.raises(ValueError, match="day is out of range"):
        periods.iso_day("2023-02-30")
    assert periods.iso_day("2024-02-29") == dt.date(2024, 2, 29)
