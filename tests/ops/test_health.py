"""`aemo-wh health`: exit 0 fresh, 1 stale or gaps, 2 unreadable — on warehouses written by the real writer."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from aemo_wh.cli import main
from aemo_wh.ops.health import HEALTHY, UNHEALTHY, UNREADABLE, check_health, render_text, time_tables

from .conftest import OPS_DATA

NOW = dt.datetime(2026, 6, 1, 10, 3, 0)
SCADA = "PUBLIC_DISPATCHSCADA_202109021255_0000000348376188.zip"


def _synthetic(spec, end: dt.datetime, hours: float, skip: set[dt.datetime] = frozenset()) -> pa.Table:
    """Rows for every interval of `spec` in the `hours` before `end` (interval ends on its grid)."""
    step = dt.timedelta(minutes=spec.interval_minutes)
    last = end.replace(second=0) - dt.timedelta(minutes=end.minute % spec.interval_minutes)
    ts = [last - i * step for i in range(int(hours * 60 / spec.interval_minutes))][::-1]
    ts = [t for t in ts if t not in skip]
    cols: dict[str, pa.Array] = {}
    for col in spec.primary_key:
        if col == spec.time_column:
            cols[col] = pa.array(ts, pa.timestamp("us"))
        elif col in ("intervention", "runno"):
            cols[col] = pa.array([0.0] * len(ts))
        else:
            cols[col] = pa.array(["X1"] * len(ts))
    cols["lastchanged"] = pa.array(ts, pa.timestamp("us"))
    cols["value"] = pa.array([1.0] * len(ts))
    return pa.table(cols)


def _publish(settings, batch):
    from aemo_wh.warehouse import Warehouse

    with Warehouse(settings.warehouse_dir).writer() as w:
        w.publish_batch(batch, source_file="synthetic-health-test")


@pytest.fixture()
def fresh(settings):
    """Every time table filled for the 3 h up to 5 minutes before NOW."""
    _publish(settings, [(spec, _synthetic(spec, NOW - dt.timedelta(minutes=5), 3)) for spec in time_tables()])
    return settings


def _cli(settings, monkeypatch, *args: str) -> int:
    monkeypatch.setenv("AEMO_WH_PATHS_WAREHOUSE", str(settings.warehouse_dir))
    monkeypatch.setenv("AEMO_WH_PATHS_LOGS", str(settings.path(settings.paths.logs)))
    return main(["health", *args])


def test_fresh_warehouse_is_healthy(fresh, monkeypatch, capsys):
    report = check_health(fresh, now=NOW)
    assert report.exit_code == HEALTHY, report.problem
    assert {t.table for t in report.tables} == {s.name for s in time_tables()}
    assert all(t.missing_intervals_24h == 0 and t.status == "ok" for t in report.tables)
    assert _cli(fresh, monkeypatch, "--at", NOW.isoformat(sep=" ")) == 0
    assert "HEALTHY" in capsys.readouterr().out


def test_stale_warehouse_exits_1_with_json(fresh, monkeypatch, capsys):
    later = NOW + dt.timedelta(hours=2)
    assert _cli(fresh, monkeypatch, "--json", "--at", later.isoformat(sep=" ")) == UNHEALTHY
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == 1
    by_table = {t["table"]: t for t in doc["tables"]}
    assert by_table["unit_scada"]["status"] == "stale"
    assert by_table["unit_scada"]["age_minutes"] == 128.0  # newest 09:55, checked at 12:03
    # Half-hourly rooftop gets a longer allowance than the 5-minute tables.
    assert (
        by_table["rooftop_pv_actual"]["stale_after_minutes"] > by_table["unit_scada"]["stale_after_minutes"]
    )


def test_gaps_in_the_last_24h_exit_1_and_are_listed(settings):
    hole = {NOW.replace(minute=0, second=0) - dt.timedelta(minutes=35)}
    batch = [(spec, _synthetic(spec, NOW - dt.timedelta(minutes=5), 3, skip=hole)) for spec in time_tables()]
    _publish(settings, batch)
    report = check_health(settings, now=NOW)
    assert report.exit_code == UNHEALTHY
    scada = next(t for t in report.tables if t.table == "unit_scada")
    assert scada.status == "gaps" and scada.missing_intervals_24h == 1
    assert scada.first_missing == ["2026-06-01 09:25:00"]


def test_empty_warehouse_is_unhealthy_not_broken(settings):
    settings.warehouse_dir.mkdir(parents=True)
    report = check_health(settings, now=NOW)
    assert report.exit_code == UNHEALTHY and all(t.status == "empty" for t in report.tables)


def test_one_uncollected_table_beside_fresh_ones_is_listed_not_failed(settings):
    """trading_price stays empty when no TradingIS files are collected; that alone is not unhealthy."""
    batch = [
        (spec, _synthetic(spec, NOW - dt.timedelta(minutes=5), 3))
        for spec in time_tables()
        if spec.name != "trading_price"
    ]
    _publish(settings, batch)
    report = check_health(settings, now=NOW)
    trading = next(t for t in report.tables if t.table == "trading_price")
    assert trading.status == "empty"
    assert report.exit_code == HEALTHY, report.problem


def test_missing_warehouse_exits_2(settings, monkeypatch, capsys):
    assert _cli(settings, monkeypatch) == UNREADABLE
    assert "UNREADABLE" in capsys.readouterr().out


def test_corrupt_manifest_exits_2(fresh, monkeypatch, capsys):
    manifest = fresh.warehouse_dir / "_manifest" / "unit_scada.json"
    manifest.write_text('{"version": 3, "files": [')  # torn write of a broken disk
    assert _cli(fresh, monkeypatch, "--json") == UNREADABLE
    assert json.loads(capsys.readouterr().out)["exit_code"] == 2


def test_deleted_parquet_exits_2(fresh):
    for part in (fresh.warehouse_dir / "unit_scada").rglob("*.parquet"):
        part.unlink()
    assert check_health(fresh, now=NOW).exit_code == UNREADABLE


def test_real_scada_file_and_quarantine_are_reported(settings, tmp_path):
    from aemo_wh.ingest.run import ingest_files

    bad = tmp_path / "PUBLIC_DISPATCHSCADA_202109021300_0000000348376999.zip"
    bad.write_bytes(b"<html>maintenance</html>")
    good = tmp_path / SCADA
    shutil.copyfile(OPS_DATA / SCADA, good)
    ingest_files([good, bad], settings)
    report = check_health(settings, now=dt.datetime(2021, 9, 2, 13, 1), tables=["unit_scada"])
    assert report.exit_code == HEALTHY, report.problem
    (scada,) = report.tables
    assert scada.newest_interval == "2021-09-02 12:55:00" and scada.age_minutes == 6.0
    assert report.quarantined_files == 1
    assert report.last_error["file"] == bad.name and report.last_error["status"] == "quarantined"
    assert scada.source == "dispatch_scada" and scada.quarantined_files == 1
    assert scada.last_error["file"] == bad.name


def test_health_shows_the_newest_days_energy_balance_per_region(tmp_path: Path) -> None:
    """Issue 13: a mapping error is visible without SQL (view balance_quality, newest day)."""
    from aemo_wh.config import Settings
    from aemo_wh.ingest.run import ingest_files

    core = Path(__file__).resolve().parents[1] / "data" / "core"
    settings = Settings(root=tmp_path).with_overrides(paths={"warehouse": tmp_path / "wh", "logs": tmp_path / "logs"})
    ingest_files([core / "dispatch_scada" / "sample_dispatchscada.csv", core / "dispatchis" / "sample_dispatchis.csv"],
                 settings)  # fmt: skip
    report = check_health(settings, now=dt.datetime(2025, 12, 27, 0, 10))
    by_region = {b["region_id"]: b for b in report.balance}
    assert sorted(by_region) == ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"]
    assert all(abs(b["mean_residual_pct"]) <= 3.5 and b["intervals"] == 1 for b in by_region.values())
    text = render_text(report)
    assert "energy balance, newest day" in text and "far from 0" not in text
    # a mapping error: the user's overrides put Bayswater (all its running units) in QLD
    rows = [line.split(",") for line in (core / "dispatch_scada" / "sample_dispatchscada.csv").read_text().splitlines()
            if line.startswith("D,")]  # fmt: skip
    bayswater = {r[5]: float(r[6]) for r in rows if r[5].startswith("BW0") and float(r[6]) > 0}
    assert sum(bayswater.values()) > 900  # ~15 % of NSW demand that night
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("duid,region_id\n" + "".join(f"{d},QLD1\n" for d in bayswater))
    moved = check_health(settings.with_overrides(paths={"overrides": overrides}), now=dt.datetime(2025, 12, 27, 0, 10))
    nsw = next(b for b in moved.balance if b["region_id"] == "NSW1")
    assert nsw["mean_residual_pct"] < -5
    assert "NSW1" in render_text(moved) and "far from 0" in render_text(moved)
