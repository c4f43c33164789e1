"""Batched landing: several files per publish, one ledger transaction per batch, per-file quarantine,
and a crash between the publish and the ledger that the next run repairs without duplicates."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aemo_wh.config import Settings
from aemo_wh.ingest import run as ingest_run
from aemo_wh.nemweb.server import NemwebServer
from aemo_wh.warehouse import Warehouse
from aemo_wh.warehouse.reader import connect_raw

from .conftest import CORE, zip_bytes

ROOT = Path(__file__).resolve().parents[2]
SCADA_DIR = "Reports/Current/Dispatch_SCADA"
SCADA_CSV = (CORE / "dispatch_scada" / "sample_dispatchscada.csv").read_bytes()
SAMPLE_END = dt.datetime(2025, 12, 27, 0, 5)
N_UNITS = 493


def _stamped(end: dt.datetime, file_id: int) -> tuple[str, bytes]:
    """The real sample re-stamped to interval `end` (same 493 units and values)."""
    stamp = end.strftime("%Y/%m/%d %H:%M:%S").encode()
    data = SCADA_CSV.replace(b'"2025/12/27 00:05:00"', b'"' + stamp + b'"')
    name = f"PUBLIC_DISPATCHSCADA_{end:%Y%m%d%H%M}_{file_id:016d}"
    return f"{name}.zip", zip_bytes(f"{name}.CSV", data)


def _site(root: Path, n: int) -> list[str]:
    folder = root / SCADA_DIR
    folder.mkdir(parents=True)
    names = []
    for i in range(n):
        name, data = _stamped(SAMPLE_END + dt.timedelta(minutes=5 * (i + 1)), 900_000_000 + i)
        (folder / name).write_bytes(data)
        names.append(name)
    return names


def _counts(root: Path) -> tuple[int, int]:
    """(rows, distinct primary keys) of unit_scada."""
    con = connect_raw(root)
    try:
        return con.execute(
            "select count(*), count(distinct (settlementdate, duid)) from unit_scada"
        ).fetchall()[0]
    finally:
        con.close()


def test_bad_file_inside_a_batch_is_quarantined_and_the_rest_land_in_one_file_per_batch(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _site(tmp_path / "nemweb", 6)
    bad = names[2]
    (tmp_path / "nemweb" / SCADA_DIR / bad).write_bytes(_stamped(SAMPLE_END, 1)[1][:700])  # truncated zip
    monkeypatch.setattr(ingest_run, "BATCH_FILES", 3)
    with NemwebServer(tmp_path / "nemweb") as srv:
        s = settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01})
        report = ingest_run.run_ingest(s, sources=["dispatch_scada"])
    assert [n for n, _ in report.quarantined] == [bad]
    assert sorted(report.loaded) == sorted(n for n in names if n != bad)
    assert _counts(settings.warehouse_dir) == (5 * N_UNITS, 5 * N_UNITS)
    wh = Warehouse(settings.warehouse_dir)
    # 5 good files in batches of 3: two publishes, so two interval files (not five)
    assert len(wh.manifest("unit_scada").files) == 2
    assert wh.ledger.lookup(bad)["status"] == "quarantined"
    assert {wh.ledger.lookup(n)["status"] for n in names if n != bad} == {"loaded"}
    assert all(wh.ledger.lookup(n)["rows"] == {"unit_scada": N_UNITS} for n in names if n != bad)


def test_a_value_that_breaks_its_column_type_quarantines_only_its_file(tmp_path: Path, settings: Settings) -> None:
    """Issue 12: a text SCADAVALUE once landed a string-typed file and broke every view. Now the
    file is quarantined with the table, column, line and value; the rest of the batch lands."""
    paths = []
    for i in range(3):
        name, data = _stamped(SAMPLE_END + dt.timedelta(minutes=5 * (i + 1)), 800_000_000 + i)
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(p)
    odd_csv = (
        b"C,NEMP.WORLD,DISPATCHSCADA,AEMO,PUBLIC,2025/12/27,00:05:23,0000000495867507,DISPATCHSCADA,0000000495867507\r\n"
        b"I,DISPATCH,UNIT_SCADA,1,SETTLEMENTDATE,DUID,SCADAVALUE,LASTCHANGED\r\n"
        b'D,DISPATCH,UNIT_SCADA,1,"2025/12/27 00:15:00",BARCSF1,n/a,"2025/12/27 00:10:22"\r\n'
        b'C,"END OF REPORT",4\r\n'
    )
    paths[1].write_bytes(zip_bytes(paths[1].name.replace(".zip", ".CSV"), odd_csv))
    report = ingest_run.ingest_files(paths, settings)
    assert [n for n, _r in report.quarantined] == [paths[1].name]
    reason = report.quarantined[0][1]
    assert "unit_scada" in reason.lower() and "scadavalue" in reason and "line 3" in reason and "'n/a'" in reason
    assert sorted(report.loaded) == sorted([paths[0].name, paths[2].name])
    assert _counts(settings.warehouse_dir)[0] == 2 * N_UNITS
    wh = Warehouse(settings.warehouse_dir)
    assert [wh.ledger.lookup(p.name)["status"] for p in paths] == ["loaded", "quarantined", "loaded"]


SIGKILL_BEFORE_LEDGER = (
    "import os, signal, sys\n"
    "from aemo_wh.warehouse.writer import Writer\n"
    "Writer.record_loaded_many = lambda self, records: os.kill(os.getpid(), signal.SIGKILL)\n"
    "from aemo_wh.cli import main\n"
    "sys.exit(main(['ingest', '--source', 'dispatch_scada']))\n"
)


def test_sigkill_between_publish_and_ledger_leaves_no_duplicates(tmp_path: Path) -> None:
    names = _site(tmp_path / "nemweb", 4)
    root = tmp_path / "wh"
    with NemwebServer(tmp_path / "nemweb") as srv:
        env = dict(os.environ)
        env.update(
            AEMO_WH_NEMWEB_BASE_URL=srv.url,
            AEMO_WH_PATHS_WAREHOUSE=str(root),
            AEMO_WH_PATHS_LOGS=str(tmp_path / "logs"),
            AEMO_WH_NEMWEB_BACKOFF_S="0.01",
            AEMO_WH_CONFIG=str(tmp_path / "absent.toml"),
        )
        killed = subprocess.run(
            [sys.executable, "-c", SIGKILL_BEFORE_LEDGER], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert killed.returncode == -9, killed.stderr
        assert _counts(root) == (4 * N_UNITS, 4 * N_UNITS)  # published ...
        assert Warehouse(root).ledger.rows(status="loaded") == []  # ... but not recorded
        again = subprocess.run(
            [sys.executable, "-m", "aemo_wh.cli", "ingest", "--source", "dispatch_scada"], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
    assert _counts(root) == (4 * N_UNITS, 4 * N_UNITS)  # re-published, merged by key: no duplicates
    assert sorted(r["name"] for r in Warehouse(root).ledger.rows(status="loaded")) == sorted(names)
