"""Parse + land throughput of the AEMO C/I/D reader, against pandas and a bare pyarrow read.

Two inputs:
* the real sample files (tests/data/core, every Current / Archive / MMSDM file with a landed table);
* a synthetic one-month MMSDM DISPATCH_UNIT_SCADA CSV (~4.5 M rows, 520 DUIDs x 8,640 intervals,
  AEMO C/I/D layout with quoted timestamps and LASTCHANGED), generated into a temp dir.

Timings are the best of 2-3 runs (the machine is shared; single runs vary by 2-5x under load).
Columns of the table: parse-only (mms_csv), parse+land (ingest_files -> parquet + manifest +
ledger), pandas.read_csv of the same bytes (the common approach, then typed like ours), and a bare
pyarrow.csv read of the same bytes (the floor). Peak RSS of chunked processing is measured in a
fresh child process. Targets (issue 2): >= 5x pandas, within 2x of bare pyarrow, < 300 MB RSS.

    uv run --frozen python bench/bench_parse.py [--duids 520] [--days 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

from aemo_wh.config import load_settings  # noqa: E402
from aemo_wh.nemweb.mms_csv import TIMESTAMP_FORMAT, read_file  # noqa: E402
from aemo_wh.nemweb.mms_stream import iter_table_chunks  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "core"
COLUMNS = ["settlementdate", "duid", "scadavalue", "lastchanged"]


def write_month(path: Path, n_duids: int, days: int) -> int:
    """The synthetic monthly SCADA CSV (CRLF, footer with the line count); returns data rows."""
    rng = random.Random(7)
    duids = [f"BENCH{i:04d}" for i in range(n_duids)]
    base = [rng.uniform(-50, 700) for _ in duids]
    start = dt.datetime(2024, 8, 1, 0, 5)
    rows = 0
    with path.open("w", newline="") as fh:
        fh.write(
            "C,SETP.WORLD,DVD_DISPATCH_UNIT_SCADA,AEMO,PUBLIC,2024/09/05,00:10:00,"
            "0000000400000000,,0000000400000000\r\n"
            "I,DISPATCH,UNIT_SCADA,1,SETTLEMENTDATE,DUID,SCADAVALUE,LASTCHANGED\r\n"
        )
        for i in range(days * 288):
            ts = start + dt.timedelta(minutes=5 * i)
            stamp = f'"{ts:%Y/%m/%d %H:%M:%S}"'
            changed = f'"{ts - dt.timedelta(seconds=278):%Y/%m/%d %H:%M:%S}"'
            jitter = rng.random()
            fh.write(
                "".join(
                    f"D,DISPATCH,UNIT_SCADA,1,{stamp},{d},{b * jitter:.5f},{changed}\r\n"
                    for d, b in zip(duids, base, strict=True)
                )
            )
            rows += n_duids
        fh.write(f'C,"END OF REPORT",{rows + 3}\r\n')
    return rows


def timed(fn, repeat: int = 1) -> tuple[float, object]:  # noqa: ANN001
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def pandas_read(data: bytes) -> pd.DataFrame:
    """The common approach: pandas over the whole file, I row as header, then drop C rows and type."""
    df = pd.read_csv(io.BytesIO(data), skiprows=1, header=0, low_memory=False)
    df = df[df["I"] == "D"]
    df = df.iloc[:, 4:]
    df.columns = [c.lower() for c in df.columns]
    for c in ("settlementdate", "lastchanged"):
        if c in df:
            df[c] = pd.to_datetime(df[c], format=TIMESTAMP_FORMAT)
    df["scadavalue"] = df["scadavalue"].astype("float64")
    return df


def bare_pyarrow(data: bytes, typed: bool = False) -> pa.Table:
    """The floor: one pyarrow.csv read of the same bytes (C/I rows skipped). `typed` adds the
    same column types as ours with pyarrow's own strptime timestamp parser."""
    convert = pacsv.ConvertOptions(include_columns=COLUMNS)
    if typed:
        convert = pacsv.ConvertOptions(
            include_columns=COLUMNS,
            column_types={
                "settlementdate": pa.timestamp("us"),
                "lastchanged": pa.timestamp("us"),
                "duid": pa.string(),
            },
            timestamp_parsers=[TIMESTAMP_FORMAT],
        )
    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=["r", "a", "b", "v", *COLUMNS], skip_rows=2),
        parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
        convert_options=convert,
    )


def chunk_parse(path: Path) -> int:
    return sum(t.num_rows for _, t in iter_table_chunks(path))


def land(paths: list[Path], warehouse: Path) -> int:
    from aemo_wh.ingest.run import ingest_files

    settings = load_settings().with_overrides(
        paths={"warehouse": warehouse, "logs": warehouse.parent / "logs"}
    )
    return ingest_files(paths, settings).rows_total


def child_peak_rss(code: str) -> float:
    """Peak RSS (MB) of a fresh Python child running `code` (its own VmHWM; ru_maxrss would
    include the parent's high-water mark, which survives fork + exec on Linux)."""
    code += "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def sample_files() -> list[Path]:
    from aemo_wh.ingest.sources import SOURCES
    from aemo_wh.nemweb.mms_csv import ParsedFile  # noqa: F401 - import cost outside timings

    keys = {spec.aemo for s in SOURCES.values() for spec in s.tables}
    out = []
    for p in sorted(SAMPLES.rglob("*")):
        if p.suffix.lower() in (".zip", ".csv") and {(r, s) for r, s, _ in read_file(p).tables} & keys:
            out.append(p)
    return out


