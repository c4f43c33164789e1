"""Compaction and retention, through the same publish path as ingest.

* A closed day (its last interval ended more than `settle` ago) with several files, or with
  interval files, becomes one day file sorted by time then key.
* A closed month becomes one month file sorted by `spec.month_sort` (e.g. duid, time), zstd,
  122,880-row groups: one unit over a year then reads a few row groups per month.
Both dedupe by primary key (newest `latest_by`, then the later file) although publishing already
keeps keys unique. DuckDB does the work so a month bigger than memory spills to `_staging`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aemo_wh.log import get_logger
from aemo_wh.nemtime import now_nem
from aemo_wh.warehouse.tables import CONTRACT_VERSION, TABLES, TableSpec
from aemo_wh.warehouse import duck, layout
from aemo_wh.warehouse.manifest import FileEntry

if TYPE_CHECKING:
    from aemo_wh.warehouse.writer import Writer

logger = get_logger(__name__)

SETTLE = dt.timedelta(hours=1)


_q = duck.q


def _next_month(month: str) -> dt.date:
    y, m = int(month[:4]), int(month[5:7])
    return dt.date(y + (m == 12), m % 12 + 1, 1)


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)


def compact(
    w: Writer, now: dt.datetime | None = None, tables: Iterable[str] | None = None, settle: dt.timedelta = SETTLE
) -> dict:
    """Compact every closed day and month of every time table; returns what was done."""
    now = now or now_nem()
    names = list(tables) if tables is not None else [n for n, s in TABLES.items() if s.time_column]
    summary: dict = {"days": 0, "months": 0, "files_in": 0, "files_out": 0, "tables": {}}
    for name in names:
        spec = TABLES[name]
        if spec.time_column is None:
            continue
        done = {"days": 0, "months": 0}
        by_month: dict[str, list[FileEntry]] = {}
        for e in w.manifest(name).files:
            if e.date:
                by_month.setdefault(e.date[:7], []).append(e)
        for month, entries in sorted(by_month.items()):
            if _midnight(_next_month(month)) + settle <= now:
                if len(entries) > 1 or entries[0].level != "month":
                    _compact_group(w, spec, entries, "month", month)
                    done["months"] += 1
                    summary["files_in"] += len(entries)
                    summary["files_out"] += 1
                continue
            by_day: dict[str, list[FileEntry]] = {}
            for e in entries:
                by_day.setdefault(e.date, []).append(e)
            for day, des in sorted(by_day.items()):
                if any(e.level == "month" for e in des):
                    continue  # a month file (only if `now` went backwards): leave it whole
                closed = _midnight(dt.date.fromisoformat(day) + dt.timedelta(days=1)) + settle <= now
                if closed and (len(des) > 1 or des[0].level not in ("day", "month")):
                    _compact_group(w, spec, des, "day", day)
                    done["days"] += 1
                    summary["files_in"] += len(des)
                    summary["files_out"] += 1
        summary["days"] += done["days"]
        summary["months"] += done["months"]
        if done["days"] or done["months"]:
            summary["tables"][name] = done
    if summary["days"] or summary["months"]:
        logger.info(
            "compacted %d day(s) and %d month(s): %d files -> %d",
            summary["days"], summary["months"], summary["files_in"], summary["files_out"],
        )
    return summary


def _compact_group(w: Writer, spec: TableSpec, entries: list[FileEntry], level: str, key: str) -> FileEntry:
    """Merge `entries` into one file at `level` and swap it in with one manifest publish."""
    tc = spec.time_column
    assert tc is not None
    files = [str(w.root / e.path) for e in entries]
    with duck.scratch(w.root) as con:
        con.execute("SET VARIABLE compact_files = ?::VARCHAR[]", [files])
        src = (
            "read_parquet(getvariable('compact_files'), union_by_name = true, hive_partitioning = false, "
            "filename = '__file', file_row_number = true)"
        )
        present = [r[0] for r in con.execute(f"DESCRIBE SELECT * EXCLUDE (__file, file_row_number) FROM {src}").fetchall()]
        cols = set(present)
        tiebreak = []
        if spec.latest_by in cols:
            tiebreak.append(f"{_q(spec.latest_by)} DESC NULLS LAST")
        tiebreak += ["list_position(getvariable('compact_files'), __file) DESC", "file_row_number DESC"]
        if level == "month":
            order = list(spec.month_sort) + [c for c in spec.primary_key if c not in spec.month_sort]
        else:
            order = [tc] + [c for c in spec.primary_key if c != tc]
        pk = ", ".join(_q(c) for c in spec.primary_key)
        query = (
            f"SELECT {duck.contract_select(spec, present)} FROM {src} "
            f"QUALIFY row_number() OVER (PARTITION BY {pk} ORDER BY {', '.join(tiebreak)}) = 1 "
            f"ORDER BY {', '.join(_q(c) for c in order)}"
        )
        staged, rows, lo, hi = duck.copy_to_staging(con, w.root, query, tc)
    if level == "month":
        rel, date = layout.month_path(spec.name, key), f"{key}-01"
    else:
        rel, date = layout.day_path(spec.name, dt.date.fromisoformat(key)), key
    try:
        w.install_file(staged, rel, spec)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    entry = FileEntry(
        rel, date, lo.isoformat(timespec="seconds"), hi.isoformat(timespec="seconds"), rows, level,
        contract=CONTRACT_VERSION,
    )
    w.swap(spec.name, [entry], entries)
    in_rows = sum(e.rows for e in entries)
    if in_rows != rows:
        logger.warning("%s %s: compaction dropped %d duplicate row(s)", spec.name, key, in_rows - rows)
    return entry


def compact_partition(w: Writer, spec: TableSpec, date: dt.date) -> FileEntry | None:
    """Re-merge the files of one partition date (its whole month when a month file holds it) into
    one file, newest row per key: how `check --repair` removes duplicate keys an older version left."""
    entries = [e for e in w.manifest(spec.name).files if e.date]
    month = f"{date:%Y-%m}"
    in_month = [e for e in entries if e.date[:7] == month]
    if any(e.level == "month" for e in in_month):
        return _compact_group(w, spec, in_month, "month", month)
    day = [e for e in in_month if e.date == date.isoformat()]
    return _compact_group(w, spec, day, "day", date.isoformat()) if day else None


def apply_retention(w: Writer, days_by_table: dict[str, int], now: dt.datetime | None = None) -> dict:
    """Drop whole files whose newest interval is older than `days` before `now` (NEM time)."""
    now = now or now_nem()
    out: dict[str, int] = {}
    for name, days in days_by_table.items():
        if days is None or days <= 0:
            continue
        cutoff = now - dt.timedelta(days=days)
        old = [e for e in w.manifest(name).files if e.max_dt is not None and e.max_dt < cutoff]
        if old:
            w.swap(name, [], old)
            out[name] = len(old)
            logger.info("retention: %s dropped %d file(s) older than %s", name, len(old), cutoff.date())
    return out
