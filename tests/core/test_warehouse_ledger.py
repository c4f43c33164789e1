"""Ledger rows, quarantine, status and the demo-data marker."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from aemo_wh.warehouse import Warehouse, warehouse_has_simulated_data
from aemo_wh.warehouse.synthetic import scada_table
from aemo_wh.warehouse.tables import UNIT_SCADA

T = dt.datetime(2025, 12, 27, 0, 5)


@pytest.fixture()
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh")


def test_ledger_records_loaded_and_error_rows_with_the_contract_columns(wh: Warehouse) -> None:
    assert wh.ledger.lookup("x") is None and wh.ledger.rows() == []
    with wh.writer() as w:
        w.record_loaded(
            name="PUBLIC_DISPATCHSCADA_1.zip", source="dispatch_scada", url="http://h/a.zip", size=10,
            sha256="ab" * 32, publisher="AEMO", rows={"unit_scada": 493},
        )  # fmt: skip
        w.record_error(name="PUBLIC_DISPATCHSCADA_2.zip", source="dispatch_scada", url="http://h/b.zip", error="HTTP 500")
    row = wh.ledger.lookup("PUBLIC_DISPATCHSCADA_1.zip")
    assert row is not None
    assert {k: row[k] for k in ("source", "url", "size", "sha256", "publisher", "status", "rows")} == {
        "source": "dispatch_scada", "url": "http://h/a.zip", "size": 10, "sha256": "ab" * 32,
        "publisher": "AEMO", "status": "loaded", "rows": {"unit_scada": 493},
    }  # fmt: skip
    assert dt.datetime.fromisoformat(row["loaded_at"]).tzinfo is not None
    assert wh.ledger.find_sha256("ab" * 32)["name"] == "PUBLIC_DISPATCHSCADA_1.zip"
    assert wh.ledger.find_sha256("cd" * 32) is None
    assert wh.ledger.lookup("PUBLIC_DISPATCHSCADA_2.zip")["error"] == "HTTP 500"
    assert [r["name"] for r in wh.ledger.rows(status="error")] == ["PUBLIC_DISPATCHSCADA_2.zip"]
    assert wh.ledger.counts() == {"loaded": 1, "error": 1}
    cols = [r[1] for r in sqlite3.connect(wh.root / "_ledger" / "ledger.sqlite").execute("pragma table_info(files)")]
    assert cols == ["name", "source", "url", "size", "sha256", "publisher", "rows_json", "status", "error", "loaded_at"]
    # a retried file that now loads replaces its error row
    with wh.writer() as w:
        w.record_loaded(name="PUBLIC_DISPATCHSCADA_2.zip", source="dispatch_scada", rows={"unit_scada": 1})
    assert wh.ledger.counts() == {"loaded": 2}


def test_ledger_rejects_an_unknown_status(wh: Warehouse) -> None:
    with wh.writer() as w, pytest.raises(ValueError, match="status"):
        w.ledger.record(name="x", status="done")


def test_quarantine_moves_the_file_and_records_the_reason(wh: Warehouse, tmp_path: Path, caplog) -> None:
    bad = tmp_path / "download" / "PUBLIC_DISPATCHSCADA_3.zip"
    bad.parent.mkdir()
    bad.write_bytes(b"<html>error</html>")
    again = tmp_path / "PUBLIC_DISPATCHSCADA_3.zip"
    again.write_bytes(b"truncated")
    with caplog.at_level("WARNING"), wh.writer() as w:
        w.record_loaded(name="ok.zip", source="dispatch_scada", rows={"unit_scada": 5})
        dest = w.quarantine(bad, name=bad.name, reason="not a zip (HTML page)", source="dispatch_scada")
        dest2 = w.quarantine(again, name=again.name, reason="truncated zip", source="dispatch_scada")
    assert not bad.exists() and dest.read_bytes() == b"<html>error</html>"
    assert dest.parent == wh.root / "_quarantine" and dest2 != dest and dest2.read_bytes() == b"truncated"
    row = wh.ledger.lookup(bad.name)
    assert (row["status"], row["error"], row["size"]) == ("quarantined", "truncated zip", 9)
    assert [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()][0].startswith(
        "quarantined PUBLIC_DISPATCHSCADA_3.zip: not a zip (HTML page)"
    )
    scada = next(s for s in wh.status() if s["table"] == "unit_scada")
    assert scada["quarantined_files"] == 1  # one name, quarantined twice


def test_status_reports_rows_intervals_files_and_last_ingest(wh: Warehouse) -> None:
    with wh.writer() as w:
        for i in range(3):
            end = T + dt.timedelta(minutes=5 * i)
            rows = w.publish_batch([(UNIT_SCADA, scada_table(end, 10))], f"f{i}.zip")
            w.record_loaded(name=f"f{i}.zip", source="dispatch_scada", rows=rows)
    st = {s["table"]: s for s in wh.status()}
    s = st["unit_scada"]
    assert (s["rows"], s["files"], s["first_interval"], s["last_interval"]) == (
        30, 3, "2025-12-27T00:05:00", "2025-12-27T00:15:00",
    )
    assert s["files_by_level"] == {"interval": 3} and s["last_ingest"] and s["manifest_version"] == 3
    assert st["dispatch_price"]["rows"] == 0 and st["dispatch_price"]["last_interval"] is None
    assert set(st) >= {"unit_scada", "dispatch_price", "rooftop_pv_actual", "trading_price", "duid_info"}


def test_simulated_data_marker_reads_the_publisher_only(wh: Warehouse) -> None:
    assert warehouse_has_simulated_data(wh.root) is False  # no ledger at all
    with wh.writer() as w:
        w.record_loaded(name="real.zip", source="dispatch_scada", publisher="AEMO")
        w.record_loaded(name="", source="demo", publisher="AEMO_WH_DEMO_NOT")
    assert warehouse_has_simulated_data(wh.root) is False
    with wh.writer() as w:
        w.record_loaded(name="sim.zip", source="dispatch_scada", publisher="AEMO_WH_DEMO")
    assert warehouse_has_simulated_data(wh.root) is True
    assert warehouse_has_simulated_data(str(wh.root)) is True
