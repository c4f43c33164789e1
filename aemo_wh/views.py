"""The analytic views: `connect()` = the raw warehouse views + every `sql/NN_<view>.sql` in order.

Everything that reads data (dashboard, email report, alerts, health, shell, tests) opens its
connection here and calls `refresh(con)` before reading; parameters are always bound.

Besides the raw views, the SQL files need four things this module provides first:
- `_registry_base`: the published `duid_info` table (level "ref", written by `registry refresh`),
  or, until there is one, the registry built from the workbook shipped in `aemo_wh/data/`;
- variable `duid_overrides_files`: [empty template, the user's overrides CSV if valid];
- variable `interconnector_ref_file`: the shipped interconnector reference CSV;
- variable `market_price_settings_file`: the shipped market price cap / floor / CPT / APC table;
- variable `duid_history_file`: the shipped history layer of the registry (units the registration
  list no longer names; aemo_wh/registry/history.py).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import duckdb

from aemo_wh.config import PROJECT_ROOT, Settings
from aemo_wh.errors import AemoWhError
from aemo_wh.log import get_logger
from aemo_wh.registry.build import workbook_frame
from aemo_wh.registry.overrides import read_overrides
from aemo_wh.warehouse import reader

logger = get_logger(__name__)

SQL_DIR = PROJECT_ROOT / "sql"
_OVERRIDES_VAR = "aemo_wh_overrides_file"
_OVERRIDES_SIG_VAR = "aemo_wh_overrides_sig"
DUID_INFO_SQL = "01_duid_info.sql"


def data_file(name: str) -> Path:
    return Path(str(resources.files("aemo_wh") / "data" / name))


def sql_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    """The view files in the order they are applied (NN_ prefix)."""
    return sorted(p for p in sql_dir.glob("[0-9][0-9]_*.sql"))


def _settings_root(settings_or_root: Settings | Path | str) -> tuple[Path, Path | None]:
    if isinstance(settings_or_root, Settings):
        s = settings_or_root
        return s.warehouse_dir, s.path(s.paths.overrides)
    return Path(settings_or_root), None


def overrides_files(overrides: Path | None) -> list[str]:
    """The overrides CSVs the duid_info view reads: the empty template (all columns), + the user's.

    A user file that fails validation is left out with an error in the log (the registry still
    works; `aemo-wh registry show` prints the problem).
    """
    files = [str(data_file("duid_overrides_template.csv"))]
    if overrides is not None and overrides.is_file():
        try:
            read_overrides(overrides)
            files.append(str(overrides.resolve()))
        except AemoWhError as exc:
            logger.error("ignoring DUID overrides: %s", exc.msg)
    return files


def _apply_reference(con: duckdb.DuckDBPyConnection) -> None:
    """The registry base, overrides and interconnector inputs of the SQL files."""
    registry_files = con.execute("select getvariable('duid_info_files')").fetchall()[0][0] or []
    if registry_files:
        src = "read_parquet(getvariable('duid_info_files'), union_by_name = true)"
        have = {r[0] for r in con.execute(f"describe select * from {src}").fetchall()}
        # a registry published before `classification` / `storage_mwh` were kept has no such column
        classification = "classification" if "classification" in have else "cast(null as varchar) as classification"
        storage = "storage_mwh" if "storage_mwh" in have else "cast(null as double) as storage_mwh"
        con.execute(
            "create or replace view _registry_base as select duid, station_name, region_id, participant, "
            "dispatch_type, fuel_source, technology, fuel_class, registered_capacity_mw, max_capacity_mw, "
            f"{classification}, {storage} from {src}"
        )
    else:
        frame = workbook_frame()  # noqa: F841  (read by the replacement scan below)
        con.execute("create or replace table _registry_shipped as select * from frame")
        con.execute("create or replace view _registry_base as select * from _registry_shipped")
    _set_overrides(con)
    con.execute("set variable interconnector_ref_file = ?", [str(data_file("interconnectors.csv"))])
    con.execute("set variable duid_history_file = ?", [str(data_file("duid_history.csv"))])
    con.execute("set variable market_price_settings_file = ?", [str(data_file("market_price_settings.csv"))])


def _signature(path: Path | None) -> str:
    """Content signature of the overrides file ("" when absent): a changed file means re-read."""
    if path is None or not path.is_file():
        return ""
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _set_overrides(con: duckdb.DuckDBPyConnection) -> bool:
    """Point the duid_info view at the overrides CSVs; True when the file changed since last time."""
    overrides, seen = con.execute(
        f"select getvariable('{_OVERRIDES_VAR}'), getvariable('{_OVERRIDES_SIG_VAR}')"
    ).fetchall()[0]
    path = Path(overrides) if overrides else None
    sig = _signature(path)
    if seen is not None and sig == seen:
        return False
    con.execute("set variable duid_overrides_files = ?::varchar[]", [overrides_files(path)])
    con.execute(f"set variable {_OVERRIDES_SIG_VAR} = ?", [sig])
    return True


def apply_views(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Run every view file in order (each is `create or replace`, so this is idempotent)."""
    _apply_reference(con)
    for path in sql_files(sql_dir):
        _run_file(con, path)


def _run_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.execute(path.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise AemoWhError(f"view file {path.name} failed: {exc}") from exc


def connect(settings_or_root: Settings | Path | str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the raw warehouse views and every analytic view."""
    root, overrides = _settings_root(settings_or_root)
    con = reader.connect_raw(root)
    con.execute(f"set variable {_OVERRIDES_VAR} = ?", [str(overrides) if overrides else None])
    apply_views(con)
    return con


def refresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Pick up newly published files and overrides edits; True when anything moved.

    Cheap when nothing changed (a manifest version check and a hash of the small overrides
    file), so readers call it before every query. Materialised parts (duid_info, rooftop_5min)
    are rebuilt here.
    """
    if reader.refresh(con):
        apply_views(con)  # the raw refresh re-created the raw views (incl. duid_info): lay ours over
        return True
    if _set_overrides(con):
        _run_file(con, SQL_DIR / DUID_INFO_SQL)
        return True
    return False
