"""One ingest pass: list each source folder, download what is not loaded yet, parse, publish.

Rules (issue 2): one listing request per folder per run; a file already in the ledger is
skipped (by name; an identical sha256 under another name is recorded and not re-published); a
bad file (truncated zip, HTML instead of a zip, unparseable rows, empty body) is moved to
`_quarantine/` with one log line naming the file and the reason, and every other file still
lands; a 404 or failed download is not recorded, so the next run tries again; a file is marked
`loaded` only after its parquet is published. Another writer holding the lock = "busy", exit 0.

Files are landed in batches (`_Pass.flush`): each is parsed and validated alone, then a batch is
published with one `publish_batch` per table and recorded in one ledger transaction.
"""

from __future__ import annotations

import array
import functools
import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from aemo_wh.config import Settings
from aemo_wh.errors import BadSourceFile, ConfigError, NemwebFetchError
from aemo_wh.ingest.sources import SOURCES, Source, source_for
from aemo_wh.ingest.staging import staged_chunks
from aemo_wh.log import get_logger
from aemo_wh.nemweb.client import FileGone, NemwebClient
from aemo_wh.nemweb.listing import ListingEntry
from aemo_wh.nemweb.mms_csv import ParsedFile, TableKey, read_file
from aemo_wh.nemweb.mms_stream import iter_table_chunks, verify_footer
from aemo_wh.warehouse.tables import TableSpec

logger = get_logger(__name__)

LARGE_FILE_BYTES = 32 * 1024**2  # single-CSV files above this (uncompressed) are streamed: parsed whole, 40 MB peaks at ~300 MB RSS
CHUNK_BYTES = 8 * 1024**2  # bounds peak RSS of a monthly file (< 300 MB, see bench_parse.py)
# Files parsed so far are published together: one publish_batch (one manifest rewrite, one parquet
# file per table per date) and one ledger transaction per batch instead of per file.
STREAM_PUBLISH_ROWS = 150_000  # a streamed file is staged, then published, this many rows at a time (peak RSS < 300 MB)
BATCH_FILES = 288  # a day of 5-minute files
BATCH_ROWS = 500_000  # parsed rows held before publishing (bounds memory)
_BAD_FILE_ERRORS = (BadSourceFile, pa.ArrowInvalid, pa.ArrowTypeError, KeyError, ValueError)


