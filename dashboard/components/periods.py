"""Two periods to compare, A (the earlier, the reference) and B (the one in question).

Presets are relative to the newest interval, not the wall clock, and pair B with its previous
corresponding period: the same span of last week, of the same month a year earlier, or the 30 days
before. A period is (start, end] with interval-end stamps, like every window here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRESETS = ("This week vs last week", "This month vs same month last year", "Last 30 days vs previous 30",
           "Custom")
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime
    end: dt.datetime

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    def text(self) -> str:
        last = self.end - dt.timedelta(minutes=5)  # the last interval's start: its calendar day
        return f"{self.start:%d %b %Y} – {last:%d %b %Y}"


def _midnight(t: dt.datetime) -> dt.datetime:
    """Midnight opening the NEM day of the interval that ends at `t`."""
    return dt.datetime.combine((t - dt.timedelta(minutes=5)).date(), dt.time())


def _year_earlier(t: dt.datetime) -> dt.datetime:
    try:
        return t.replace(year=t.year - 1)
    except ValueError:  # 29 February
        return t.replace(year=t.year - 1, day=28)


def preset_periods(preset: str, newest: dt.datetime) -> tuple[Period, Period]:
    """(A, B) for a preset; B ends at the newest interval, A is its previous corresponding period."""
    if preset == PRESETS[0]:
        monday = _midnight(newest) - dt.timedelta(days=_midnight(newest).weekday())
        span = newest - monday
        return Period("A · last week", monday - 7 * DAY, monday - 7 * DAY + span), Period("B · this week", monday,
                                                                                          newest)
    if preset == PRESETS[1]:
        first = _midnight(newest).replace(day=1)
        a_start, a_end = _year_earlier(first), _year_earlier(newest)
        return Period(f"A · {a_start:%b %Y}", a_start, a_end), Period(f"B · {first:%b %Y}", first, newest)
    if preset == PRESETS[2]:
        return (Period("A · previous 30 days", newest - 60 * DAY, newest - 30 * DAY),
                Period("B · last 30 days", newest - 30 * DAY, newest))
    raise ValueError(f"not a preset: {preset}")


def custom_period(label: str, first: dt.date, last: dt.date) -> Period:
    """Whole days `first` .. `last` (inclusive) as a period."""
    if last < first:
        first, last = last, first
    start = dt.datetime.combine(first, dt.time())
    return Period(label, start, dt.datetime.combine(last, dt.time()) + DAY)
