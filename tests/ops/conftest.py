"""Fixtures for the operations tests: a fake NEM clock and a log collector."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

OPS_DATA = Path(__file__).resolve().parent.parent / "data" / "ops"


class FakeClock:
    """NEM time that only moves when the service waits (or the test says so)."""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def now(self) -> dt.datetime:
        return self.t

    def wait(self, seconds: float, stop: threading.Event) -> None:
        self.t += dt.timedelta(seconds=max(seconds, 0.001))


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture()
def service_log() -> Iterator[Collect]:
    """Records of the `aemo_wh.ops.service` logger (independent of configure_logging's handlers)."""
    h = Collect()
    logger = logging.getLogger("aemo_wh.ops.service")
    old = logger.level
    logger.addHandler(h)
    logger.setLevel(logging.DEBUG)
    yield h
    logger.removeHandler(h)
    logger.setLevel(old)


ARCHIVE_BUNDLE = "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240314.zip"
MONTHLY_OLD = "PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip"
MONTHLY_NEW = "PUBLIC_ARCHIVE#ROOFTOP_PV_ACTUAL#FILE01#201912010000.zip"


def build_tree(root: Path, monthly_name: str = MONTHLY_OLD) -> Path:
    """A NEMWeb-shaped folder: the rooftop Archive bundle, the Dec 2019 monthly rooftop file under
    `monthly_name`, and the DAYTRACK pair (both namings) that backfill must ignore."""
    import shutil

    from aemo_wh.ingest.backfill import mmsdm_dir

    arch = root / "Reports/Archive/ROOFTOP_PV/ACTUAL"
    arch.mkdir(parents=True)
    shutil.copyfile(OPS_DATA / ARCHIVE_BUNDLE, arch / ARCHIVE_BUNDLE)
    (root / "Reports/Current/ROOFTOP_PV/ACTUAL").mkdir(parents=True)
    dec = root / mmsdm_dir(dt.date(2019, 12, 1))
    dec.mkdir(parents=True)
    shutil.copyfile(OPS_DATA / MONTHLY_OLD, dec / monthly_name)
    for name, month in (
        ("PUBLIC_DVD_DAYTRACK_202407010000.zip", dt.date(2024, 7, 1)),
        ("PUBLIC_ARCHIVE#DAYTRACK#FILE01#202409010000.zip", dt.date(2024, 9, 1)),
    ):
        d = root / mmsdm_dir(month)
        d.mkdir(parents=True)
        shutil.copyfile(OPS_DATA / name, d / name)
    return root


@pytest.fixture()
def nemweb(tmp_path: Path):
    """The tree above served on 127.0.0.1 (real HTTP, 2026 IIS listings)."""
    from aemo_wh.nemweb.server import NemwebServer

    tree = build_tree(tmp_path / "nemweb")
    with NemwebServer(tree) as srv:
        yield srv
