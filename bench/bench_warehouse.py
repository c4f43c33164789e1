"""Warehouse write path: publish latency, PK merge, compaction, reader refresh, ledger.

Synthetic DISPATCH_UNIT_SCADA-shaped data (500 DUIDs per 5-minute interval) in a temp folder:

* publish of one 5-minute file (500 rows) into a table that already has a day of interval files
* re-publish merges (newer LASTCHANGED) against an interval file, a day file and a month file
* day compaction (288 interval files -> 1) and month compaction (30 day files, 4.32 M rows -> 1
  file sorted by duid, time; zstd), with the process's peak RSS
* reader: connect_raw, a no-op refresh, a refresh after a publish, a full-month count
* ledger: record + lookup

    uv run --frozen python bench/bench_warehouse.py [--days 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aemo_wh.warehouse import Warehouse  # noqa: E402
from aemo_wh.warehouse.compaction import compact  # noqa: E402
from aemo_wh.warehouse.contract import conform  # noqa: E402
from aemo_wh.warehouse.reader import connect_raw, refresh  # noqa: E402
from aemo_wh.warehouse.synthetic import scada_table  # noqa: E402
from aemo_wh.warehouse.tables import UNIT_SCADA  # noqa: E402

N_DUIDS = 500
DAY0 = dt.datetime(2025, 11, 1)


def day_table(day: dt.datetime, n_duids: int = N_DUIDS) -> pa.Table:
    """One NEM day of SCADA (288 intervals x n_duids), built column-wise."""
    ends = [day + dt.timedelta(minutes=5 * (i + 1)) for i in range(288)]
    n = 288 * n_duids
    duids = pa.array([f"DUID{d:04d}" for d in range(n_duids)] * 288)
    ts = pa.array([e for e in ends for _ in range(n_duids)], pa.timestamp("us"))
    return pa.table(
        {
            "settlementdate": ts,
            "duid": duids,
            "scadavalue": pa.array([float(i % 997) * 0.37 for i in range(n)]),
            "lastchanged": ts,
            "_source_file": pa.array(["PUBLIC_DVD_DISPATCH_UNIT_SCADA.zip"] * n),
        }
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def timed(fn, *args, **kw) -> float:
    t = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30, help="days in the month-compaction input")
    ap.add_argument("--keep", type=Path, help="build the warehouse here and keep it")
    a = ap.parse_args()
    base = a.keep or Path(tempfile.mkdtemp(prefix="bench_wh_"))
    root = base / "warehouse"
    shutil.rmtree(root, ignore_errors=True)
    wh = Warehouse(root)
    rows: list[tuple[str, str, str]] = []

    # 1. publish latency: one day of 5-minute files
    day = DAY0 + dt.timedelta(days=a.days)
    tables = [scada_table(day + dt.timedelta(minutes=5 * (i + 1)), N_DUIDS, source_file=f"F{i}.zip") for i in range(288)]
    lat = []
    with wh.writer() as w:
        for i, t in enumerate(tables):
            lat.append(timed(w.publish_batch, [(UNIT_SCADA, t)], f"PUBLIC_DISPATCHSCADA_{i:04d}.zip"))
    lat.sort()
    rows.append(("publish one 5-min file (500 rows), median", ms(statistics.median(lat)), "ms"))
    rows.append(("publish one 5-min file, p95", ms(lat[int(0.95 * len(lat))]), "ms"))
    rows.append(("publish one 5-min file, max (first call includes imports)", ms(lat[-1]), "ms"))
    rows.append(("publish 288 5-min files one by one (sum)", ms(sum(lat)), "ms"))

    # 1b. the same day as ONE batch (what the ingest does: one publish_batch per table per batch)
    from aemo_wh.warehouse.merge import unify

    batch_root = base / "warehouse-batch"
    shutil.rmtree(batch_root, ignore_errors=True)
    with Warehouse(batch_root).writer() as w:
        t_batch = timed(w.publish_batch, [(UNIT_SCADA, unify(tables))], "PUBLIC_DISPATCHSCADA_0000-and-287-more")
    rows.append(("publish the same 288 files as one batch", ms(t_batch), "ms"))

    # 2. ledger
    with wh.writer() as w:
        rec = [timed(w.record_loaded, name=f"F{i}.zip", source="dispatch_scada", rows={"unit_scada": 500})
               for i in range(200)]  # fmt: skip
    look = [timed(wh.ledger.lookup, f"F{i}.zip") for i in range(200)]
    rows.append(("ledger record_loaded, median", ms(statistics.median(rec)), "ms"))
    rows.append(("ledger lookup, median", ms(statistics.median(look)), "ms"))

    # 3. merges
    with wh.writer() as w:
        t_int = timed(w.publish, UNIT_SCADA, scada_table(day + dt.timedelta(minutes=60), N_DUIDS, revision=1), "R1.zip")
        t_cmp = timed(w.compact, now=day + dt.timedelta(days=1, hours=2))
        t_day = timed(w.publish, UNIT_SCADA, scada_table(day + dt.timedelta(minutes=65), N_DUIDS, revision=1), "R2.zip")
    rows.append(("re-publish merge into an interval file (500 keys collide)", ms(t_int), "ms"))
    rows.append(("day compaction: 288 interval files -> 1 day file (144 k rows)", ms(t_cmp), "ms"))
    rows.append(("re-publish merge into a day file (rewrite 144 k rows)", ms(t_day), "ms"))

    # 4. month compaction from day files (written directly, as days compacted earlier would be)
    with wh.writer() as w:
        entries = []
        for d in range(a.days):
            dd = DAY0 + dt.timedelta(days=d)
            t = day_table(dd)
            rel = f"unit_scada/day/date={dd.date()}/c-bench{d:02d}.parquet"
            entries.append(w.write_file(conform(t, UNIT_SCADA), rel, UNIT_SCADA, level="day", date=str(dd.date())))
        w.swap("unit_scada", entries, [])
    n_month = a.days * 288 * N_DUIDS
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with wh.writer() as w:
        t0 = time.perf_counter()
        summary = compact(w, now=DAY0 + dt.timedelta(days=a.days, hours=2), tables=["unit_scada"])
        t_month = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    month = next(e for e in wh.manifest("unit_scada").files if e.level == "month")
    size_mb = (root / month.path).stat().st_size / 1e6
    rows.append((f"month compaction: {a.days} day files, {n_month / 1e6:.2f} M rows -> 1 (duid, time) zstd",
                 f"{t_month:.2f}", "s"))  # fmt: skip
    rows.append(("month file size", f"{size_mb:.0f}", "MB"))
    rows.append(("peak RSS of this process before / after month compaction", f"{rss0:.0f} / {rss1:.0f}", "MB"))
    assert summary["months"] == 1 and month.rows == n_month

    with wh.writer() as w:
        late = scada_table(DAY0 + dt.timedelta(days=3, minutes=5), N_DUIDS, revision=2, source_file="LATE.zip")
        t_late = timed(w.publish, UNIT_SCADA, late, "LATE.zip")
    rows.append(("late revision merged into the month file (rewrite 4.3 M rows)", f"{t_late:.2f}", "s"))

    # 5. reader
    t = time.perf_counter()
    con = connect_raw(root)
    t_connect = time.perf_counter() - t
    noop = [timed(refresh, con) for _ in range(200)]
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(day + dt.timedelta(days=1, minutes=5), N_DUIDS), "NEXT.zip")
    t_ref = timed(refresh, con)
    t = time.perf_counter()
    n, keys = con.execute("select count(*), count(distinct (settlementdate, duid)) from unit_scada").fetchall()[0]
    t_q = time.perf_counter() - t
    assert n == keys
    rows.append(("connect_raw (8 tables)", ms(t_connect), "ms"))
    rows.append(("refresh, nothing changed (median)", ms(statistics.median(noop)), "ms"))
    rows.append(("refresh after a publish", ms(t_ref), "ms"))
    rows.append((f"count + distinct keys over {n / 1e6:.2f} M rows", ms(t_q), "ms"))

    w1 = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w1}}  {'value':>12}  unit")
    print(f"{'-' * w1}  {'-' * 12}  ----")
    for name, val, unit in rows:
        print(f"{name:<{w1}}  {val:>12}  {unit}")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
