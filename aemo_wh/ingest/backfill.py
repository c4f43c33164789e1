"""`aemo-wh backfill --from DATE [--to DATE] [--source ...] [--dry-run]`: load history.

Where history comes from (../shared/docs/nemweb_format.md §1, §4):

* Reports/Archive/<folder>/ keeps roughly the last year as zip-of-zips bundles (daily for the
  dispatch reports, weekly for rooftop PV). A day covered by a bundle is loaded from it.
* Older months come from the MMSDM monthly archive,
  `Data_Archive/Wholesale_Electricity/MMSDM/YYYY/MMSDM_YYYY_MM/MMSDM_Historical_Data_SQLLoader/DATA/`,
  one zip per MMS table (large tables split into FILE01, FILE02 ...), named
  `PUBLIC_DVD_<TABLE>_YYYYMM010000.zip` up to July 2024 and
  `PUBLIC_ARCHIVE#<TABLE>#FILE01#YYYYMM010000.zip` since August 2024. The href is tried as listed,
  then with `%2523` (the HTTP client does this).

How (bounded memory, resumable):

* The plan is built from listings: one per Archive folder, one per MMSDM month (only for months
  that Archive does not fully cover). `--dry-run` prints it with the total size and stops.
* Each file is downloaded to `<warehouse>/_backfill/` (streamed to disk), landed, then deleted.
  Monthly files are parsed in chunks (`mms_stream.iter_table_chunks`) and published chunk by chunk,
  so memory stays bounded whatever the file size.
* A file is skipped when the ledger already has it as `loaded`; the ledger row is written only
  after all its rows are published. An interrupted backfill therefore resumes at the file it
  was on, and the rows that file had already published are merged, not duplicated (the writer
  keeps one row per primary key).
* Progress: a bar (files, MB, rows, ETA) on a terminal, plain log lines otherwise.

`dispatch_interconnection` is derived from whole DispatchIS files (it needs the same file's
INTERCONNECTORRES rows), so a month loaded from MMSDM has none; for those months the dispatch_is
plan includes the month's INTERCONNECTOR file (`market_config_interconnector`), from which
`interconnector_flow` takes the from/to regions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa

from aemo_wh.config import Settings
from aemo_wh.errors import AemoWhError, NemwebFetchError
from aemo_wh.ingest.sources.base import Source
from aemo_wh.log import get_logger
from aemo_wh.nemtime import now_nem
from aemo_wh.warehouse.tables import TableSpec

logger = get_logger(__name__)

MMSDM_ROOT = "Data_Archive/Wholesale_Electricity/MMSDM"
MMSDM_DATA = "MMSDM_Historical_Data_SQLLoader/DATA"
# Warehouse table -> MMS Data Model table (AEMO's "Table to File to Report Relationships" workbook).
MMSDM_TABLES = {
    "unit_scada": "DISPATCH_UNIT_SCADA",
    "dispatch_price": "DISPATCHPRICE",
    "dispatch_regionsum": "DISPATCHREGIONSUM",
    "dispatch_interconnectorres": "DISPATCHINTERCONNECTORRES",
    "dispatch_interconnection": "DISPATCH_INTERCONNECTION",
    "market_config_interconnector": "INTERCONNECTOR",  # one small snapshot per month: from/to regions
    "market_price_thresholds": "MARKET_PRICE_THRESHOLDS",  # a dozen rows: cap, floor, CPT per date
    "rooftop_pv_actual": "ROOFTOP_PV_ACTUAL",
    "trading_price": "TRADINGPRICE",
}
# Both MMSDM namings; the table name is upper case letters, digits and underscores.
_MMSDM_OLD = re.compile(
    r"PUBLIC_DVD_(?P<table>[A-Z0-9_]+?)(?:_FILE(?P<part>\d+))?_(?P<ym>\d{6})010000\.zip", re.I
)
_MMSDM_NEW = re.compile(
    r"PUBLIC_ARCHIVE#(?P<table>[A-Z0-9_]+)#FILE(?P<part>\d+)#(?P<ym>\d{6})010000\.zip", re.I
)
STAGING = "_backfill"  # downloads in progress; not under _staging/, which each writer start purges
CHUNK_BYTES = 2 * 1024**2  # parse working memory grows with the chunk; 2 MB ~ 25k SCADA rows


@dataclass(frozen=True)
class PlannedFile:
    """One file the backfill will download and land."""

    source: str
    kind: str  # "archive" (zip-of-zips bundle) | "mmsdm" (monthly table file)
    name: str
    url: str
    size: int | None
    first_day: dt.date
    end_day: dt.date  # exclusive
    entry: Any = None  # the ListingEntry (for the size check on download)


@dataclass
class Plan:
    files: list[PlannedFile]
    skipped_loaded: list[PlannedFile]
    missing_months: list[tuple[str, str]]  # (source, YYYY-MM) with neither Archive nor MMSDM files

    @property
    def total_bytes(self) -> int:
        return sum(f.size or 0 for f in self.files)


def parse_mmsdm_name(name: str) -> tuple[str, int, str] | None:
    """(MMS table, part number, YYYYMM) of a monthly archive file name in either naming, else None."""
    for rx in (_MMSDM_NEW, _MMSDM_OLD):
        m = rx.fullmatch(name)
        if m:
            return m["table"].upper(), int(m["part"] or 1), m["ym"]
    return None


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month touching [first, last]."""
    out, cur = [], first.replace(day=1)
    while cur <= last:
        out.append(cur)
        cur = (cur + dt.timedelta(days=32)).replace(day=1)
    return out


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def mmsdm_dir(month: dt.date) -> str:
    return f"{MMSDM_ROOT}/{month:%Y}/MMSDM_{month:%Y_%m}/{MMSDM_DATA}/"


