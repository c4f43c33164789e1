"""Build `duid_info`: workbook rows (+ fuel class) with the user's overrides laid over them.

`load_duid_info()` is what Python callers use (the demo simulator, `registry show`). SQL
readers use the `duid_info` view, which reads the published warehouse table (or the shipped
workbook) and applies the same overrides CSV at query time.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from aemo_wh.registry.overrides import apply_overrides, read_overrides
from aemo_wh.registry.workbook import DUID_INFO_COLUMNS, read_workbook, shipped_workbook

if TYPE_CHECKING:
    from aemo_wh.config import Settings

SCHEMA: dict[str, Any] = {
    "duid": pl.String,
    "station_name": pl.String,
    "region_id": pl.String,
    "participant": pl.String,
    "dispatch_type": pl.String,
    "fuel_source": pl.String,
    "technology": pl.String,
    "fuel_class": pl.String,
    "registered_capacity_mw": pl.Float64,
    "max_capacity_mw": pl.Float64,
    "classification": pl.String,
    "storage_mwh": pl.Float64,
}
assert tuple(SCHEMA) == DUID_INFO_COLUMNS


def rows_to_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{c: r.get(c) for c in DUID_INFO_COLUMNS} for r in rows], schema=SCHEMA).sort("duid")


def supplement_path() -> Path:
    """Shipped rows for units the workbook lists without a DUID (same format as overrides)."""
    return Path(str(resources.files("aemo_wh") / "data" / "duid_supplement.csv"))


@functools.lru_cache(maxsize=4)
def _workbook_frame(path: str, mtime_ns: int) -> pl.DataFrame:
    rows = read_workbook(Path(path))
    known = {r["duid"] for r in rows}
    extra = [r for r in read_overrides(supplement_path()) if r["duid"] not in known]  # only fills gaps
    return rows_to_frame(apply_overrides(rows, extra))


def workbook_frame(path: Path | None = None) -> pl.DataFrame:
    """duid_info from one workbook + the shipped supplement, without user overrides (cached)."""
    path = path or shipped_workbook()
    return _workbook_frame(str(path), path.stat().st_mtime_ns if path.exists() else 0)


def published_files(root: Path) -> list[str]:
    """Parquet files of the published `duid_info` table (empty if the registry was never built)."""
    from aemo_wh.warehouse.manifest import read_manifest

    return read_manifest(root, "duid_info").paths(root)


def _published_frame(files: list[str]) -> pl.DataFrame:
    """The published table in SCHEMA; a column an older registry did not keep (classification,
    storage_mwh) reads as null."""
    frame = pl.read_parquet(files, allow_missing_columns=True)
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in SCHEMA.items() if c not in frame.columns]
    return frame.with_columns(missing).select(list(SCHEMA)).cast(SCHEMA)


def load_duid_info(settings: Settings | None = None) -> pl.DataFrame:
    """duid_info as a polars DataFrame (columns as the `duid_info` view).

    Without settings: the shipped workbook. With settings: the registry table published in the
    warehouse by `registry refresh` if there is one, else the shipped workbook; then the user's
    overrides CSV (settings.paths.overrides) on top.
    """
    if settings is None:
        return workbook_frame()
    files = published_files(settings.warehouse_dir)
    base = _published_frame(files) if files else workbook_frame()
    overrides = read_overrides(settings.path(settings.paths.overrides))
    if not overrides:
        return base
    return rows_to_frame(apply_overrides(base.to_dicts(), overrides))
