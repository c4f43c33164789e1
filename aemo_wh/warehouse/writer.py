"""The single writer: publish parquet + manifests, quarantine bad files, record the ledger.

Obtained only through `Warehouse.writer()`, which holds the writer lock for its lifetime. Compaction
and retention (`compaction.py`) are jobs that use a writer; the writer knows nothing of them.
Publish path for every table (ingest, compaction, registry, retention alike):
new files -> `_staging` -> fsync -> `os.replace` to a new unique path -> fsync dir ->
manifest replaced atomically -> superseded files to `_trash.json` (deleted after the grace period).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aemo_wh.log import get_logger
from aemo_wh.warehouse.tables import CONTRACT_VERSION, TableSpec
from aemo_wh.errors import ContractViolation
from aemo_wh.warehouse import contract, duck, layout, merge
from aemo_wh.warehouse.manifest import FileEntry, Manifest, read_manifest, write_manifest
from aemo_wh.warehouse.ledger import Ledger
from aemo_wh.warehouse.trash import add_to_trash

logger = get_logger(__name__)

DEFAULT_ROW_GROUP = 122_880
BIG_REWRITE_ROWS = 500_000  # live files above this (months) are rewritten by DuckDB, not in memory


def _iso(ts: dt.datetime | None) -> str | None:
    return ts.isoformat(timespec="seconds") if ts is not None else None


class Writer:
    """All writes to the warehouse. Valid only inside `with warehouse.writer() as w:`."""

    def __init__(self, root: Path, ledger: Ledger, grace_hours: float) -> None:
        self.root = root
        self.ledger = ledger
        self.grace_hours = grace_hours
        self._manifests: dict[str, Manifest] = {}
        self._written: list[Path] = []  # final paths written since the last manifest publish

    # -- manifests ------------------------------------------------------------------------------
    def manifest(self, table: str) -> Manifest:
        """The current manifest (cached: nobody else writes while we hold the lock)."""
        if table not in self._manifests:
            self._manifests[table] = read_manifest(self.root, table)
        return self._manifests[table]

    def swap(self, table: str, add: Iterable[FileEntry], remove: Iterable[FileEntry]) -> Manifest:
        """Publish a new manifest: live files minus `remove` plus `add`; removed files to the trash.

        The files in `add` must already be published (see `write_file`).
        """
        current = self.manifest(table)
        add = list(add)
        gone = {e.path for e in remove}
        if not add and not gone:
            return current
        files = [e for e in current.files if e.path not in gone] + list(add)
        m = write_manifest(self.root, table, files, current.version)
        self._manifests[table] = m
        self._written.clear()
        add_to_trash(self.root, sorted(gone), self.grace_hours)
        return m

    def abandon(self) -> None:
        """Delete files written since the last manifest publish (they were never visible)."""
        for p in self._written:
            p.unlink(missing_ok=True)
        self._written.clear()

    # -- files ----------------------------------------------------------------------------------
    def write_file(
        self,
        table: pa.Table,
        relpath: str,
        spec: TableSpec,
        *,
        level: str,
        date: str,
        source: str = "",
        row_group_size: int = DEFAULT_ROW_GROUP,
    ) -> FileEntry:
        """Write `table` as an immutable parquet file at `relpath` (staging, fsync, rename).

        Refuses (ContractViolation) a table whose schema is not `spec`'s contract: nothing the views
        cannot read is ever published, whatever the caller did before.
        """
        _require_contract(table.schema, spec, relpath)
        final = self.root / relpath
        if final.exists():
            raise FileExistsError(f"refusing to overwrite published file {relpath}")
        tmp = layout.staging_file(self.root, ".parquet")
        try:
            pq.write_table(table, tmp, compression="zstd", row_group_size=row_group_size)
            layout.fsync_file(tmp)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._written.append(final)
        layout.fsync_dir(final.parent)
        return self.entry_for(table, relpath, level=level, date=date, time_column=spec.time_column, source=source)

    def install_file(self, staged: Path, relpath: str, spec: TableSpec) -> Path:
        """Move an already written staging file (e.g. from DuckDB COPY) to `relpath`, durably.

        Its schema is read back first: a file that is not `spec`'s contract is refused.
        """
        _require_contract(pq.read_schema(staged), spec, relpath)
        final = self.root / relpath
        if final.exists():
            raise FileExistsError(f"refusing to overwrite published file {relpath}")
        layout.fsync_file(staged)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)
        self._written.append(final)
        layout.fsync_dir(final.parent)
        return final

    @staticmethod
    def entry_for(
        table: pa.Table, relpath: str, *, level: str, date: str, time_column: str | None, source: str = ""
    ) -> FileEntry:
        lo = hi = None
        if time_column and table.num_rows:
            lo, hi = merge.ts_range(table, time_column)
        return FileEntry(relpath, date, _iso(lo), _iso(hi), table.num_rows, level, source, CONTRACT_VERSION)

    # -- publishing ------------------------------------------------------------------------------
    def publish_batch(self, items: Iterable[tuple[TableSpec, pa.Table]], source_file: str) -> dict[str, int]:
        """Publish the tables parsed from one source file; returns rows per table name.

        Every table is validated before any is written, so a bad table (a missing key column,
        a row without a time) fails the whole batch before anything becomes visible.
        """
        prepared = [(spec, self._prepare(spec, table), table.num_rows) for spec, table in items]
        out: dict[str, int] = {}
        for spec, t, n in prepared:
            if t is not None:
                self._land(spec, t, source_file)
            out[spec.name] = out.get(spec.name, 0) + n
        return out

    def publish(self, spec: TableSpec, table: pa.Table, source_file: str) -> int:
        """Land `table` into `spec.name`: one file per partition date, merged by primary key."""
        t = self._prepare(spec, table)
        if t is not None:
            self._land(spec, t, source_file)
        return table.num_rows

    @staticmethod
    def validate(spec: TableSpec, table: pa.Table) -> pa.Table:
        """`table` normalised for `spec`, or BadSourceFile / ValueError if it cannot be published.

        Lets a caller check each source file alone before publishing several in one batch.
        """
        Writer._check_spec(spec)
        return contract.conform(table, spec)

    @staticmethod
    def _check_spec(spec: TableSpec) -> None:
        if spec.time_column is None:
            if spec.replace_only:
                raise ValueError(f"{spec.name} is a reference table: use replace_table()")
            return  # merged into the live reference file (`_land_ref`)
        if spec.time_column not in spec.primary_key:
            # the merge only compares rows of overlapping time ranges, which needs time in the key
            raise ValueError(f"{spec.name}: the primary key must contain the time column {spec.time_column}")

    @staticmethod
    def _prepare(spec: TableSpec, table: pa.Table) -> pa.Table | None:
        Writer._check_spec(spec)
        if table.num_rows == 0:
            return None
        return merge.dedupe_latest(contract.conform(table, spec), spec)

    def _land(self, spec: TableSpec, t: pa.Table, source_file: str) -> None:
        if spec.time_column is None:
            self._land_ref(spec, t)
            return
        stem = layout.safe_stem(source_file)
        add: list[FileEntry] = []
        remove: list[FileEntry] = []
        try:
            for date, part in merge.split_by_date(t, spec):
                live = [e for e in self.manifest(spec.name).files if e.path not in {r.path for r in remove}]
                live += add
                part, replaced = self._merge_into_live(spec, part, live)
                for old, new in replaced:
                    if old in add:
                        add.remove(old)
                    else:
                        remove.append(old)
                    if new is not None:
                        add.append(new)
                if part.num_rows:
                    rel = layout.interval_path(spec.name, date, stem)
                    add.append(
                        self.write_file(part, rel, spec, level="interval", date=date.isoformat(), source=source_file)
                    )
            self.swap(spec.name, add, remove)
        except BaseException:
            self.abandon()
            raise

    def _merge_into_live(
        self, spec: TableSpec, part: pa.Table, live: list[FileEntry]
    ) -> tuple[pa.Table, list[tuple[FileEntry, FileEntry | None]]]:
        """Apply newest-wins against live files that share keys with `part`.

        Returns the rows of `part` that win, and (old entry, rewritten entry or None) for every
        live file that lost rows. Cheap when nothing overlaps: only manifest min/max are checked.
        """
        tc = spec.time_column
        assert tc is not None
        lo, hi = merge.ts_range(part, tc)
        cands = [e for e in live if e.level != "ref" and e.overlaps(lo, hi)]
        if not cands:
            return part, []
        olds = []
        for i, e in enumerate(cands):
            path = self.root / e.path
            pf = pq.ParquetFile(path)
            names = set(pf.schema_arrow.names)
            cols = [c for c in (*spec.primary_key, spec.latest_by) if c in names]
            if not set(spec.primary_key) <= names:
                continue
            if e.min_dt is not None and e.max_dt is not None and lo <= e.min_dt and e.max_dt <= hi:
                keys = pf.read(columns=cols)  # wholly inside the new range: no filter (no dataset API)
            else:
                keys = pq.read_table(path, columns=cols, filters=[(tc, ">=", lo), (tc, "<=", hi)])
            if keys.num_rows:
                kt = merge.key_table(keys, spec, "__o")
                olds.append(kt.append_column("__f", pa.array([i] * kt.num_rows, pa.int32())))
        if not olds:
            return part, []
        old_keys = merge.unify(olds)
        new_lose, old_lose = merge.resolve_collisions(merge.key_table(part, spec, "__n"), old_keys, spec)
        part = merge.drop_rows(part, new_lose)
        replaced: list[tuple[FileEntry, FileEntry | None]] = []
        if old_lose.num_rows == 0:
            return part, replaced
        for i in sorted(set(old_lose["__f"].to_pylist())):
            e = cands[i]
            losers = old_lose.filter(pc.equal(old_lose["__f"], i)).select(list(spec.primary_key))
            if losers.num_rows >= e.rows:
                new_entry = None  # every row superseded (e.g. an archive bundle over Current files)
            elif e.rows > BIG_REWRITE_ROWS:
                new_entry = self._rewrite_big(spec, e, losers)
            else:
                kept = merge.drop_keys(pq.ParquetFile(self.root / e.path).read(), losers, spec)
                new_entry = None
                if kept.num_rows:  # conformed: a file written before the contract may lack columns
                    new_entry = self.write_file(
                        contract.conform(kept, spec), self._rewrite_path(spec, e), spec, level=e.level,
                        date=e.date, source=e.source,
                    )  # fmt: skip
            logger.debug("%s: %d row(s) of %s superseded", spec.name, losers.num_rows, e.path)
            replaced.append((e, new_entry))
        return part, replaced

    def _rewrite_big(self, spec: TableSpec, e: FileEntry, losers: pa.Table) -> FileEntry | None:
        """Rewrite a large live file (a month) without `losers`, in DuckDB: bounded memory, order kept."""
        tc = spec.time_column
        assert tc is not None
        on = " AND ".join(f"o.{duck.q(c)} = l.{duck.q(c)}" for c in spec.primary_key)
        with duck.scratch(self.root) as con:
            con.register("losers", losers)
            con.execute("SET VARIABLE rewrite_src = ?", [str(self.root / e.path)])
            src = "read_parquet(getvariable('rewrite_src'), file_row_number = true, hive_partitioning = false)"
            present = [r[0] for r in con.execute(f"DESCRIBE SELECT * EXCLUDE (file_row_number) FROM {src}").fetchall()]
            query = (
                f"SELECT {duck.contract_select(spec, present, alias='o')} FROM {src} o "
                f"ANTI JOIN losers l ON {on} ORDER BY file_row_number"
            )
            staged, rows, lo, hi = duck.copy_to_staging(con, self.root, query, tc)
        if rows == 0:
            staged.unlink(missing_ok=True)
            return None
        rel = self._rewrite_path(spec, e)
        try:
            self.install_file(staged, rel, spec)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return FileEntry(rel, e.date, _iso(lo), _iso(hi), rows, e.level, e.source, CONTRACT_VERSION)

    def _rewrite_path(self, spec: TableSpec, e: FileEntry) -> str:
        date = dt.date.fromisoformat(e.date)
        if e.level == "month":
            return layout.month_path(spec.name, e.date[:7])
        if e.level == "day":
            return layout.day_path(spec.name, date)
        return layout.interval_path(spec.name, date, layout.safe_stem(e.source or "merged"))

    def _land_ref(self, spec: TableSpec, t: pa.Table) -> None:
        """Merge `t` into a reference table (one `ref` file): newest `latest_by` wins per key, ties to `t`.

        Reference tables are small (the MMSDM INTERCONNECTOR table has ~10 rows), so the live file is
        read whole. Nothing is written when the merged rows equal the live ones (a re-landed snapshot).
        """
        live = list(self.manifest(spec.name).files)
        old = contract.conform(merge.unify([pq.read_table(self.root / e.path) for e in live]), spec) if live else None
        merged = merge.dedupe_latest(merge.unify([old, t]) if old is not None else t, spec)
        if old is not None and _same_rows(old, merged, spec):
            return
        try:
            entry = self.write_file(merged, layout.ref_path(spec.name), spec, level="ref", date="")
            self.swap(spec.name, [entry], live)
        except BaseException:
            self.abandon()
            raise

    def replace_table(self, spec: TableSpec, table: pa.Table) -> int:
        """Replace a whole reference table (e.g. duid_info) with `table` (level "ref")."""
        t = merge.dedupe_latest(contract.conform(table, spec), spec)
        try:
            entry = self.write_file(t, layout.ref_path(spec.name), spec, level="ref", date="")
            self.swap(spec.name, [entry], self.manifest(spec.name).files)
        except BaseException:
            self.abandon()
            raise
        return t.num_rows

    # -- bad files and the ledger -----------------------------------------------------------------
    def quarantine(
        self,
        path: Path,
        *,
        name: str,
        reason: str,
        source: str = "",
        url: str = "",
        size: int | None = None,
        sha256: str | None = None,
        publisher: str | None = None,
    ) -> Path:
        """Move a bad source file into `_quarantine/` and record why (status `quarantined`)."""
        qdir = self.root / layout.QUARANTINE
        qdir.mkdir(parents=True, exist_ok=True)
        dest = qdir / Path(name).name
        if dest.exists():
            dest = qdir / f"{dest.stem}-{layout.new_uid()}{dest.suffix}"
        path = Path(path)
        if path.exists():
            if size is None:
                size = path.stat().st_size
            shutil.move(str(path), dest)
        self.ledger.record(
            name=name, status="quarantined", source=source, url=url, size=size, sha256=sha256,
            publisher=publisher, error=reason,
        )
        logger.warning("quarantined %s: %s (-> %s)", name, reason, dest.relative_to(self.root))
        return dest

    def record_loaded(
        self,
        *,
        name: str,
        source: str,
        url: str = "",
        size: int | None = None,
        sha256: str | None = None,
        publisher: str | None = None,
        rows: dict[str, int] | None = None,
    ) -> None:
        """Mark a source file loaded (call only after its parquet was published)."""
        self.ledger.record(
            name=name, status="loaded", source=source, url=url, size=size, sha256=sha256,
            publisher=publisher, rows=rows,
        )

    def record_loaded_many(self, records: Iterable[dict]) -> None:
        """Mark several source files loaded in one ledger transaction (after their parquet was published).

        Each record has the keyword arguments of `record_loaded`.
        """
        self.ledger.record_many([{**r, "status": "loaded"} for r in records])

    def record_skipped(self, *, name: str, url: str, size: int, sha256: str, reason: str) -> None:
        """Record a file that holds no table this project lands (never examined again)."""
        self.ledger.record(name=name, status="skipped", source="", url=url, size=size, sha256=sha256, error=reason)

    def record_error(
        self,
        *,
        name: str,
        source: str,
        url: str = "",
        error: str,
        size: int | None = None,
        sha256: str | None = None,
    ) -> None:
        """Record a failed fetch/parse that the next run retries."""
        self.ledger.record(name=name, status="error", source=source, url=url, size=size, sha256=sha256, error=error)


def _require_contract(schema: pa.Schema, spec: TableSpec, relpath: str) -> None:
    problems = contract.schema_problems(schema, spec)
    if problems:
        raise ContractViolation(f"{spec.name}: refusing to publish {relpath}: {'; '.join(problems)}")


def _same_rows(a: pa.Table, b: pa.Table, spec: TableSpec) -> bool:
    """True when two versions of a reference table hold the same rows (`_source_file` aside)."""
    if a.num_rows != b.num_rows or set(a.column_names) != set(b.column_names):
        return False
    cols = sorted(c for c in a.column_names if c != "_source_file")
    order = [(c, "ascending") for c in spec.primary_key]
    a2, b2 = a.select(cols).sort_by(order), b.select(cols).sort_by(order)
    try:
        return a2.equals(b2.cast(a2.schema))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
