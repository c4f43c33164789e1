"""Scratch DuckDB for the writer's big jobs (compaction, rewriting a large file).

Bounded memory (spills to `_staging/duckdb-*`, purged with the rest of staging), no extension
auto-install, results written as zstd parquet into `_staging` and then published by the Writer.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from aemo_wh.warehouse import layout
from aemo_wh.warehouse.tables import TableSpec

MEMORY_LIMIT = "512MB"  # a month of SCADA (4.3 M rows) sorts in this (same speed as 1GB), spilling to _staging
ROW_GROUP = 122_880


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def scratch(root: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    tmpdir = root / layout.STAGING / f"duckdb-{layout.new_uid()}"
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "threads": 2,
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(tmpdir),
            "preserve_insertion_order": False,
        }
    )
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(tmpdir, ignore_errors=True)


DUCK_TYPES = {"timestamp[us]": "TIMESTAMP", "double": "DOUBLE", "string": "VARCHAR"}


def contract_select(spec: TableSpec, present: list[str], alias: str = "") -> str:
    """A SELECT list that gives `spec`'s contract schema from columns `present` in the source:
    declared columns cast to their type in declared order (NULL when absent), then the undeclared
    ones as VARCHAR in name order (see aemo_wh/warehouse/contract.py)."""
    prefix = f"{alias}." if alias else ""
    have = set(present)
    out = []
    for name, typ in spec.columns:
        duck_type = DUCK_TYPES[str(typ)]
        value = f"{prefix}{q(name)}" if name in have else "NULL"
        out.append(f"CAST({value} AS {duck_type}) AS {q(name)}")
    declared = {n for n, _t in spec.columns}
    out += [f"CAST({prefix}{q(n)} AS VARCHAR) AS {q(n)}" for n in sorted(have - declared)]
    return ", ".join(out)


def copy_to_staging(
    con: duckdb.DuckDBPyConnection, root: Path, query: str, time_column: str
) -> tuple[Path, int, dt.datetime | None, dt.datetime | None]:
    """Run `query` into a zstd parquet file in `_staging`; returns (path, rows, min ts, max ts)."""
    staged = layout.staging_file(root, ".parquet")
    try:
        con.execute(f"COPY ({query}) TO '{staged}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP})")
        rows, lo, hi = con.execute(
            f"SELECT count(*), min({q(time_column)}), max({q(time_column)}) FROM read_parquet('{staged}')"
        ).fetchall()[0]
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged, int(rows), lo, hi
