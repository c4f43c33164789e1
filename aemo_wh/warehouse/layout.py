"""Where things live under the warehouse root, and the durable-write primitives.

Every published file goes: write to `_staging/`, fsync, `os.replace` to a new unique path,
fsync the directory. A path, once published, is never written again (readers open a parquet
file several times per query, so even an atomic same-path replace can mix two versions).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from pathlib import Path

STAGING = "_staging"
MANIFEST_DIR = "_manifest"
LEDGER_DIR = "_ledger"
QUARANTINE = "_quarantine"
STATE = "_state"
TRASH_FILE = "_trash.json"
LOCK_FILE = ".writer.lock"
LEVELS = ("interval", "day", "month", "ref")

_STEM_OK = re.compile(r"[^A-Za-z0-9_.#-]+")


def new_uid() -> str:
    """A short random id that makes every published path unique."""
    return uuid.uuid4().hex[:12]


def safe_stem(name: str) -> str:
    """A file-name stem from a source file name (`PUBLIC_X_2025.zip` -> `PUBLIC_X_2025`)."""
    stem = Path(name).name
    for ext in (".zip", ".ZIP", ".csv", ".CSV", ".parquet"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    stem = _STEM_OK.sub("_", stem).strip("._") or "batch"
    return stem[:120]


def interval_path(table: str, date: dt.date, stem: str) -> str:
    return f"{table}/interval/date={date.isoformat()}/{stem}-{new_uid()}.parquet"


def day_path(table: str, date: dt.date) -> str:
    return f"{table}/day/date={date.isoformat()}/c-{new_uid()}.parquet"


def month_path(table: str, month: str) -> str:
    return f"{table}/month/month={month}/c-{new_uid()}.parquet"


def ref_path(table: str) -> str:
    return f"{table}/ref/{table}-{new_uid()}.parquet"


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def staging_file(root: Path, suffix: str) -> Path:
    return root / STAGING / f"{new_uid()}{suffix}"


def atomic_write_bytes(root: Path, target: Path, data: bytes) -> None:
    """Replace `target` atomically: write a staging temp, fsync, os.replace, fsync the dir."""
    tmp = staging_file(root, ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
