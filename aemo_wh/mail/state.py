"""Small durable state under `warehouse/_state/`: atomic JSON/bytes writes, file locks, alert state.

Every write is temp file + fsync + `os.replace` + directory fsync, so a crash leaves either
the old or the new file, never a torn one. A restart therefore neither re-sends nor forgets.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.log import get_logger
from aemo_wh.warehouse.layout import fsync_dir

logger = get_logger(__name__)

ALERT_STATE_FILE = "alerts.json"
ALERT_STATE_VERSION = 1


def state_dir(settings: Settings) -> Path:
    """`warehouse/_state/`, created on demand."""
    d = settings.warehouse_dir / "_state"
    d.mkdir(parents=True, exist_ok=True)
    return d


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically (temp + fsync + os.replace + dir fsync).

    The temp file sits beside the target, not in `warehouse/_staging/`: state writers do not hold
    the writer lock, and every writer start purges `_staging/`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Atomically write `obj` as pretty JSON."""
    write_bytes_atomic(path, (json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n").encode())


def read_json(path: Path, default: Any) -> Any:
    """Read JSON; a missing file gives `default`, a corrupt one is set aside and gives `default`."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        bad = path.with_name(path.name + ".corrupt")
        os.replace(path, bad)
        logger.error("state file %s was unreadable (%s); moved to %s and starting afresh", path, exc, bad)
        return default


@contextlib.contextmanager
def file_lock(path: Path, blocking: bool = True) -> Iterator[bool]:
    """An exclusive flock on `path`; yields False (without waiting) when busy and not blocking."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh.fileno(), flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def load_alert_state(settings: Settings) -> dict[str, Any]:
    """The alert state: {"unknown_duids": {...}, "price": {...}, "freshness": {...}, "cpt": {...}}."""
    state = read_json(state_dir(settings) / ALERT_STATE_FILE, {})
    state.setdefault("version", ALERT_STATE_VERSION)
    state.setdefault("unknown_duids", {})
    state.setdefault("price", {"last_interval": None, "active": {}})
    state.setdefault("freshness", {"stale": False})
    state.setdefault("cpt", {"active": {}})
    return state


def save_alert_state(settings: Settings, state: dict[str, Any]) -> None:
    """Persist the alert state atomically."""
    write_json_atomic(state_dir(settings) / ALERT_STATE_FILE, state)
