"""Per-table manifests: the list of live parquet files, replaced atomically on every publish.

`_manifest/<table>.json` = {"version": N, "written_at": iso, "files": [entry, ...]} where an entry
is {"path", "date", "min_ts", "max_ts", "rows", "level"} (+ "source" for interval files). Readers
need no lock: they see either the old or the new manifest, never a mix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from aemo_wh.warehouse.layout import MANIFEST_DIR, atomic_write_bytes


@dataclass(frozen=True)
class FileEntry:
    """One live parquet file. `date` is the partition (NEM date of the interval start;
    the first day of the month for month files; "" for reference tables)."""

    path: str
    date: str
    min_ts: str | None
    max_ts: str | None
    rows: int
    level: str
    source: str = ""
    contract: int = 0  # CONTRACT_VERSION the file was written under (0: before contracts)

    @property
    def min_dt(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.min_ts) if self.min_ts else None

    @property
    def max_dt(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.max_ts) if self.max_ts else None

    def overlaps(self, lo: dt.datetime, hi: dt.datetime) -> bool:
        if self.min_ts is None or self.max_ts is None:
            return True
        return self.min_dt <= hi and self.max_dt >= lo  # type: ignore[operator]

    def to_json(self) -> dict:
        d = {
            "path": self.path, "date": self.date, "min_ts": self.min_ts, "max_ts": self.max_ts,
            "rows": self.rows, "level": self.level,
        }
        if self.source:
            d["source"] = self.source
        if self.contract:
            d["contract"] = self.contract
        return d

    @classmethod
    def from_json(cls, d: dict) -> FileEntry:
        return cls(
            path=d["path"],
            date=d.get("date") or "",
            min_ts=d.get("min_ts"),
            max_ts=d.get("max_ts"),
            rows=int(d.get("rows", 0)),
            level=d.get("level", "interval"),
            source=d.get("source", ""),
            contract=int(d.get("contract", 0)),
        )


@dataclass(frozen=True)
class Manifest:
    table: str
    version: int = 0
    written_at: str = ""
    files: list[FileEntry] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def paths(self, root: Path) -> list[str]:
        return [str(root / f.path) for f in self.files]


def manifest_path(root: Path, table: str) -> Path:
    return root / MANIFEST_DIR / f"{table}.json"


def read_manifest(root: Path, table: str) -> Manifest:
    """The current manifest of `table` (version 0 and no files when none was ever published)."""
    p = manifest_path(root, table)
    try:
        raw = json.loads(p.read_bytes())
    except FileNotFoundError:
        return Manifest(table)
    return Manifest(
        table=table,
        version=int(raw.get("version", 0)),
        written_at=raw.get("written_at", ""),
        files=[FileEntry.from_json(e) for e in raw.get("files", [])],
    )


def write_manifest(root: Path, table: str, files: list[FileEntry], previous_version: int) -> Manifest:
    """Atomically replace the manifest with `files`, bumping the version."""
    m = Manifest(
        table=table,
        version=previous_version + 1,
        written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        files=list(files),
    )
    body = {"version": m.version, "written_at": m.written_at, "files": [f.to_json() for f in m.files]}
    text = json.dumps(body, separators=(",", ":")).replace('},{"path"', '},\n{"path"')
    atomic_write_bytes(root, manifest_path(root, table), text.encode())
    return m


def list_manifest_tables(root: Path) -> list[str]:
    d = root / MANIFEST_DIR
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.json"))


def manifest_version(root: Path | str) -> str:
    """A cheap token that changes whenever any manifest is replaced (readers' cache key).

    Built from stat() plus the first bytes of each manifest, which hold its version number
    (stat alone can repeat: a freed inode is reused and mtime has jiffy granularity).
    """
    d = Path(root) / MANIFEST_DIR
    h = hashlib.blake2b(digest_size=8)
    try:
        names = sorted(os.listdir(d))
    except FileNotFoundError:
        return "empty"
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(d / name, "rb") as fh:
                st = os.fstat(fh.fileno())
                head = fh.read(32)
        except FileNotFoundError:
            continue
        h.update(f"{name}:{st.st_ino}:{st.st_mtime_ns}:{st.st_size}:".encode() + head + b";")
    return h.hexdigest()
