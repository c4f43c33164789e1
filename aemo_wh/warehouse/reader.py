"""Read the warehouse from DuckDB: one view per raw table over the files its manifest lists.

Every reader process opens its own in-memory DuckDB (never a shared .duckdb file). A view reads
`read_parquet(getvariable('<table>_files'), union_by_name=true)`; `refresh(con)` re-reads the
manifests only when `manifest_version(root)` changed, so calling it before every query is cheap.
A table without files yet is an empty view with its known columns typed, and a known column that no
file carries (LASTCHANGED before ~2023, say) is NULL, so downstream views always bind.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from aemo_wh.log import get_logger
from aemo_wh.warehouse.duck import DUCK_TYPES
from aemo_wh.warehouse.tables import TABLES
from aemo_wh.warehouse.manifest import list_manifest_tables, manifest_version, read_manifest

logger = get_logger(__name__)
_ROOT_VAR = "aemo_wh_root"
_VERSION_VAR = "aemo_wh_manifest_version"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _known_columns(table: str) -> dict[str, str]:
    """Columns a view of `table` always has (NULL where no file carries them), with DuckDB types:
    the table's contract (aemo_wh/warehouse/tables.py)."""
    spec = TABLES.get(table)
    return {c: DUCK_TYPES[str(t)] for c, t in spec.columns} if spec else {"_source_file": "VARCHAR"}


def _empty_view_sql(table: str) -> str:
    cols = _known_columns(table)
    select = ", ".join(f"CAST(NULL AS {t}) AS {_quote_ident(c)}" for c, t in cols.items())
    return f"CREATE OR REPLACE VIEW {_quote_ident(table)} AS SELECT {select} WHERE false"


def _apply(con: duckdb.DuckDBPyConnection, root: Path) -> str:
    token = manifest_version(root)  # taken first: a publish during the reads shows up next refresh
    for table in sorted(set(TABLES) | set(list_manifest_tables(root))):
        files = read_manifest(root, table).paths(root)
        var = f"{table}_files"
        con.execute(f"SET VARIABLE {_quote_ident(var)} = ?::VARCHAR[]", [files])
        if files:
            src = f"read_parquet(getvariable('{var}'), union_by_name = true, hive_partitioning = false)"
            have = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
            known = _known_columns(table)
            extra = "".join(f", CAST(NULL AS {t}) AS {_quote_ident(c)}" for c, t in known.items() if c not in have)
            # Defence in depth: a file published by a version without contracts may carry a column of
            # another type (one text value made a whole column VARCHAR and every view failed to bind).
            # Such a column is read as its contract type, bad values as NULL, until `check --repair`.
            off = {c: t for c, t in known.items() if c in have and have[c] != t}
            replace = ""
            if off:
                logger.warning("%s: column(s) %s not of their contract type in some file; read as the contract "
                               "says; run `aemo-wh check --repair`", table, ", ".join(sorted(off)))  # fmt: skip
                casts = ", ".join(f"TRY_CAST({_quote_ident(c)} AS {t}) AS {_quote_ident(c)}" for c, t in off.items())
                replace = f" REPLACE ({casts})"
            con.execute(f"CREATE OR REPLACE VIEW {_quote_ident(table)} AS SELECT *{replace}{extra} FROM {src}")
        else:
            con.execute(_empty_view_sql(table))
    con.execute(f"SET VARIABLE {_VERSION_VAR} = ?", [token])
    return token


def connect_raw(root: Path | str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per raw table, resolved from the current manifests."""
    root = Path(root).resolve()
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "threads": 2})
    # Published paths are immutable (a new uid per file), so cached parquet footers never go stale;
    # with ~300 small interval files this cuts a dashboard query by about 40 %.
    con.execute("SET parquet_metadata_cache = true")
    con.execute(f"SET VARIABLE {_ROOT_VAR} = ?", [str(root)])
    _apply(con, root)
    return con


def refresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Re-read the manifests if any changed since the last look; True when the views moved on."""
    root, seen = con.execute(f"SELECT getvariable('{_ROOT_VAR}'), getvariable('{_VERSION_VAR}')").fetchall()[0]
    if root is None:
        raise ValueError("refresh() needs a connection made by connect_raw()")
    if manifest_version(root) == seen:
        return False
    _apply(con, Path(root))
    return True


def current_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The manifest version the connection's views were last resolved at."""
    return con.execute(f"SELECT getvariable('{_VERSION_VAR}')").fetchall()[0][0]