def build_plan(
    client: Any,
    sources: list[Source],
    first: dt.date,
    last: dt.date,
    is_done: Callable[[str], bool] | None = None,
) -> Plan:
    """List Archive folders (and MMSDM months Archive does not cover) and pick the files to load.

    `first`..`last` are inclusive NEM dates (of interval starts). `is_done(name)` says the
    ledger already has a file; such files are reported but not planned.
    """
    is_done = is_done or (lambda _name: False)
    wanted: list[PlannedFile] = []
    missing: list[tuple[str, str]] = []
    mmsdm_listings: dict[dt.date, list[Any]] = {}
    for src in sources:
        archive = _archive_files(client, src, first, last)
        covered = set()
        for f in archive:
            covered.update(_days(f.first_day, f.end_day))
        need_months = [
            m
            for m in months(first, last)
            if any(
                d not in covered
                for d in _days(max(m, first), min(_month_end(m), last + dt.timedelta(days=1)))
            )
        ]
        monthly_from: set[dt.date] = set()
        for month in need_months:
            if month not in mmsdm_listings:
                mmsdm_listings[month] = _list_or_empty(client, mmsdm_dir(month))
            got = _mmsdm_files(src, month, mmsdm_listings[month])
            wanted.extend(got)
            # A reference snapshot (INTERCONNECTOR) brings no intervals: alone it does not cover the month.
            if any(not _is_reference(src, f.name) for f in got):
                monthly_from.add(month)
            else:
                missing.append((src.name, f"{month:%Y-%m}"))
        # Archive bundles only where the monthly file does not already bring the same days.
        for f in archive:
            if any(d.replace(day=1) not in monthly_from for d in _days(f.first_day, f.end_day)):
                wanted.append(f)
    done_names = {f.name for f in wanted if is_done(f.name)}
    todo = [f for f in wanted if f.name not in done_names]
    done = [f for f in wanted if f.name in done_names]
    todo.sort(key=lambda f: (f.first_day, f.source, f.name))
    return Plan(todo, done, missing)


def _days(first: dt.date, end: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((end - first).days)]


def _list_or_empty(client: Any, rel_dir: str) -> list[Any]:
    from aemo_wh.nemweb.client import FileGone

    try:
        return client.list_folder(rel_dir)
    except FileGone:
        logger.info("backfill: %s not found", rel_dir)
        return []


def _archive_files(client: Any, src: Source, first: dt.date, last: dt.date) -> list[PlannedFile]:
    if not src.archive_dir or not src.archive_pattern:
        return []
    out = []
    for entry in _list_or_empty(client, src.archive_dir):
        if entry.is_dir:
            continue
        span = src.archive_span(entry.name)
        if span is None:
            continue
        _kind, start, end = span
        # A bundle dated D starts with the interval ending just after midnight, or (rooftop) with
        # the one ending at 23:30 the day before: allow one day of slack on each side.
        if end < first or start > last + dt.timedelta(days=1):
            continue
        out.append(PlannedFile(src.name, "archive", entry.name, entry.url, entry.size, start, end, entry))
    return out


