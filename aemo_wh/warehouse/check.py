"""Verify a whole warehouse against its contracts, and repair what older versions damaged.

`check_warehouse(root)` looks at every file every manifest lists: it exists and reads, its row count
is the manifest's, its schema is the table's contract (`contract.schema_problems`, lenient about
columns a pre-contract file never had), its rows lie in its partition (date, or month for month
files), and no primary key appears twice in the table. It reads parquet footers plus the key and
time columns, never whole rows, and writes nothing but `_state/check.json` (what `health` shows).

`repair(writer, result)` takes the files found bad out of their manifests (one publish per table;
a copy goes to `_quarantine/parquet/`, the file itself to the trash, so a reader still holding the
old manifest finishes its query), and marks the AEMO files their rows came from as `error` in the
ledger, so the next ingest (or backfill) fetches them again; duplicate keys are merged away by
re-compacting the partition that holds them (newest `lastchanged` wins, as at publish).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow.parquet as pq

from aemo_wh.log import get_logger
from aemo_wh.warehouse import contract, layout
from aemo_wh.warehouse.duck import q
from aemo_wh.warehouse.manifest import FileEntry, list_manifest_tables, read_manifest
from aemo_wh.warehouse.tables import TABLES, TableSpec

if TYPE_CHECKING:
    from aemo_wh.warehouse.writer import Writer

logger = get_logger(__name__)

CHECK_STATE = "check.json"  # under _state/
REPAIRED_DIR = "parquet"  # under _quarantine/


@dataclass
class FileProblem:
    table: str
    path: str
    problem: str
    sources: list[str] = field(default_factory=list)  # AEMO files whose rows it holds


@dataclass
class TableCheck:
    table: str
    files: int = 0
    rows: int = 0
    bad_files: list[FileProblem] = field(default_factory=list)
    duplicate_keys: int = 0
    duplicate_dates: list[str] = field(default_factory=list)  # partitions holding them

    @property
    def ok(self) -> bool:
        return not self.bad_files and not self.duplicate_keys


@dataclass
class CheckResult:
    checked_at: str
    tables: list[TableCheck]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def problems(self) -> int:
        return sum(len(t.bad_files) + (1 if t.duplicate_keys else 0) for t in self.tables)

    def to_dict(self) -> dict:
        return {"checked_at": self.checked_at, "ok": self.ok, "problems": self.problems,
                "tables": [asdict(t) for t in self.tables]}  # fmt: skip


def check_warehouse(root: Path | str, save: bool = True) -> CheckResult:
    """Check every table of the warehouse at `root`; with `save`, record the result in `_state/`."""
    root = Path(root)
    names = sorted(set(TABLES) | set(list_manifest_tables(root)))
    result = CheckResult(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), [_check_table(root, n) for n in names])
    if save and root.is_dir():
        state = root / layout.STATE
        state.mkdir(exist_ok=True)
        tmp = state / f".{CHECK_STATE}.{layout.new_uid()}"  # beside the target: no writer lock needed
        tmp.write_text(json.dumps(result.to_dict(), indent=1))
        os.replace(tmp, state / CHECK_STATE)
    return result


def last_check(root: Path | str) -> dict | None:
    """The last saved check result (`health` shows it), or None when none was run."""
    path = Path(root) / layout.STATE / CHECK_STATE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _check_table(root: Path, name: str) -> TableCheck:
    spec = TABLES.get(name)
    entries = read_manifest(root, name).files
    out = TableCheck(name, files=len(entries), rows=sum(e.rows for e in entries))
    if spec is None:
        return out  # a table this version does not know: nothing to check it against
    good: list[FileEntry] = []
    for e in entries:
        problem = _file_problem(root, spec, e)
        if problem:
            out.bad_files.append(FileProblem(name, e.path, problem, _sources(root, e)))
        else:
            good.append(e)
    if good:
        _check_rows(root, spec, good, out)
    return out


def _file_problem(root: Path, spec: TableSpec, e: FileEntry) -> str:
    path = root / e.path
    if not path.is_file():
        return "file missing"
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except Exception as exc:  # noqa: BLE001 - any read failure is the finding
        return f"unreadable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    empty = _all_null_columns(meta)
    off = [c for c in schema.names if c in empty]  # an empty column's type says nothing: readers cast it
    problems = contract.schema_problems(schema.remove_metadata(), spec, strict=False, ignore=off)
    if problems:
        return "; ".join(problems)
    if meta.num_rows != e.rows:
        return f"holds {meta.num_rows} rows, the manifest says {e.rows}"
    return ""


def _all_null_columns(meta: pq.FileMetaData) -> set[str]:
    """Columns every row of which is null, by the row-group statistics (a pre-contract writer typed an
    all-empty column by its name, e.g. OCD_STATUS as a double: harmless, not worth a re-fetch)."""
    if meta.num_rows == 0:
        return set()
    nulls: dict[str, int] = {}
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        for j in range(rg.num_columns):
            col = rg.column(j)
            stats = col.statistics
            if stats is None or not stats.has_null_count:
                nulls[col.path_in_schema] = -(10**18)  # unknown: never counted as empty
                continue
            nulls[col.path_in_schema] = nulls.get(col.path_in_schema, 0) + stats.null_count
    return {c for c, n in nulls.items() if n == meta.num_rows}


def _check_rows(root: Path, spec: TableSpec, entries: list[FileEntry], out: TableCheck) -> None:
    """Rows outside their partition (per file) and duplicate primary keys (whole table)."""
    files = [str(root / e.path) for e in entries]
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "threads": 2})
    try:
        con.execute("SET VARIABLE check_files = ?::VARCHAR[]", [files])
        src = "read_parquet(getvariable('check_files'), union_by_name = true, hive_partitioning = false, filename = '__file')"
        tc = spec.time_column
        if tc:
            shift = f"INTERVAL {spec.interval_minutes} MINUTE"
            spans = con.execute(
                f"SELECT __file, min(CAST({q(tc)} - {shift} AS DATE)), max(CAST({q(tc)} - {shift} AS DATE)), "
                f"count(*) FILTER (WHERE {q(tc)} IS NULL) FROM {src} GROUP BY __file"
            ).fetchall()
            by_path = {str(root / e.path): e for e in entries}
            for path, lo, hi, nulls in spans:
                e = by_path[path]
                problem = _partition_problem(e, lo, hi, nulls)
                if problem:
                    out.bad_files.append(FileProblem(spec.name, e.path, problem, _sources(root, e)))
        pk = ", ".join(q(c) for c in spec.primary_key)
        part = f"CAST({q(tc)} - INTERVAL {spec.interval_minutes} MINUTE AS DATE)" if tc else "NULL"
        dup = con.execute(
            f"SELECT count(*), list(DISTINCT d ORDER BY d) FROM (SELECT {pk}, any_value({part}) AS d FROM {src} "
            f"GROUP BY {pk} HAVING count(*) > 1)"
        ).fetchall()[0]
        out.duplicate_keys = int(dup[0])
        out.duplicate_dates = [str(d) for d in (dup[1] or []) if d is not None]
    finally:
        con.close()


def _partition_problem(e: FileEntry, lo: dt.date | None, hi: dt.date | None, nulls: int) -> str:
    if nulls:
        return f"{nulls} row(s) without a time"
    if lo is None or not e.date:
        return ""
    if e.level == "month":
        first = dt.date.fromisoformat(e.date).replace(day=1)
        ok = (lo.year, lo.month) == (hi.year, hi.month) == (first.year, first.month)
        where = f"month {first:%Y-%m}"
    else:
        ok = lo == hi == dt.date.fromisoformat(e.date)
        where = f"date {e.date}"
    return "" if ok else f"rows from {lo} to {hi} outside its partition ({where})"


def _sources(root: Path, e: FileEntry) -> list[str]:
    """The AEMO files a parquet file's rows came from (its `_source_file` values, else the manifest's)."""
    try:
        names = pq.read_table(root / e.path, columns=["_source_file"])["_source_file"].unique().to_pylist()
        return sorted(str(n) for n in names if n)
    except Exception:  # noqa: BLE001 - unreadable or no such column: fall back to the manifest
        return [e.source] if e.source else []


# -- repair ------------------------------------------------------------------------------------------


def repair(w: Writer, result: CheckResult) -> dict:
    """Move bad files out of the manifests into quarantine, mark their sources for a re-fetch, and
    merge duplicate keys away. Returns counts; the caller re-runs the check to confirm."""
    from aemo_wh.warehouse.compaction import compact_partition

    done = {"files_quarantined": 0, "sources_marked": 0, "partitions_merged": 0}
    qdir = w.root / layout.QUARANTINE / REPAIRED_DIR
    for t in result.tables:
        if t.bad_files:
            bad = {p.path for p in t.bad_files}
            entries = [e for e in w.manifest(t.table).files if e.path in bad]
            for e in entries:
                src = w.root / e.path
                if src.exists():
                    dest = qdir / e.path
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dest)
                done["files_quarantined"] += 1
            w.swap(t.table, [], entries)  # out of the manifest: readers stop seeing them
            for p in t.bad_files:
                for name in p.sources:
                    _mark_for_refetch(w, name, f"re-fetch: its rows were in {p.path}, which failed check ({p.problem})")
                    done["sources_marked"] += 1
                logger.warning("check --repair: %s %s: %s; quarantined, %d source file(s) to re-fetch",
                               t.table, p.path, p.problem, len(p.sources))  # fmt: skip
        if t.duplicate_keys and t.table in TABLES:
            spec = TABLES[t.table]
            for d in t.duplicate_dates:
                if compact_partition(w, spec, dt.date.fromisoformat(d)):
                    done["partitions_merged"] += 1
    return done


def _mark_for_refetch(w: Writer, name: str, reason: str) -> None:
    """Ledger status `error`: the next ingest pass (or backfill) fetches and lands the file again."""
    row = w.ledger.lookup(name) or {}
    w.ledger.record(name=name, status="error", source=row.get("source") or "", url=row.get("url") or "",
                    size=row.get("size"), publisher=row.get("publisher"), error=reason)  # fmt: skip