@dataclass
class _Parsed:
    """A parsed, validated source file waiting for its batch to be published."""

    path: Path
    keep: bool  # the caller's file (a local path): never moved or deleted
    name: str
    url: str
    size: int
    sha256: str
    source: str
    publisher: str
    items: list[tuple[TableSpec, pa.Table]]

    @property
    def rows(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for spec, t in self.items:
            out[spec.name] = out.get(spec.name, 0) + t.num_rows
        return out


@dataclass
class IngestReport:
    """What one pass did. `rows` is per warehouse table."""

    loaded: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    duplicates: list[str] = field(default_factory=list)  # same bytes already loaded under another name
    skipped: int = 0  # already in the ledger
    not_landed: list[tuple[str, str]] = field(default_factory=list)  # (name, its report types): no table we land
    retry_later: list[tuple[str, str]] = field(default_factory=list)  # 404 / failed download
    errors: list[str] = field(default_factory=list)  # listing failures
    busy: bool = False
    compacted: dict = field(default_factory=dict)  # what compaction of closed days did (if asked)

    @property
    def files_loaded(self) -> int:
        return len(self.loaded)

    @property
    def rows_total(self) -> int:
        return sum(self.rows.values())

    def add_rows(self, rows: dict[str, int]) -> None:
        for table, n in rows.items():
            self.rows[table] = self.rows.get(table, 0) + int(n)

    def summary(self) -> str:
        if self.busy:
            return "busy: another writer holds the warehouse lock; nothing done"
        parts = [f"{self.files_loaded} file(s) loaded, {self.rows_total} row(s)"]
        if self.rows:
            parts.append(", ".join(f"{t}={n}" for t, n in sorted(self.rows.items())))
        parts.append(f"{self.skipped} already loaded")
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicate(s)")
        if self.not_landed:
            parts.append(f"{len(self.not_landed)} of a report type not landed (recorded 'skipped')")
        if self.quarantined:
            parts.append(f"{len(self.quarantined)} quarantined")
        if self.retry_later:
            parts.append(f"{len(self.retry_later)} to retry next run")
        if self.errors:
            parts.append(f"{len(self.errors)} listing error(s)")
        return "; ".join(parts)


def select_sources(names: Iterable[str] | None) -> list[Source]:
    if not names:
        return list(SOURCES.values())
    out = []
    for n in names:
        if n not in SOURCES:
            raise ConfigError(f"unknown source {n!r}", hint=f"Known sources: {', '.join(SOURCES)}")
        out.append(SOURCES[n])
    return out


def _open_warehouse(settings: Settings) -> Any:
    from aemo_wh.warehouse import Warehouse

    return Warehouse(settings.warehouse_dir, grace_hours=settings.warehouse.grace_hours)


def run_ingest(
    settings: Settings,
    sources: Iterable[str] | None = None,
    include_archive: bool = False,
    compact_closed: bool = False,
) -> IngestReport:
    """List, download and land every file not loaded yet, for the chosen sources (default all).

    `compact_closed` (the cron path, `aemo-wh ingest`): afterwards, under the same writer lock,
    compact closed days and months that still have small files. Deciding costs only manifest
    reads; a failure is logged and never fails the ingest (compaction is crash-safe and retried
    by the next pass).
    """
    from aemo_wh.warehouse import WarehouseBusy

    chosen = select_sources(sources)
    report = IngestReport()
    wh = _open_warehouse(settings)
    try:
        with wh.writer() as writer, NemwebClient(settings.nemweb, root=settings.root) as client:
            pass_ = _Pass(settings, wh, writer, report)
            pass_.dl_dir.mkdir(parents=True, exist_ok=True)
            try:
                for src in chosen:
                    pass_.run_source(client, src, include_archive)
            finally:
                shutil.rmtree(pass_.dl_dir, ignore_errors=True)
            if compact_closed:
                report.compacted = _compact_quietly(writer)
    except WarehouseBusy:
        report.busy = True
        logger.info("busy: another writer holds the warehouse lock; this ingest run does nothing")
        return report
    logger.info("ingest: %s", report.summary())
    return report


def ingest_files(paths: Iterable[Path | str], settings: Settings) -> IngestReport:
    """Land local files (tests, backfill, `aemo-wh ingest PATH...`); they are read in place, never moved.

    The source is found from the file name, else from the tables inside (MMSDM monthly files).
    Files already loaded (by name) are skipped; bad files are quarantined (a copy).
    """
    report = IngestReport()
    wh = _open_warehouse(settings)
    with wh.writer() as writer:
        pass_ = _Pass(settings, wh, writer, report)
        pass_.dl_dir.mkdir(parents=True, exist_ok=True)
        try:
            for p in paths:
                path = Path(p)
                if pass_.already_loaded(path.name):
                    continue
                pass_.land(
                    path, name=path.name, url=str(path.resolve()), src=source_for(path.name), keep=True
                )
            pass_.flush()
        finally:
            shutil.rmtree(pass_.dl_dir, ignore_errors=True)
    logger.info("ingest files: %s", report.summary())
    return report


def _compact_quietly(writer: Any) -> dict:
    try:
        from aemo_wh.warehouse.compaction import compact

        done = compact(writer)
    except Exception as exc:  # noqa: BLE001 - never fail an ingest that landed its files
        logger.error("compaction after ingest failed (the next pass retries): %s: %s", type(exc).__name__, exc)
        return {}
    if done.get("days") or done.get("months"):
        logger.info("compacted %s day(s), %s month(s) after ingest", done.get("days"), done.get("months"))
    return done


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _spec_index() -> dict[tuple[str, str], tuple[Source, TableSpec]]:
    return {spec.aemo: (src, spec) for src in SOURCES.values() for spec in src.tables}


@functools.cache
def parse_types() -> dict[tuple[str, str], dict]:
    """(report, sub-type) -> column types, for every table a source lands: the reader parses those
    tables with the warehouse contract's types (no inference) and skips every other table."""
    return {spec.aemo: spec.parse_types for src in SOURCES.values() for spec in src.tables}


def max_uncompressed(settings: Settings) -> int:
    return int(settings.nemweb.max_uncompressed_mb * 1024**2)


class _Pass:
    """State of one run: the writer, the ledger, the report and the download budget."""

    def __init__(self, settings: Settings, wh: Any, writer: Any, report: IngestReport) -> None:
        self.settings = settings
        self.wh = wh
        self.writer = writer
        self.report = report
        self.dl_dir = settings.warehouse_dir / "_staging" / f"download-{os.getpid()}"
        cap = settings.nemweb.max_files_per_run
        self.budget = cap if cap > 0 else None
        self.pending: list[_Parsed] = []
        self.pending_rows = 0

    # -- listing --------------------------------------------------------------------------------

    def already_loaded(self, name: str) -> bool:
        if any(p.name == name for p in self.pending):
            self.report.skipped += 1
            return True
        row = self.wh.ledger.lookup(name)
        if row is not None and _status(row) in ("loaded", "quarantined", "skipped"):
            self.report.skipped += 1
            return True
        return False

    def run_source(self, client: NemwebClient, src: Source, include_archive: bool) -> None:
        todo = self._list(client, src.current_dir, src, lambda n: bool(src.file_rx.fullmatch(n)))
        if include_archive and src.archive_dir and src.archive_rx is not None:
            arx = src.archive_rx
            bundles = self._list(
                client, src.archive_dir, src, lambda n: bool(arx.fullmatch(n)), optional=True
            )
            todo += self._uncovered_bundles(src, bundles)
        for entry in todo:
            if self.budget is not None and self.budget <= 0:
                logger.info("%s: max_files_per_run reached; the rest waits for the next run", src.name)
                break
            if self.already_loaded(entry.name):
                continue
            self._fetch_and_land(client, src, entry)
        self.flush()  # on an exception the queued files stay unrecorded: the next run lands them

    def _list(
        self, client: NemwebClient, folder: str, src: Source, keep: Any, optional: bool = False
    ) -> list[ListingEntry]:
        try:
            entries = client.list_folder(folder)
        except FileGone as exc:
            if not optional:
                msg = f"{src.name}: cannot list {folder}: {exc.msg}"
                logger.error("%s", msg)
                self.report.errors.append(msg)
            else:
                logger.warning("%s: no archive folder %s (%s)", src.name, folder, exc.msg)
            return []
        except NemwebFetchError as exc:
            msg = f"{src.name}: cannot list {folder}: {exc.msg}"
            logger.error("%s", msg)
            self.report.errors.append(msg)
            return []
        if not entries:
            logger.warning("%s: the listing of %s is empty (or not a directory page)", src.name, folder)
        return sorted((e for e in entries if not e.is_dir and keep(e.name)), key=lambda e: e.name)

    def _uncovered_bundles(self, src: Source, bundles: list[ListingEntry]) -> list[ListingEntry]:
        """Archive bundles whose days are not already complete from Current files in the ledger."""
        if not bundles:
            return []
        per_day: dict[tuple[str, Any], int] = {}
        for name in _ledger_names(self.wh, src.name):
            got = src.interval_of(name)
            if got is not None:
                kind, ts = got
                per_day[(kind, ts.date())] = per_day.get((kind, ts.date()), 0) + 1
        out = []
        for b in bundles:
            span = src.archive_span(b.name)
            if span is None:
                continue
            kind, first, end = span
            days = (end - first).days
            have = sum(per_day.get((kind, first.fromordinal(first.toordinal() + i)), 0) for i in range(days))
            if have >= src.files_per_day * days:
                logger.debug("%s: %s covered by Current files already loaded", src.name, b.name)
                continue
            out.append(b)
        return out

    # -- fetch and land ---------------------------------------------------------------------------

    def _fetch_and_land(self, client: NemwebClient, src: Source, entry: ListingEntry) -> None:
        dest = self.dl_dir / entry.name
        if self.budget is not None:
            self.budget -= 1
        try:
            client.download(entry, dest)
        except NemwebFetchError as exc:
            if isinstance(exc, FileGone):
                logger.warning("%s: not found (404); will retry next run (%s)", entry.name, exc.msg)
            else:
                logger.error("%s: download failed; will retry next run: %s", entry.name, exc.msg)
            self.writer.record_error(name=entry.name, source=src.name, url=entry.url, error=exc.msg)
            self.report.retry_later.append((entry.name, exc.msg))
            return
        self.land(dest, name=entry.name, url=entry.url, src=src)  # owns `dest` from here

    def land(self, path: Path, name: str, url: str, src: Source | None, keep: bool = False) -> None:
        """Parse and validate one local file and queue it for the next batch publish, or quarantine it.

        Large single-table files are streamed and published at once (after the queued batch).
        The ledger records a file `loaded` only after its batch is published (`flush`).
        `keep`: the file is the caller's (a local path); quarantine a copy and leave it in place;
        otherwise the file (a download) is moved to quarantine or deleted once handled.
        """
        size = path.stat().st_size
        sha = sha256_of(path)
        if any(p.sha256 == sha for p in self.pending):
            self.flush()  # the same bytes are queued under another name: publish them first
        dup = self.wh.ledger.find_sha256(sha)
        if dup is not None and _field(dup, "name") != name and _status(dup) == "loaded":
            self.writer.record_loaded(
                name=name, source=src.name if src else _field(dup, "source"), url=url, size=size,
                sha256=sha, publisher=_field(dup, "publisher") or "", rows={},
            )  # fmt: skip
            logger.info("%s: identical to %s (already loaded); nothing to publish", name, _field(dup, "name"))
            self.report.duplicates.append(name)
            _discard(path, keep)
            return
        source_name = src.name if src else "unknown"
        try:
            if _should_stream(path):
                self.flush()
                rows, publisher, source_name = self._land_streaming(path, name, src)
                self.writer.record_loaded(
                    name=name, source=source_name, url=url, size=size, sha256=sha, publisher=publisher,
                    rows=rows,
                )  # fmt: skip
                self._landed(name, rows)
                _discard(path, keep)
                return
            parsed = read_file(path, name, types=parse_types(), max_uncompressed=max_uncompressed(self.settings))
            src = src or _source_by_tables(parsed)
            if src is None:
                kinds = ", ".join(sorted({f"{r},{s}" for r, s, _v in parsed.seen})) or "no table"
                reason = f"holds no table this project lands ({kinds})"
                logger.warning("%s: %s; recorded as skipped", name, reason)
                self.writer.record_skipped(name=name, url=url, size=size, sha256=sha, reason=reason)
                self.report.not_landed.append((name, reason))
                _discard(path, keep)
                return
            source_name = src.name
            items = [
                (spec, self.writer.validate(spec, with_source_file(t, name)))
                for spec, t in src.extract(parsed)
            ]
        except _BAD_FILE_ERRORS as exc:
            self._quarantine(path, keep, name, url, size, sha, source_name, exc)
            return
        p = _Parsed(path, keep, name, url, size, sha, source_name, parsed.header.publisher, items)
        self.pending.append(p)
        self.pending_rows += sum(p.rows.values())
        if len(self.pending) >= BATCH_FILES or self.pending_rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Publish the queued files: one `publish_batch` for all of them, then one ledger transaction.

        If the batch cannot be published together (e.g. one file's columns clash with another's),
        each file is published alone and only the bad one is quarantined. A crash between the
        publish and the ledger is harmless: the next run publishes the files again and the
        primary-key merge keeps one row per key.
        """
        batch, self.pending, self.pending_rows = self.pending, [], 0
        if not batch:
            return
        try:
            self._publish_together(batch)
            done = batch
        except _BAD_FILE_ERRORS as exc:
            if len(batch) == 1:
                p = batch[0]
                self._quarantine(p.path, p.keep, p.name, p.url, p.size, p.sha256, p.source, exc)
                return
            logger.warning("a batch of %d files failed to publish together (%s); publishing them one by one",
                           len(batch), exc)  # fmt: skip
            done = []
            for p in batch:
                try:
                    self._publish_together([p])
                except _BAD_FILE_ERRORS as exc1:
                    self._quarantine(p.path, p.keep, p.name, p.url, p.size, p.sha256, p.source, exc1)
                    continue
                done.append(p)
        self.writer.record_loaded_many([
            dict(name=p.name, source=p.source, url=p.url, size=p.size, sha256=p.sha256,
                 publisher=p.publisher, rows=p.rows)
            for p in done
        ])  # fmt: skip
        for p in done:
            self._landed(p.name, p.rows)
            _discard(p.path, p.keep)

    def _publish_together(self, batch: list[_Parsed]) -> None:
        from aemo_wh.warehouse.layout import safe_stem
        from aemo_wh.warehouse.merge import unify  # columns matched by name (AEMO adds columns)

        by_table: dict[str, tuple[TableSpec, list[pa.Table]]] = {}
        for p in batch:
            for spec, t in p.items:
                by_table.setdefault(spec.name, (spec, []))[1].append(t)
        items = [(spec, unify(tables)) for spec, tables in by_table.values()]
        first = batch[0].name
        label = first if len(batch) == 1 else f"{safe_stem(first)}-and-{len(batch) - 1}-more"
        if items:
            self.writer.publish_batch(items, source_file=label)

    def _landed(self, name: str, rows: dict[str, int]) -> None:
        self.report.loaded.append(name)
        self.report.add_rows(rows)
        logger.info("landed %s: %s", name, ", ".join(f"{t}={n}" for t, n in rows.items()) or "no rows")

    def _quarantine(
        self, path: Path, keep: bool, name: str, url: str, size: int, sha: str, source: str, exc: Exception
    ) -> None:
        reason = exc.msg if isinstance(exc, BadSourceFile) else f"{type(exc).__name__}: {exc}"
        # the writer logs the one line "quarantined <file>: <reason>"
        if keep:
            copy = self.dl_dir / name
            shutil.copyfile(path, copy)
            path = copy
        self.writer.quarantine(path, name=name, reason=reason, source=source, url=url, size=size, sha256=sha)
        self.report.quarantined.append((name, reason))

    def _land_streaming(self, path: Path, name: str, src: Source | None) -> tuple[dict[str, int], str, str]:
        """Land a large single-table file chunk by chunk (bounded memory), all or nothing.

        The chunks are parsed and conformed into staging first (ingest/staging.py) and published only
        once the whole file has parsed, so a bad value in its last row lands none of it."""
        from aemo_wh.nemweb.mms_csv import concat_by_name

        cap = max_uncompressed(self.settings)
        verify_footer(path, name, cap)  # a truncated monthly file is rejected before it is parsed
        index = _spec_index()
        rows: dict[str, int] = {}
        source_name = src.name if src else "unknown"
        held: list[tuple[TableSpec, pa.Table]] = []  # parsed chunks not yet staged
        pool = pa.default_memory_pool()
        with staged_chunks(self.writer.root) as staged:

            def stage_held() -> None:
                by_spec: dict[str, tuple[TableSpec, list[pa.Table]]] = {}
                for spec, t in held:
                    by_spec.setdefault(spec.name, (spec, []))[1].append(t)
                held.clear()
                for spec, ts in by_spec.values():
                    staged.add(spec, self.writer.validate(spec, with_source_file(concat_by_name(ts), name)))
                # hand freed chunk memory back to the OS between chunks: ~300 -> ~275 MB peak RSS
                pool.release_unused()

            def publish(spec: TableSpec, table: pa.Table) -> None:
                for t, n in self.writer.publish_batch([(spec, table)], source_file=name).items():
                    rows[t] = rows.get(t, 0) + n
                pool.release_unused()

            for key, chunk in iter_table_chunks(path, chunk_bytes=CHUNK_BYTES, name=name, types=parse_types(),
                                                max_uncompressed=cap):  # fmt: skip
                hit = _spec_for(index, key, src)
                if hit is None:
                    continue
                owner, spec = hit
                if spec.name in owner.transforms:
                    logger.warning(
                        "%s: table %s needs the whole file; not landed when streaming", name, spec.name
                    )
                    continue
                source_name = owner.name
                held.append((spec, chunk))
                if sum(t.num_rows for _s, t in held) >= STREAM_PUBLISH_ROWS:
                    stage_held()
            if held:
                stage_held()
            staged.publish(publish)  # the whole file parsed: now it lands
        return rows, publisher_of(path), source_name


def _discard(path: Path, keep: bool) -> None:
    """Delete a handled download (never the caller's own file)."""
    if not keep:
        path.unlink(missing_ok=True)


def _spec_for(
    index: dict[tuple[str, str], tuple[Source, TableSpec]], key: TableKey, src: Source | None
) -> tuple[Source, TableSpec] | None:
    hit = index.get((key[0], key[1]))
    if hit is None or (src is not None and hit[0] is not src):
        return None
    return hit


def _source_by_tables(parsed: ParsedFile) -> Source | None:
    keys = {(r, s) for r, s, _v in parsed.tables}
    return next((src for src in SOURCES.values() if any(spec.aemo in keys for spec in src.tables)), None)


def _should_stream(path: Path) -> bool:
    """A CSV, or a zip holding exactly one CSV, whose uncompressed size exceeds LARGE_FILE_BYTES."""
    import zipfile

    with path.open("rb") as fh:
        is_zip = fh.read(4).startswith(b"PK")
    if not is_zip:
        return path.stat().st_size > LARGE_FILE_BYTES
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        return False  # read_file reports the precise reason
    return (
        len(infos) == 1
        and infos[0].filename.lower().endswith(".csv")
        and infos[0].file_size > LARGE_FILE_BYTES
    )


def publisher_of(path: Path) -> str:
    """The 4th field of the first C row (streaming path: read just the head)."""
    import zipfile

    head = b""
    with path.open("rb") as fh:
        start = fh.read(4)
    if start.startswith(b"PK"):
        with zipfile.ZipFile(path) as zf:
            member = next((i for i in zf.infolist() if i.filename.lower().endswith(".csv")), None)
            if member is not None:
                with zf.open(member) as fh:
                    head = fh.read(4096)
    else:
        with path.open("rb") as fh:
            head = fh.read(4096)
    first = head.split(b"\n", 1)[0].decode("ascii", "replace").split(",")
    return first[3].strip() if len(first) > 3 else ""


def _field(row: Any, key: str) -> Any:
    if row is None:
        return None
    if isinstance(row, dict):
        return row.get(key)
    return getattr(row, key, None)


def _status(row: Any) -> str:
    return str(_field(row, "status") or "")


def _ledger_names(wh: Any, source: str) -> list[str]:
    """Names of loaded files of one source (for the archive coverage check)."""
    return [str(_field(r, "name")) for r in wh.ledger.rows(status="loaded", source=source)]


def with_source_file(table: pa.Table, name: str) -> pa.Table:
    """Add the `_source_file` column every raw row carries (docs/architecture.md)."""
    if "_source_file" in table.column_names:
        return table
    raw = name.encode("utf-8")
    n = table.num_rows
    if n * len(raw) >= 2**31:  # beyond 32-bit string offsets
        return table.append_column("_source_file", pa.array([name] * n, pa.large_string()))
    offsets = array.array("i", range(0, (n + 1) * len(raw), len(raw)) if raw else [0] * (n + 1))
    col = pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(raw * n))
    return table.append_column("_source_file", col)