def csv_bytes_of(paths: list[Path]) -> int:
    """Uncompressed CSV bytes of the files (zip members, zips of zips)."""

    def members(data: bytes) -> int:
        if not data.startswith(b"PK"):
            return len(data)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return sum(members(zf.read(i)) for i in zf.infolist())

    return sum(members(p.read_bytes()) for p in paths)


def row(label: str, rows: int, nbytes: int, secs: float) -> str:
    return f"| {label:<44} | {rows:>10,} | {nbytes / 1e6:>8.1f} | {secs:>8.3f} | {rows / secs:>12,.0f} | {nbytes / 1e6 / secs:>7.1f} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--duids", type=int, default=520)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--keep", type=Path, help="keep the temp folder here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-parse-"))
    try:
        header = "| case | rows | MB (CSV) | seconds | rows/s | MB/s |\n|---|---:|---:|---:|---:|---:|"
        lines = [header]

        # -- real samples ----------------------------------------------------------------------
        files = sample_files()
        nbytes = csv_bytes_of(files)
        secs, parsed = timed(lambda: [read_file(p) for p in files], repeat=3)
        nrows = sum(t.num_rows for pf in parsed for t in pf.tables.values())
        lines.append(row(f"samples ({len(files)} files): parse", nrows, nbytes, secs))
        runs = [timed(lambda i=i: land(files, tmp / f"wh-samples-{i}")) for i in range(3)]
        secs, landed = min(runs, key=lambda r: r[0])
        lines.append(row("samples: parse + land (parquet, manifest, ledger)", landed, nbytes, secs))

        # -- synthetic month -------------------------------------------------------------------
        month = tmp / "PUBLIC_DVD_DISPATCH_UNIT_SCADA_202408010000.CSV"
        t0 = time.perf_counter()
        nrows = write_month(month, args.duids, args.days)
        gen = time.perf_counter() - t0
        size = month.stat().st_size
        print(f"synthetic month: {nrows:,} rows, {size / 1e6:.0f} MB, generated in {gen:.1f} s", flush=True)

        secs_chunk, got = timed(lambda: chunk_parse(month), repeat=3)
        assert got == nrows, (got, nrows)
        lines.append(row("month: parse, chunked (iter_table_chunks)", nrows, size, secs_chunk))
        runs = [timed(lambda i=i: land([month], tmp / f"wh-month-{i}")) for i in range(2)]  # fresh warehouses
        secs_land, landed = min(runs, key=lambda r: r[0])
        assert landed == nrows, (landed, nrows)
        lines.append(row("month: parse + land, chunked (ingest_files)", nrows, size, secs_land))

        data = month.read_bytes()
        secs_floor, table = timed(lambda: bare_pyarrow(data), repeat=3)
        assert table.num_rows == nrows
        del table
        lines.append(row("month: bare pyarrow.csv read (floor)", nrows, size, secs_floor))
        secs_typed, table = timed(lambda: bare_pyarrow(data, typed=True), repeat=3)
        del table
        lines.append(row("month: pyarrow.csv read, typed (strptime)", nrows, size, secs_typed))
        secs_whole, pf = timed(lambda: read_file(data, month.name), repeat=2)
        del pf
        lines.append(row("month: parse, whole file in memory (read_file)", nrows, size, secs_whole))
        secs_pd, df = timed(lambda: pandas_read(data), repeat=3)
        assert len(df) == nrows
        del df
        data = b""
        lines.append(row("month: pandas.read_csv + typing (common approach)", nrows, size, secs_pd))

        code = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from aemo_wh.nemweb.mms_stream import iter_table_chunks\n"
            f"n = sum(t.num_rows for _, t in iter_table_chunks({str(month)!r}))\n"
        )
        rss_parse = child_peak_rss(code)
        code_land = (
            "import sys; sys.path.insert(0, {!r})\n"
            "from pathlib import Path\n"
            "from aemo_wh.config import load_settings\n"
            "from aemo_wh.ingest.run import ingest_files\n"
            "s = load_settings().with_overrides(paths={{'warehouse': Path({!r}), 'logs': Path({!r})}})\n"
            "ingest_files([Path({!r})], s)\n"
        ).format(str(ROOT), str(tmp / "wh-rss"), str(tmp / "logs"), str(month))
        rss_land = child_peak_rss(code_land)

        print()
        print("\n".join(lines))
        print()
        print("| comparison (synthetic month) | value | target |\n|---|---:|---|")
        print(f"| parse (chunked) vs pandas | {secs_pd / secs_chunk:.1f}x faster | >= 5x |")
        print(f"| parse + land vs pandas (parse only) | {secs_pd / secs_land:.1f}x faster | >= 5x |")
        print(f"| parse (chunked) vs bare pyarrow | {secs_chunk / secs_floor:.2f}x the floor | <= 2x |")
        print(f"| parse + land vs bare pyarrow | {secs_land / secs_floor:.2f}x the floor | <= 2x |")
        print(f"| peak RSS, chunked parse (child process) | {rss_parse:.0f} MB | < 300 MB |")
        print(f"| peak RSS, chunked parse + land (child process) | {rss_land:.0f} MB | < 300 MB |")
        print(
            f"\n(python {sys.version.split()[0]}, pyarrow {pa.__version__}, pandas {pd.__version__}, {os.cpu_count()} cores)"
        )
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.move(str(tmp), str(args.keep / tmp.name))
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
