"""Date arithmetic of cycles, expiry and late windows: the one place that decides it.

Months are calendar months: adding one month to January 31 gives the last day of February (the
day of the month is kept, or cut to the month's last day; dateutil's ``relativedelta`` does the
same, and a property test holds the two equal). A late window of N months after an expiry on the last day of a month ends on
the last day of the Nth month after (2026-03-31 + 3 months -> 2026-06-30; 2026-04-30 -> 2026-07-31).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class NotIsoDay(ValueError):
    """Text that is not written YYYY-MM-DD (a datetime, 2023-2-3, 20230203, ...)."""


def iso_day(text: str) -> dt.date:
    """A day written YYYY-MM-DD, the one date form marenew reads (files, CSV cells, --as-of).
    Raises NotIsoDay for another form, ValueError with the reason for a day that does not exist
    (2023-02-30)."""
    if not _ISO_DAY.fullmatch(text):
        raise NotIsoDay(text)
    return dt.date.fromisoformat(text)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, its day of the month cut to the month's length.
    (Plain integer arithmetic: a roster does this for every credential.)"""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return dt.date(year, month, min(day.day, days_in_month(year, month)))


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=days_in_month(day.year, day.month))


def is_end_of_month(day: dt.date) -> bool:
    return day == end_of_month(day)


def expiry(certified_on: dt.date, months: int, mode: str) -> dt.date:
    """When a cycle that began on ``certified_on`` expires.

    end_of_month: the last day of the month ``months`` after (AAMA: 2021-03-15 -> 2026-03-31);
    anniversary: the same day ``months`` after (AMT: 2023-05-01 -> 2026-05-01).
    """
    if mode == "end_of_month":
        return end_of_month(add_months(certified_on, months))
    if mode == "anniversary":
        return add_months(certified_on, months)
    raise ValueError(f"unknown expiry mode {mode!r}")


def late_window_end(expires_on: dt.date, *, months: int | None = None, days: int | None = None) -> dt.date:
    """The last day on which the regular renewal is still accepted after expiry.

    "3 months after" ends on the same day of the third month after; from the last day of a month,
    on the last day of the third month after (2026-03-31 -> 2026-06-30, 2026-04-30 -> 2026-07-31).
    """
    if months is not None:
        later = add_months(expires_on, months)
        return end_of_month(later) if is_end_of_month(expires_on) else later
    if days is not None:
        return expires_on + dt.timedelta(days=days)
    return expires_on


def anniversaries(start: dt.date, every_months: int, after: dt.date, through: dt.date) -> list[dt.date]:
    """Due dates ``start + k * every_months`` (k >= 1) in ``(after, through]``.

    Each is counted from ``start``, not from the previous one, so a February 29 start falls due on
    February 28 in common years and on the 29th again in leap years.
    """
    if every_months <= 0:
        return []
    out: list[dt.date] = []
    k = 1
    while True:
        due = add_months(start, k * every_months)
        if due > through:
            return out
        if due > after:
            out.append(due)
        k += 1


@functools.lru_cache(maxsize=4096)  # a roster asks for the same few pairs (as-of, expiry) again and again
def months_between(start: dt.date, end: dt.date) -> float:
    """Calendar months from ``start`` to ``end`` (0 when ``end`` is not after ``start``): whole months
    as ``add_months`` counts them, plus the rest as a fraction of the next month's length.

    2026-11-29 -> 2027-02-28 is 3.0 (2027-02-29 does not exist: add_months clamps it to the 28th);
    2026-01-15 -> 2026-03-01 is 1 + 14/28 = 1.5 (14 of the 28 days from 2026-02-15 to 2026-03-15).
    """
    if end <= start:
        return 0.0
    # add_months grows with the months added, so the whole months are the largest count that
    # does not pass ``end``: start from the calendar difference (never more than one off)
    whole = (end.year - start.year) * 12 + end.month - start.month
    while whole > 0 and add_months(start, whole) > end:
        whole -= 1
    while add_months(start, whole + 1) <= end:
        whole += 1
    base, following = add_months(start, whole), add_months(start, whole + 1)
    return whole + (end - base).days / (following - base).days


# Dates a credential file (or --as-of) may hold: outside them a date is a typo (0202-05-01), and
# cycle arithmetic near the ends of the calendar would fail.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def implausible_date(day: dt.date) -> str | None:
    """Why ``day`` cannot be meant, or None."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"{day} is not a plausible date (marenew works with {EARLIEST_DATE.year} to {LATEST_DATE.year})"


_US_DAY = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})")
_SLASH_ISO = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")


def typed_day(text: str) -> dt.date:
    """A day as people type it: 2022-08-19, or the US form 08/19/2022 (also 8/19/2022, 08-19-2022:
    month first), or 2022/08/19. Raises ValueError saying what was expected."""
    text = text.strip()
    try:
        return iso_day(text)
    except NotIsoDay:
        pass
    except ValueError:  # written YYYY-MM-DD, but no such day: 2022-02-30
        raise ValueError(f"`{text}` is not a day of the calendar") from None
    us = _US_DAY.fullmatch(text)
    iso = _SLASH_ISO.fullmatch(text)
    if us:
        month, day, year = (int(g) for g in us.groups())
    elif iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        raise ValueError(f"`{text}` is not a date; write 2022-08-19 or 08/19/2022 (month first)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(
            f"`{text}` is not a day of the calendar (read as month {month}, day {day}, year {year})"
        ) from None
