"""The cron path, `aemo-wh ingest`: one pass also compacts closed days and runs the alert rules."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path

import pytest

from aemo_wh.config import Settings
from aemo_wh.ingest.cli import cmd_ingest
from aemo_wh.mail import alerts
from aemo_wh.nemweb.server import NemwebServer
from aemo_wh.warehouse import Warehouse

from .test_ingest_batch import N_UNITS, SAMPLE_END, SCADA_DIR, _counts, _stamped

ARGS = argparse.Namespace(paths=[], source=["dispatch_scada"], archive=False)


@pytest.fixture()
def served(tmp_path: Path):
    folder = tmp_path / "nemweb" / SCADA_DIR
    folder.mkdir(parents=True)
    for i in range(3):  # 2025-12-27: a closed day and month
        name, data = _stamped(SAMPLE_END + dt.timedelta(minutes=5 * (i + 1)), 700_000_000 + i)
        (folder / name).write_bytes(data)
    with NemwebServer(tmp_path / "nemweb") as srv:
        yield folder, srv


def _calls(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> list[Settings]:
    calls: list[Settings] = []

    def fake(settings: Settings, *a: object, **kw: object) -> None:
        calls.append(settings)
        if fail:
            raise RuntimeError("smtp exploded")

    monkeypatch.setattr(alerts, "run_alert_rules", fake)
    return calls


def test_cli_ingest_compacts_closed_days_and_runs_alerts_after_every_pass(
    served, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, srv = served
    s = settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01})
    calls = _calls(monkeypatch)
    assert cmd_ingest(ARGS, s) == 0
    assert len(calls) == 1
    wh = Warehouse(settings.warehouse_dir)
    assert [e.level for e in wh.manifest("unit_scada").files] == ["month"]  # no interval files left
    assert _counts(settings.warehouse_dir) == (3 * N_UNITS, 3 * N_UNITS)
    assert cmd_ingest(ARGS, s) == 0  # nothing new: alerts still judge freshness; nothing compacted
    assert len(calls) == 2
    name, data = _stamped(SAMPLE_END + dt.timedelta(minutes=20), 700_000_010)
    (folder / name).write_bytes(data)  # a late file for the closed month
    assert cmd_ingest(ARGS, s) == 0
    assert len(calls) == 3
    assert [e.level for e in wh.manifest("unit_scada").files] == ["month"]
    assert _counts(settings.warehouse_dir) == (4 * N_UNITS, 4 * N_UNITS)


def test_alert_failure_is_logged_and_never_fails_the_ingest(
    served, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder, srv = served
    s = settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01})
    calls = _calls(monkeypatch, fail=True)
    with caplog.at_level(logging.ERROR, logger="aemo_wh"):
        assert cmd_ingest(ARGS, s) == 0
    assert len(calls) == 1
    assert any("alert rules after ingest failed" in r.getMessage() and "smtp exploded" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert Warehouse(settings.warehouse_dir).ledger.counts() == {"loaded": 3}


def test_busy_pass_runs_no_alerts(served, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, srv = served
    s = settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01})
    calls = _calls(monkeypatch)
    with Warehouse(settings.warehouse_dir).writer():  # another writer holds the lock
        assert cmd_ingest(ARGS, s) == 0
    assert calls == []


def test_local_paths_do_not_run_alerts(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    name, data = _stamped(SAMPLE_END, 700_000_100)
    path = tmp_path / name
    path.write_bytes(data)
    calls = _calls(monkeypatch)
    assert cmd_ingest(argparse.Namespace(paths=[path], source=None, archive=False), settings) == 0
    assert calls == [] and _counts(settings.warehouse_dir) == (N_UNITS, N_UNITS)
