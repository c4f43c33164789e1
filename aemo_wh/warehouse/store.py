"""`Warehouse`: the root folder, read access (manifests, ledger, status) and the writer lock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aemo_wh.log import get_logger
from aemo_wh.warehouse.tables import TABLES
from aemo_wh.warehouse import layout
from aemo_wh.warehouse.ledger import DEMO_PUBLISHER, Ledger
from aemo_wh.warehouse.lock import WriterLock
from aemo_wh.warehouse.manifest import Manifest, list_manifest_tables, read_manifest
from aemo_wh.warehouse.trash import add_to_trash, purge_trash, read_trash
from aemo_wh.warehouse.writer import Writer

logger = get_logger(__name__)


class Warehouse:
    """The parquet warehouse under `root` (see docs/architecture.md, "Warehouse layout")."""

    def __init__(self, root: Path | str, grace_hours: float = 1.0) -> None:
        self.root = Path(root).resolve()
        self.grace_hours = grace_hours
        self.ledger = Ledger(self.root)

    def manifest(self, table_name: str) -> Manifest:
        """The table's current manifest; needs no lock."""
        return read_manifest(self.root, table_name)

    def tables(self) -> list[str]:
        """Known tables (TABLES) plus any table that has a manifest."""
        return sorted(set(TABLES) | set(list_manifest_tables(self.root)))

    @contextmanager
    def writer(self, timeout_s: float = 0.0) -> Iterator[Writer]:
        """Hold the writer lock (WarehouseBusy if another process has it) and yield a Writer.

        On entry: stray staging files are purged, files a killed writer left outside every
        manifest are scheduled for deletion, and trash past its grace period is deleted.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock = WriterLock(self.root)
        lock.acquire(timeout_s)
        try:
            self._prepare()
            w = Writer(self.root, self.ledger, self.grace_hours)
            try:
                yield w
            except BaseException:
                w.abandon()
                raise
        finally:
            self.ledger.close()
            lock.release()

    # -- writer start-up (lock held) ---------------------------------------------------------------
    def _prepare(self) -> None:
        for d in (layout.STAGING, layout.MANIFEST_DIR, layout.LEDGER_DIR, layout.QUARANTINE, layout.STATE):
            (self.root / d).mkdir(exist_ok=True)
        stray = _purge_dir(self.root / layout.STAGING)
        if stray:
            logger.info("removed %d stray staging file(s) left by an interrupted run", stray)
        live = self._live_paths()
        orphans = self._orphans(live)
        if orphans:
            logger.info("%d unpublished file(s) from an interrupted run scheduled for deletion", len(orphans))
            add_to_trash(self.root, orphans, self.grace_hours)
        purge_trash(self.root, live)
        self.ledger.ensure()

    def _live_paths(self) -> set[str]:
        return {e.path for t in self.tables() for e in read_manifest(self.root, t).files}

    def _orphans(self, live: set[str]) -> list[str]:
        trashed = {i["path"] for i in read_trash(self.root)}
        out = []
        for top in sorted(os.listdir(self.root)):
            if top.startswith(("_", ".")) or not (self.root / top).is_dir():
                continue
            for dirpath, _dirs, files in os.walk(self.root / top):
                for f in files:
                    if not f.endswith(".parquet"):
                        continue
                    rel = Path(dirpath, f).relative_to(self.root).as_posix()
                    if rel not in live and rel not in trashed:
                        out.append(rel)
        return out

    # -- status ------------------------------------------------------------------------------------
    def status(self) -> list[dict]:
        """Per table: rows, first/last interval, files (by level), last publish and ingest, quarantined."""
        by_table = self.ledger.table_summary()
        out = []
        for name in self.tables():
            m = self.manifest(name)
            mins = [e.min_ts for e in m.files if e.min_ts]
            maxs = [e.max_ts for e in m.files if e.max_ts]
            levels: dict[str, int] = {}
            for e in m.files:
                levels[e.level] = levels.get(e.level, 0) + 1
            out.append(
                {
                    "table": name,
                    "rows": m.rows,
                    "first_interval": min(mins) if mins else None,
                    "last_interval": max(maxs) if maxs else None,
                    "files": len(m.files),
                    "files_by_level": levels,
                    "manifest_version": m.version,
                    "last_publish": m.written_at or None,
                    "last_ingest": by_table.get(name, {}).get("last_ingest"),
                    "quarantined_files": by_table.get(name, {}).get("quarantined_files", 0),
                }
            )
        return out

    def has_simulated_data(self) -> bool:
        return self.ledger.has_publisher(DEMO_PUBLISHER)


def warehouse_has_simulated_data(root: Path | str) -> bool:
    """True when any landed file was written by the demo simulator (publisher AEMO_WH_DEMO)."""
    return Ledger(Path(root)).has_publisher(DEMO_PUBLISHER)


def _purge_dir(d: Path) -> int:
    n = 0
    for p in d.iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        n += 1
    return n
