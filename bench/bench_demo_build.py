"""Benchmark: how long `make demo` takes to simulate + write the mirror, and to ingest it.

Prints a table: simulate (model only) with its market statistics (`aemo_wh.demo.realism`), build (model + files + archive bundles) for 1/7/14 days,
and the ingest of a 1-day fixture mirror and of the full 14-day mirror through the loopback
NEMWeb server (the ordinary `run_ingest(include_archive=True)` path, then compaction).
Run: `uv run --frozen python bench/bench_demo_build.py [--skip-ingest14]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil

from aemo_wh.demo.fixture import FIXTURE_CURRENT_INTERVALS, ingest_mirror
from aemo_wh.demo.mirror import build_mirror, load_units
from aemo_wh.demo.model import simulate
from aemo_wh.demo.realism import market_stats
from aemo_wh.nemtime import floor_interval, now_nem


def _files(root: Path) -> tuple[int, float]:
    paths = [p for p in root.rglob("*.zip")]
    return len(paths), sum(p.stat().st_size for p in paths) / 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-ingest14", action="store_true", help="skip the (slow) 14-day ingest")
    args = ap.parse_args()
    end = floor_interval(now_nem(), 5)
    units = load_units()
    rows: list[tuple[str, str, str]] = []
    t = time.perf_counter()
    start = dt.datetime.combine(end.date() - dt.timedelta(days=14), dt.time())
    sim = simulate(units, start, end, seed=1)
    rows.append(("simulate 14 days (model only)", f"{time.perf_counter() - t:.2f} s",
                 f"{sim.scada.shape[0]} intervals x {sim.scada.shape[1]} units"))  # fmt: skip
    stats = market_stats(sim)
    mainland = ("NSW1", "QLD1", "SA1", "VIC1")
    links = [k for k, v in stats.items() if "binding" in v]
    rows.append(("  market: negative-price share (mainland)", "",
                 " ".join(f"{r} {stats[r]['neg']:.1%}" for r in mainland) + f", TAS1 {stats['TAS1']['neg']:.1%}"))
    rows.append(("  market: link binding share", "", f"{min(stats[k]['binding'] for k in links):.1%} .. "
                 f"{max(stats[k]['binding'] for k in links):.1%}; max price ${max(stats[r]['max'] for r in stats if r not in links):,.0f}"))  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    try:
        for days in (1, 7, 14):
            out = tmp / f"mirror{days}"
            t = time.perf_counter()
            build_mirror(out, days=days, seed=1, end=end, units=units)
            n, mb = _files(out)
            rows.append((f"build mirror, {days} day(s)", f"{time.perf_counter() - t:.2f} s", f"{n} zips, {mb:.1f} MB"))
        fx = tmp / "fixture"
        t = time.perf_counter()
        build_mirror(fx, days=1, seed=1, end=end, units=units, current_intervals=FIXTURE_CURRENT_INTERVALS)
        load = ingest_mirror(fx, tmp / "wh_fixture")
        rows.append(("build_demo_warehouse(days=1)", f"{time.perf_counter() - t:.2f} s",
                     f"{load.files_loaded} files, {sum(load.rows.values())} rows"))  # fmt: skip
        if not args.skip_ingest14:
            t = time.perf_counter()
            load = ingest_mirror(tmp / "mirror14", tmp / "wh14")
            rows.append(("ingest + compact 14-day mirror (HTTP)", f"{time.perf_counter() - t:.2f} s",
                         f"{load.files_loaded} files, {sum(load.rows.values())} rows"))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rss = psutil.Process().memory_info().rss / 1e6
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'time':>9}  detail   (cores: {psutil.cpu_count()}, RSS now {rss:.0f} MB)")
    for name, secs, detail in rows:
        print(f"{name:<{w}}  {secs:>9}  {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
