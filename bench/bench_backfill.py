"""Backfill of one synthetic month of Dispatch SCADA (~4.5 M rows) from an MMSDM monthly zip.

Builds `PUBLIC_DVD_DISPATCH_UNIT_SCADA_<YYYYMM>010000.zip` (AEMO C/I/D layout, 500 DUIDs x every
5-minute interval of the month) in a NEMWeb-shaped folder, serves it on 127.0.0.1 with the
loopback NEMWeb server, and runs `aemo-wh backfill` in a child process against it. Reports
wall time, rows landed, throughput and the child's peak RSS (issue budget: < 300 MB).

    uv run --frozen python bench/bench_backfill.py [--duids 500] [--month 2024-01] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aemo_wh.ingest.backfill import mmsdm_dir  # noqa: E402
from aemo_wh.nemweb.server import NemwebServer  # noqa: E402

RSS_BUDGET_MB = 300  # issue 7: a monthly file must load in bounded memory


def write_month(folder: Path, month: dt.date, n_duids: int) -> tuple[Path, int]:
    """Write the monthly SCADA zip; returns (path, data rows)."""
    out_dir = folder / mmsdm_dir(month)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"PUBLIC_DVD_DISPATCH_UNIT_SCADA_{month:%Y%m}010000"
    path = out_dir / f"{stem}.zip"
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(month, dt.time()) + dt.timedelta(minutes=5)
    end = dt.datetime.combine(nxt, dt.time())
    rng = random.Random(7)
    duids = [f"BENCH{i:04d}" for i in range(n_duids)]
    base = [rng.uniform(-50, 700) for _ in duids]
    rows = 0
    lines = 2
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open(f"{stem}.CSV", "w", force_zip64=True) as fh,
    ):
        fh.write(
            b"C,SETP.WORLD,DVD_DISPATCH_UNIT_SCADA,AEMO,PUBLIC,2024/02/05,00:10:00,"
            b"0000000400000000,,0000000400000000\r\n"
            b"I,DISPATCH,UNIT_SCADA,1,SETTLEMENTDATE,DUID,SCADAVALUE,LASTCHANGED\r\n"
        )
        ts = start
        while ts <= end:
            stamp = f'"{ts:%Y/%m/%d %H:%M:%S}"'
            changed = f'"{ts - dt.timedelta(seconds=278):%Y/%m/%d %H:%M:%S}"'
            block = "".join(
                f"D,DISPATCH,UNIT_SCADA,1,{stamp},{d},{b + rng.random():.5f},{changed}\r\n"
                for d, b in zip(duids, base, strict=True)
            )
            fh.write(block.encode())
            rows += len(duids)
            ts += dt.timedelta(minutes=5)
        lines += rows + 1
        fh.write(f'C,"END OF REPORT",{lines}\r\n'.encode())
    return path, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duids", type=int, default=500)
    ap.add_argument("--month", default="2024-01")
    ap.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder, removed)")
    args = ap.parse_args()
    month = dt.date.fromisoformat(args.month + "-01")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_backfill_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        mirror, wh = work / "mirror", work / "warehouse"
        t0 = time.perf_counter()
        path, rows = write_month(mirror, month, args.duids)
        gen_s = time.perf_counter() - t0
        last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        with NemwebServer(mirror) as srv:
            env = dict(os.environ)
            env.update(
                AEMO_WH_CONFIG=str(work / "absent.toml"),
                AEMO_WH_NEMWEB_BASE_URL=srv.url,
                AEMO_WH_PATHS_WAREHOUSE=str(wh),
                AEMO_WH_PATHS_LOGS=str(work / "logs"),
            )
            cmd = [sys.executable, "-m", "aemo_wh.cli", "backfill", "--from", str(month), "--to", str(last),
                   "--source", "dispatch_scada"]  # fmt: skip
            t1 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - t1
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, sep="\n", file=sys.stderr)
            return proc.returncode
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: KiB
        landed = _count_rows(wh)
        size_mb = path.stat().st_size / 1e6
        print(f"{'metric':<34}{'value':>16}")
        print(f"{'month':<34}{args.month:>16}")
        print(f"{'DUIDs x intervals (rows in file)':<34}{rows:>16,}")
        print(f"{'zip size (MB)':<34}{size_mb:>16.1f}")
        print(f"{'generate file (s)':<34}{gen_s:>16.1f}")
        print(f"{'backfill wall time (s)':<34}{wall:>16.1f}")
        print(f"{'rows landed':<34}{landed:>16,}")
        print(f"{'rows / s':<34}{landed / wall:>16,.0f}")
        print(f"{'peak RSS of backfill (MB)':<34}{peak_mb:>16.0f}")
        print(f"{'RSS budget (MB)':<34}{RSS_BUDGET_MB:>16}")
        print(f"{'within budget':<34}{'yes' if peak_mb < RSS_BUDGET_MB else 'NO':>16}")
        return 0 if landed == rows else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _count_rows(wh: Path) -> int:
    from aemo_wh.warehouse.reader import connect_raw

    con = connect_raw(wh)
    try:
        return con.execute("select count(*) from unit_scada").fetchall()[0][0]
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
