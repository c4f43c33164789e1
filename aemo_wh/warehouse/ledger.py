"""The ingest ledger: one row per source file in `_ledger/ledger.sqlite` (WAL).

A file is `loaded` only after its parquet is published; `error` rows are retried by the next
run; `quarantined` rows name a file moved to `_quarantine/`; `skipped` rows name a file that holds
no table the project lands (its report types in `error`), so it is not examined again. Readers (status, dashboard demo
marker) open the database read-only and never block the writer.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aemo_wh.warehouse.layout import LEDGER_DIR

DEMO_PUBLISHER = "AEMO_WH_DEMO"
STATUSES = ("loaded", "error", "quarantined", "skipped")

_SCHEMA = """
create table if not exists files (
    name text primary key,
    source text not null default '',
    url text not null default '',
    size integer,
    sha256 text,
    publisher text,
    rows_json text not null default '{}',
    status text not null,
    error text not null default '',
    loaded_at text not null
);
create index if not exists files_sha256 on files (sha256);
create index if not exists files_status on files (status);
"""
_COLUMNS = ("name", "source", "url", "size", "sha256", "publisher", "rows_json", "status", "error", "loaded_at")


def ledger_path(root: Path) -> Path:
    return root / LEDGER_DIR / "ledger.sqlite"


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _row_dict(row: tuple) -> dict:
    d = dict(zip(_COLUMNS, row, strict=True))
    d["rows"] = json.loads(d.pop("rows_json") or "{}")
    return d


class Ledger:
    """Access to the ledger. Reads work without the writer lock; writes happen via the Writer."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = ledger_path(self.root)
        self._wcon: sqlite3.Connection | None = None

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        if not self.path.exists():
            yield None
            return
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the (cached) write connection; only the lock holder writes."""
        if self._wcon is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30)
            con.execute("pragma journal_mode=wal")
            con.execute("pragma synchronous=full")
            con.executescript(_SCHEMA)
            self._wcon = con
        with self._wcon:
            yield self._wcon

    def close(self) -> None:
        """Close the write connection (the Warehouse does this when the writer lock is released)."""
        if self._wcon is not None:
            self._wcon.close()
            self._wcon = None

    def ensure(self) -> None:
        """Create the database (and the WAL files) so read-only readers can open it."""
        with self._write():
            pass

    # -- reads -------------------------------------------------------------------------------
    def lookup(self, name: str) -> dict | None:
        """The ledger row of a source file name, or None."""
        with self._read() as con:
            if con is None:
                return None
            row = con.execute(f"select {', '.join(_COLUMNS)} from files where name = ?", (name,)).fetchone()
        return _row_dict(row) if row else None

    def find_sha256(self, sha256: str) -> dict | None:
        """A loaded file with this content hash (same bytes under another name), or None."""
        with self._read() as con:
            if con is None:
                return None
            row = con.execute(
                f"select {', '.join(_COLUMNS)} from files where sha256 = ? and status = 'loaded' "
                "order by loaded_at limit 1",
                (sha256,),
            ).fetchone()
        return _row_dict(row) if row else None

    def rows(self, status: str | None = None, source: str | None = None, limit: int | None = None) -> list[dict]:
        """Ledger rows, newest first, optionally filtered by status and source."""
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if source:
            where.append("source = ?")
            params.append(source)
        q = f"select {', '.join(_COLUMNS)} from files"
        if where:
            q += " where " + " and ".join(where)
        q += " order by loaded_at desc, name desc"
        if limit:
            q += " limit ?"
            params.append(int(limit))
        with self._read() as con:
            if con is None:
                return []
            return [_row_dict(r) for r in con.execute(q, params).fetchall()]

    def counts(self) -> dict[str, int]:
        """Number of files per status."""
        with self._read() as con:
            if con is None:
                return {}
            return dict(con.execute("select status, count(*) from files group by status").fetchall())

    def table_summary(self) -> dict[str, dict]:
        """Per warehouse table: newest `loaded_at` of a file that landed rows in it, and how many
        quarantined files came from a source that feeds it. One pass in SQLite (json1)."""
        with self._read() as con:
            if con is None:
                return {}
            last = con.execute(
                "select j.key, max(f.loaded_at) from files f, json_each(f.rows_json) j "
                "where f.status = 'loaded' and j.value > 0 group by j.key"
            ).fetchall()
            quarantined = con.execute(
                "with feeds as (select distinct f.source, j.key as tbl from files f, json_each(f.rows_json) j "
                "where f.status = 'loaded') "
                "select feeds.tbl, count(*) from files q join feeds on q.source = feeds.source "
                "where q.status = 'quarantined' group by feeds.tbl"
            ).fetchall()
        out: dict[str, dict] = {}
        for t, at in last:
            out.setdefault(t, {})["last_ingest"] = at
        for t, n in quarantined:
            out.setdefault(t, {})["quarantined_files"] = n
        return out

    def has_publisher(self, publisher: str) -> bool:
        with self._read() as con:
            if con is None:
                return False
            return con.execute("select 1 from files where publisher = ? limit 1", (publisher,)).fetchone() is not None

    # -- writes (called by the Writer, under the writer lock) -----------------------------------
    def record(
        self,
        *,
        name: str,
        status: str,
        source: str = "",
        url: str = "",
        size: int | None = None,
        sha256: str | None = None,
        publisher: str | None = None,
        rows: dict[str, int] | None = None,
        error: str = "",
    ) -> None:
        self.record_many([dict(
            name=name, status=status, source=source, url=url, size=size, sha256=sha256,
            publisher=publisher, rows=rows, error=error,
        )])  # fmt: skip

    def record_many(self, records: Iterable[dict]) -> None:
        """Record several files in ONE transaction (one fsync); keys as in `record`."""
        now = _utc_now()
        values = []
        for r in records:
            status = r["status"]
            if status not in STATUSES:
                raise ValueError(f"ledger status must be one of {STATUSES}, not {status!r}")
            values.append((
                r["name"], r.get("source", ""), r.get("url", ""), r.get("size"), r.get("sha256"),
                r.get("publisher"), json.dumps(r.get("rows") or {}, sort_keys=True), status,
                r.get("error", ""), now,
            ))  # fmt: skip
        if not values:
            return
        with self._write() as con:
            con.executemany(
                f"insert or replace into files ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})",
                values,
            )
