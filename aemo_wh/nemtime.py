"""NEM time: naive timestamps in UTC+10 (AEST), never daylight saving.

AEMO's SETTLEMENTDATE / INTERVAL_DATETIME label the END of an interval, so the
interval 23:55-00:00 belongs to the earlier day. Nothing here reads the host's
time zone.
"""

from __future__ import annotations

import datetime as dt

NEM_TZ = dt.timezone(dt.timedelta(hours=10), name="NEM")


def now_nem() -> dt.datetime:
    """Current wall-clock time in NEM time, as a naive datetime."""
    return dt.datetime.now(NEM_TZ).replace(tzinfo=None)


def to_nem_naive(ts: dt.datetime) -> dt.datetime:
    """Convert an aware datetime to naive NEM time (naive input is assumed NEM already)."""
    if ts.tzinfo is None:
        return ts
    return ts.astimezone(NEM_TZ).replace(tzinfo=None)


def interval_start_date(interval_end: dt.datetime, minutes: int) -> dt.date:
    """Partition date of an interval: the NEM date of its start (end - length)."""
    return (interval_end - dt.timedelta(minutes=minutes)).date()


def floor_interval(ts: dt.datetime, minutes: int = 5) -> dt.datetime:
    """The interval END at or before ts (e.g. 12:07 -> 12:05 for 5-minute intervals)."""
    ts = ts.replace(second=0, microsecond=0)
    return ts - dt.timedelta(minutes=ts.minute % minutes)
