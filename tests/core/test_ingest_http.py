"""`aemo-wh ingest` through the real CLI entry against a real loopback NEMWeb server."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aemo_wh.ingest.sources import SOURCES
from aemo_wh.nemweb.server import NemwebServer
from aemo_wh.warehouse import Warehouse
from aemo_wh.warehouse.reader import connect_raw

from .conftest import MIRROR, count_d_rows

ROOT = Path(__file__).resolve().parents[2]
TABLES = sorted({spec.name for src in SOURCES.values() for spec in src.tables})


def run_cli(args: list[str], base_url: str, warehouse: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        AEMO_WH_NEMWEB_BASE_URL=base_url,
        AEMO_WH_PATHS_WAREHOUSE=str(warehouse),
        AEMO_WH_PATHS_LOGS=str(tmp / "logs"),
        AEMO_WH_NEMWEB_BACKOFF_S="0.01",
        AEMO_WH_CONFIG=str(tmp / "absent.toml"),
    )
    return subprocess.run(
        [sys.executable, "-m", "aemo_wh.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def expected_rows() -> dict[str, int]:
    """Rows per warehouse table the mirror should land, counted from the files with the csv module."""
    from .conftest import CORE

    by_key: dict[tuple[str, str], int] = {}
    for sample in MIRROR:
        for (report, sub, _v), n in count_d_rows(CORE / sample).items():
            by_key[(report, sub)] = by_key.get((report, sub), 0) + n
    out = {}
    for src in SOURCES.values():
        for spec in src.tables:
            out[spec.name] = by_key.get(spec.aemo, 0)
    return out


@pytest.fixture()
def served(mirror: Path):
    with NemwebServer(mirror) as srv:
        yield srv


def test_cli_ingest_lands_every_table_and_a_second_run_lands_nothing(
    served: NemwebServer, tmp_path: Path
) -> None:
    wh_dir = tmp_path / "warehouse"
    first = run_cli(["ingest", "--archive"], served.url, wh_dir, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "13 file(s) loaded" in first.stdout

    # one listing request per folder (Current + Archive for each source)
    for src in SOURCES.values():
        assert served.requests.count("/" + src.current_dir) == 1
        assert served.requests.count("/" + src.archive_dir) == 1

    con = connect_raw(wh_dir)
    got = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
    want = expected_rows()
    want["dispatch_interconnection"] = 6 * 4  # one row per interconnector, 4 files carry INTERCONNECTION
    assert got == want
    # market_config_interconnector and market_price_thresholds come only from MMSDM monthly files
    # (backfill), never from Reports/
    monthly_only = {"market_config_interconnector", "market_price_thresholds"}
    assert all(n > 0 for t, n in got.items() if t not in monthly_only)

    # the 2025-12-27 00:05 interval: 493 DUIDs, and the prices are the file's RRP
    duids = con.execute(
        "select count(distinct duid) from unit_scada where settlementdate = ?",
        [dt.datetime(2025, 12, 27, 0, 5)],
    ).fetchall()[0][0]
    assert duids == 493
    rrp = dict(
        con.execute(
            "select regionid, rrp from dispatch_price where settlementdate = ? and intervention = 0",
            [dt.datetime(2025, 12, 27, 0, 5)],
        ).fetchall()
    )
    assert rrp == {"NSW1": 33.51273, "QLD1": 34.75, "SA1": 0.02331, "TAS1": 1.12, "VIC1": -2.69976}
    flows = con.execute(
        "select interconnectorid, from_regionid, to_regionid from dispatch_interconnection "
        "where settlementdate = ? order by 1",
        [dt.datetime(2025, 12, 27, 0, 5)],
    ).fetchall()
    assert ("VIC1-NSW1", "VIC1", "NSW1") in flows and ("V-SA", "VIC1", "SA1") in flows
    assert con.execute("select count(*) from unit_scada where _source_file is null").fetchall()[0][0] == 0
    con.close()

    versions = {t: Warehouse(wh_dir).manifest(t).version for t in TABLES}
    second = run_cli(["ingest", "--archive"], served.url, wh_dir, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "0 file(s) loaded" in second.stdout and "13 already loaded" in second.stdout
    assert {t: Warehouse(wh_dir).manifest(t).version for t in TABLES} == versions

    status = run_cli(["status", "--json"], served.url, wh_dir, tmp_path)
    assert status.returncode == 0, status.stderr
    rows = {r["table"]: r["rows"] for r in json.loads(status.stdout)}
    assert {t: rows[t] for t in TABLES} == got
    log = (tmp_path / "logs" / "aemo_wh.log").read_text()
    assert "landed PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip: unit_scada=493" in log


def test_cli_ingest_of_one_source(served: NemwebServer, tmp_path: Path) -> None:
    out = run_cli(["ingest", "--source", "trading_is"], served.url, tmp_path / "wh", tmp_path)
    assert out.returncode == 0, out.stderr
    assert "3 file(s) loaded" in out.stdout and "trading_price=15" in out.stdout
    assert served.count("Dispatch_SCADA") == 0


def test_cli_ingest_while_another_writer_holds_the_lock_says_busy_and_exits_0(
    served: NemwebServer, tmp_path: Path
) -> None:
    wh = Warehouse(tmp_path / "wh")
    with wh.writer():
        out = run_cli(["ingest"], served.url, tmp_path / "wh", tmp_path)
    assert out.returncode == 0, out.stderr
    assert "busy" in out.stdout
    assert served.requests == []  # nothing listed, nothing downloaded


def test_cli_ingest_of_local_paths_and_compact(tmp_path: Path, mirror: Path) -> None:
    files = sorted((mirror / "Reports" / "Current" / "Dispatch_SCADA").glob("*.zip"))
    out = run_cli(["ingest", *map(str, files)], "http://127.0.0.1:9", tmp_path / "wh", tmp_path)
    assert out.returncode == 0, out.stderr
    assert "unit_scada=1207" in out.stdout
    compact = run_cli(["compact"], "http://127.0.0.1:9", tmp_path / "wh", tmp_path)
    assert compact.returncode == 0, compact.stderr
    con = connect_raw(tmp_path / "wh")
    assert con.execute("select count(*) from unit_scada").fetchall()[0][0] == 1207
    con.close()


def test_unreachable_nemweb_exits_1_with_one_error_per_folder(tmp_path: Path) -> None:
    out = run_cli(["ingest", "--source", "dispatch_scada"], "http://127.0.0.1:9", tmp_path / "wh", tmp_path)
    assert out.returncode == 1
    assert "1 listing error(s)" in out.stdout
    assert "cannot list Reports/Current/Dispatch_SCADA/" in out.stderr