def _is_reference(src: Source, name: str) -> bool:
    """True when a monthly file holds one of `src`'s reference tables (no time column)."""
    parsed = parse_mmsdm_name(name)
    refs = {MMSDM_TABLES[t.name] for t in src.tables if t.time_column is None and t.name in MMSDM_TABLES}
    return parsed is not None and parsed[0] in refs


def _mmsdm_files(src: Source, month: dt.date, entries: Iterable[Any]) -> list[PlannedFile]:
    # A table built by a whole-file transform (dispatch_interconnection needs the same file's
    # INTERCONNECTORRES rows) cannot come from a one-table monthly file: not planned.
    tables = {
        MMSDM_TABLES[t.name] for t in src.tables if t.name in MMSDM_TABLES and t.name not in src.transforms
    }
    ym = f"{month:%Y%m}"
    out = []
    for entry in entries:
        if entry.is_dir:
            continue
        parsed = parse_mmsdm_name(entry.name)
        if parsed is None:
            continue
        table, _part, file_ym = parsed
        if table in tables and file_ym == ym:
            out.append(
                PlannedFile(
                    src.name, "mmsdm", entry.name, entry.url, entry.size, month, _month_end(month), entry
                )
            )
    return out


# -- progress ---------------------------------------------------------------------------------


class Progress:
    """Files, MB, rows and ETA: a redrawn bar on a terminal, one log line per file otherwise."""

    def __init__(self, total_files: int, total_bytes: int, stream: TextIO | None = None) -> None:
        self.total_files = total_files
        self.total_bytes = max(total_bytes, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.files = 0
        self.bytes = 0
        self.rows = 0
        self.started = time.monotonic()

    def eta(self) -> str:
        elapsed = time.monotonic() - self.started
        if self.bytes <= 0 or elapsed <= 0:
            return "--:--"
        left = elapsed * (self.total_bytes - self.bytes) / self.bytes
        return str(dt.timedelta(seconds=int(max(left, 0))))

    def line(self) -> str:
        return (
            f"{self.files}/{self.total_files} files  {self.bytes / 1e6:,.1f}/{self.total_bytes / 1e6:,.1f} MB  "
            f"{self.rows:,} rows  ETA {self.eta()}"
        )

    def rows_added(self, n: int) -> None:
        self.rows += n
        if self.tty:
            self._draw()

    def file_done(self, f: PlannedFile, rows: int, note: str = "") -> None:
        self.files += 1
        self.bytes += f.size or 0
        if self.tty:
            self._draw()
        else:
            logger.info("backfill: %s %s (%s rows) — %s", note or "landed", f.name, f"{rows:,}", self.line())

    def close(self) -> None:
        if self.tty:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        width = 28
        done = int(width * min(self.bytes / self.total_bytes, 1.0))
        self.stream.write(f"\r[{'#' * done}{'.' * (width - done)}] {self.line()}   ")
        self.stream.flush()


# -- running ------------------------------------------------------------------------------------


@dataclass
class BackfillResult:
    plan: Plan
    landed: list[str]
    rows: dict[str, int]
    failed: list[tuple[str, str]]

    @property
    def rows_total(self) -> int:
        return sum(self.rows.values())


def _warehouse(settings: Settings) -> Any:
    from aemo_wh.warehouse import Warehouse

    return Warehouse(settings.warehouse_dir, grace_hours=settings.warehouse.grace_hours)


def _ledger_done(wh: Any) -> Callable[[str], bool]:
    def is_done(name: str) -> bool:
        row = wh.ledger.lookup(name)
        status = row.get("status") if isinstance(row, dict) else getattr(row, "status", None)
        return status in ("loaded", "quarantined")

    return is_done


def run_backfill(
    settings: Settings,
    first: dt.date,
    last: dt.date,
    source_names: list[str] | None = None,
    dry_run: bool = False,
    stream: TextIO | None = None,
    lock_wait_s: float = 600.0,
) -> BackfillResult:
    """Plan, then download and land every planned file (or only print the plan with `dry_run`)."""
    from aemo_wh.ingest.run import select_sources
    from aemo_wh.nemweb.client import NemwebClient

    if last < first:
        raise AemoWhError(f"--to {last} is before --from {first}")
    sources = select_sources(source_names)
    wh = _warehouse(settings)
    with NemwebClient(settings.nemweb, root=settings.root) as client:
        plan = build_plan(client, sources, first, last, is_done=_ledger_done(wh))
        for src, month in plan.missing_months:
            logger.warning("backfill: no Archive or MMSDM files found for %s in %s", src, month)
        if dry_run:
            return BackfillResult(plan, [], {}, [])
        logger.info(
            "backfill %s..%s: %d files, %.1f MB to fetch; %d already loaded",
            first, last, len(plan.files), plan.total_bytes / 1e6, len(plan.skipped_loaded),
        )  # fmt: skip
        staging = settings.warehouse_dir / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        progress = Progress(len(plan.files), plan.total_bytes, stream)
        result = BackfillResult(plan, [], {}, [])
        try:
            for f in plan.files:
                _one_file(settings, wh, client, f, staging, progress, result, lock_wait_s)
        finally:
            progress.close()
            _rmdir_quietly(staging)
    logger.info(
        "backfill done: %d files landed, %s rows, %d failed",
        len(result.landed), f"{result.rows_total:,}", len(result.failed),
    )  # fmt: skip
    return result


def _rmdir_quietly(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _one_file(
    settings: Settings,
    wh: Any,
    client: Any,
    f: PlannedFile,
    staging: Path,
    progress: Progress,
    result: BackfillResult,
    lock_wait_s: float,
) -> None:
    dest = staging / f.name
    try:
        client.download(f.entry if f.entry is not None else f.url, dest)
    except NemwebFetchError as exc:
        logger.error("backfill: download of %s failed: %s (run backfill again to retry)", f.name, exc.msg)
        result.failed.append((f.name, exc.msg))
        progress.file_done(f, 0, note="FAILED")
        return
    try:
        rows = _with_lock_retry(lambda: _land(settings, wh, f, dest, progress), lock_wait_s)
    finally:
        dest.unlink(missing_ok=True)
    if rows is None:
        result.failed.append((f.name, "quarantined"))
        progress.file_done(f, 0, note="quarantined")
        return
    result.landed.append(f.name)
    for table, n in rows.items():
        result.rows[table] = result.rows.get(table, 0) + n
    progress.file_done(f, sum(rows.values()))


def _with_lock_retry(fn: Callable[[], Any], wait_s: float) -> Any:
    """Run `fn`; while another writer (a scheduled ingest) holds the lock, wait and try again."""
    from aemo_wh.warehouse import WarehouseBusy

    deadline = time.monotonic() + wait_s
    while True:
        try:
            return fn()
        except WarehouseBusy:
            if time.monotonic() >= deadline:
                raise AemoWhError(
                    "the warehouse stayed locked by another writer", hint="stop `aemo-wh run` or try later"
                ) from None
            logger.info("backfill: warehouse busy (another writer); waiting")
            time.sleep(2.0)


def _land(
    settings: Settings, wh: Any, f: PlannedFile, path: Path, progress: Progress
) -> dict[str, int] | None:
    """Land one downloaded file; rows per table, or None when it was quarantined."""
    if f.kind == "archive":
        from aemo_wh.ingest.run import ingest_files

        report = ingest_files([path], settings)
        if report.busy:
            from aemo_wh.warehouse import WarehouseBusy

            raise WarehouseBusy("busy")
        if report.quarantined:
            return None
        progress.rows_added(report.rows_total)
        return dict(report.rows)
    return _land_monthly(settings, wh, f, path, progress)


def _land_monthly(
    settings: Settings, wh: Any, f: PlannedFile, path: Path, progress: Progress
) -> dict[str, int] | None:
    """Stream a monthly MMSDM file into the writer; the ledger row is written only at the end.

    Chunks are parsed `CHUNK_BYTES` at a time and published a partition day at a time: rows of a
    day are held until a chunk reaches a later day (AEMO's monthly files are time-ordered), so each
    day is written once, without merge rewrites, and memory stays at about one day plus one chunk.
    """
    from aemo_wh.errors import BadSourceFile
    from aemo_wh.ingest.run import max_uncompressed, parse_types, publisher_of, sha256_of, with_source_file
    from aemo_wh.ingest.sources import SOURCES
    from aemo_wh.ingest.staging import staged_chunks
    from aemo_wh.nemweb.mms_csv import concat_by_name
    from aemo_wh.nemweb.mms_stream import iter_table_chunks

    src = SOURCES[f.source]
    specs = {spec.aemo: spec for spec in src.tables}
    rows: dict[str, int] = {}
    held: dict[str, tuple[TableSpec, pa.Table]] = {}
    size, sha = path.stat().st_size, sha256_of(path)
    pool = pa.default_memory_pool()

    def publish(writer: Any, spec: TableSpec, table: pa.Table) -> None:
        for name, n in writer.publish_batch([(spec, table)], source_file=f.name).items():
            rows[name] = rows.get(name, 0) + n
            progress.rows_added(n)

    with wh.writer() as writer, staged_chunks(writer.root) as staged:
        try:
            for key, chunk in iter_table_chunks(path, chunk_bytes=CHUNK_BYTES, name=f.name, types=parse_types(),
                                                max_uncompressed=max_uncompressed(settings)):  # fmt: skip
                spec = specs.get((key[0], key[1]))
                if spec is None or chunk.num_rows == 0:
                    continue
                if spec.name in src.transforms:
                    logger.warning("backfill: %s: %s needs whole-file context; skipped", f.name, spec.name)
                    continue
                chunk = with_source_file(chunk, f.name)
                table = concat_by_name([held[spec.name][1], chunk]) if spec.name in held else chunk
                if spec.time_column is None:  # a reference snapshot: small, published whole at the end
                    held[spec.name] = (spec, table)
                    continue
                ready, rest = _split_finished_days(table, spec)
                held[spec.name] = (spec, rest)
                if ready.num_rows:  # staged: published only once the whole file has parsed
                    staged.add(spec, writer.validate(spec, ready))
                del chunk, table, ready
                # Arrow's allocator keeps freed chunk buffers; without this a month peaked ~100 MB higher.
                pool.release_unused()
            for spec, rest in held.values():
                if rest.num_rows:
                    staged.add(spec, writer.validate(spec, rest))
            staged.publish(lambda spec, table: publish(writer, spec, table))
        except BadSourceFile as exc:
            writer.quarantine(
                path, name=f.name, reason=exc.msg, source=src.name, url=f.url, size=size, sha256=sha
            )
            return None
        writer.record_loaded(
            name=f.name, source=src.name, url=f.url, size=size, sha256=sha,
            publisher=publisher_of(path), rows=rows,
        )  # fmt: skip
    return rows


def _split_finished_days(table: pa.Table, spec: TableSpec) -> tuple[pa.Table, pa.Table]:
    """(rows of partition days before the newest day in `table`, rows of the newest day)."""
    import pyarrow.compute as pc

    from aemo_wh.warehouse.merge import partition_dates

    dates = partition_dates(table, spec)
    before = pc.less(dates, pc.max(dates))
    return table.filter(before), table.filter(pc.invert(before))


# -- CLI ------------------------------------------------------------------------------------------


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def print_plan(plan: Plan, out: TextIO) -> None:
    out.write(f"{'source':<16}{'kind':<9}{'covers':<25}{'MB':>9}  file\n")
    for f in plan.files:
        mb = "?" if f.size is None else f"{f.size / 1e6:.1f}"
        span = f"{f.first_day} .. {f.end_day - dt.timedelta(days=1)}"
        out.write(f"{f.source:<16}{f.kind:<9}{span:<25}{mb:>9}  {f.name}\n")
    unknown = sum(1 for f in plan.files if f.size is None)
    out.write(
        f"{len(plan.files)} files to download, {plan.total_bytes / 1e6:,.1f} MB"
        + (f" (+{unknown} of unknown size)" if unknown else "")
        + f"; {len(plan.skipped_loaded)} already loaded\n"
    )
    for src, month in plan.missing_months:
        out.write(f"warning: nothing found for {src} in {month}\n")


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    last = args.to or (now_nem().date() - dt.timedelta(days=1))
    result = run_backfill(settings, args.from_, last, args.source, dry_run=args.dry_run)
    if args.dry_run:
        print_plan(result.plan, sys.stdout)
        return 0
    print(
        f"backfill {args.from_}..{last}: {len(result.landed)} files landed, {result.rows_total:,} rows; "
        f"{len(result.plan.skipped_loaded)} already loaded; {len(result.failed)} failed"
    )
    return 1 if result.failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "backfill",
        help="load history from Reports/Archive bundles and MMSDM monthly files (resumable)",
        description="Load history: Reports/Archive bundles for about the last year, MMSDM monthly files before."
        " Resumable: files already in the ledger are skipped.",
    )
    p.add_argument(
        "--from", dest="from_", type=_date, required=True, metavar="DATE", help="first NEM date, YYYY-MM-DD"
    )
    p.add_argument("--to", type=_date, metavar="DATE", help="last NEM date (inclusive; default yesterday)")
    p.add_argument("--source", action="append", help="only these sources (repeatable; default all)")
    p.add_argument("--dry-run", action="store_true", help="list the files and total size; download nothing")
    p.set_defaults(func=cmd_backfill)
