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
    """Records of the `aemo_wh.service` logger (independent of configure_logging's handlers)."""
    h = Collect()
    logger = logging.getLogger("aemo_wh.service")
    old = logger.level
    logger.addHandler(h)
    logger.setLevel(logging.DEBUG)
    yield h
    logger.removeHandler(h)
    logger.setLevel(old)
