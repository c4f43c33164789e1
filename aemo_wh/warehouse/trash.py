"""Superseded files wait in `_trash.json` for a grace period before deletion.

A reader may have resolved an older manifest and still be scanning its files, so a file taken
out of a manifest is deleted only after `grace_hours`. A path that is live in a manifest again
(a writer killed between writing the trash and the manifest) is never deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from aemo_wh.log import get_logger
from aemo_wh.warehouse.layout import TRASH_FILE, atomic_write_bytes

logger = get_logger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def read_trash(root: Path) -> list[dict]:
    try:
        return list(json.loads((root / TRASH_FILE).read_bytes()))
    except FileNotFoundError:
        return []


def write_trash(root: Path, items: list[dict]) -> None:
    atomic_write_bytes(root, root / TRASH_FILE, json.dumps(items, indent=0).encode())


def add_to_trash(root: Path, paths: list[str], grace_hours: float) -> None:
    """Schedule `paths` (relative to root) for deletion after the grace period."""
    if not paths:
        return
    not_before = (_now() + dt.timedelta(hours=grace_hours)).isoformat(timespec="seconds")
    items = read_trash(root)
    known = {i["path"] for i in items}
    items.extend({"path": p, "not_before": not_before} for p in paths if p not in known)
    write_trash(root, items)


def purge_trash(root: Path, live: set[str], now: dt.datetime | None = None) -> int:
    """Delete trashed files whose grace period has passed; return how many were deleted."""
    items = read_trash(root)
    if not items:
        return 0
    now = now or _now()
    keep: list[dict] = []
    deleted = 0
    for item in items:
        path = item["path"]
        if path in live:
            continue  # live again: forget it, never delete
        if dt.datetime.fromisoformat(item["not_before"]) > now:
            keep.append(item)
            continue
        target = root / path
        target.unlink(missing_ok=True)
        deleted += 1
        _remove_empty_parents(target.parent, root)
    if deleted or len(keep) != len(items):
        write_trash(root, keep)
    if deleted:
        logger.info("deleted %d superseded file(s) after the grace period", deleted)
    return deleted


def _remove_empty_parents(d: Path, root: Path) -> None:
    while d != root and root in d.parents:
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent
