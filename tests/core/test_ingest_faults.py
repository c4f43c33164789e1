"""Faults during an ingest pass: each bad file is handled and every other file still lands."""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from pathlib import Path

import pytest

from aemo_wh.config import Settings
from aemo_wh.ingest import run as ingest_run
from aemo_wh.ingest.run import ingest_files
from aemo_wh.nemweb.server import NemwebServer
from aemo_wh.warehouse import Warehouse
from aemo_wh.warehouse.reader import connect_raw

from .conftest import CORE, MIRROR, build_mirror, zip_bytes

SCADA_DIR = "Reports/Current/Dispatch_SCADA"
GOOD = "PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip"
SCADA_CSV = (CORE / "dispatch_scada" / "sample_dispatchscada.csv").read_bytes()
ONLY_SCADA = {k: v for k, v in MIRROR.items() if "Dispatch_SCADA" in v[0]}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture()
def log_lines():
    handler = _Lines()
    logger = logging.getLogger("aemo_wh")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(old)


@pytest.fixture()
def site(tmp_path: Path):
    root = tmp_path / "nemweb"
    build_mirror(root, ONLY_SCADA)
    with NemwebServer(root) as srv:
        yield root / SCADA_DIR, srv


def _settings(settings: Settings, srv: NemwebServer, **nemweb: object) -> Settings:
    return settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01, **nemweb})


def run_ingest(settings: Settings):  # noqa: ANN201 - the site only serves Dispatch_SCADA
    return ingest_run.run_ingest(settings, sources=["dispatch_scada"])


def _scada_rows(settings: Settings) -> int:
    con = connect_raw(settings.warehouse_dir)
    try:
        return con.execute("select count(*) from unit_scada").fetchall()[0][0]
    finally:
        con.close()


def _status(settings: Settings, name: str) -> str | None:
    row = Warehouse(settings.warehouse_dir).ledger.lookup(name)
    return None if row is None else row["status"]


def test_500_then_200_lands_in_the_same_run(site, settings: Settings) -> None:
    folder, srv = site
    srv.add_fault(GOOD, status=500, times=1)
    report = run_ingest(_settings(settings, srv))
    assert GOOD in report.loaded and report.retry_later == []
    assert srv.count(GOOD) == 2
    assert _scada_rows(settings) == 324 + 390 + 493


def test_persistent_500_is_retried_next_run(site, settings: Settings) -> None:
    folder, srv = site
    srv.add_fault(GOOD, status=500, times=-1)
    s = _settings(settings, srv, retries=1)
    first = run_ingest(s)
    assert [n for n, _ in first.retry_later] == [GOOD]
    assert len(first.loaded) == 2  # the other files land
    assert _status(settings, GOOD) == "error"
    srv.clear_faults()
    second = run_ingest(s)
    assert second.loaded == [GOOD]
    assert _scada_rows(settings) == 324 + 390 + 493


def test_listed_file_that_404s_is_retried_next_run_not_quarantined(site, settings: Settings) -> None:
    folder, srv = site
    srv.add_fault(GOOD, status=404, times=1)
    s = _settings(settings, srv)
    first = run_ingest(s)
    assert [n for n, _ in first.retry_later] == [GOOD] and first.quarantined == []
    assert srv.count(GOOD) == 1  # a 404 is not retried within the run
    assert not (settings.warehouse_dir / "_quarantine" / GOOD).exists()
    assert run_ingest(s).loaded == [GOOD]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            zip_bytes("PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.CSV", SCADA_CSV)[:900],
            "truncated or corrupt zip",
        ),
        (b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>", "HTML page"),
        (b"", "empty file"),
        (
            zip_bytes(
                "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.CSV",
                SCADA_CSV.replace(b"BARCSF1,0.20,", b"BARCSF1,0.20,1,2,"),
            ),
            "DISPATCH,UNIT_SCADA,1",
        ),
    ],
    ids=["truncated-zip", "html-as-zip", "empty-body", "unparseable-row"],
)
def test_bad_file_is_quarantined_with_one_log_line_and_others_land(
    site, settings: Settings, log_lines: list[str], body: bytes, reason: str
) -> None:
    folder, srv = site
    bad = "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.zip"
    (folder / bad).write_bytes(body)
    s = _settings(settings, srv)
    report = run_ingest(s)
    assert [n for n, _ in report.quarantined] == [bad]
    assert reason in report.quarantined[0][1]
    assert len(report.loaded) == 3
    assert _scada_rows(settings) == 324 + 390 + 493
    assert (settings.warehouse_dir / "_quarantine" / bad).read_bytes() == body
    row = Warehouse(settings.warehouse_dir).ledger.lookup(bad)
    assert row["status"] == "quarantined" and reason in row["error"]
    mentions = [line for line in log_lines if bad in line and "quarantined" in line]
    assert len(mentions) == 1 and reason in mentions[0]
    again = run_ingest(s)  # not retried: the file is known bad
    assert again.loaded == [] and again.quarantined == [] and srv.count(bad) == 1


def test_html_error_page_served_instead_of_the_zip_is_retried(site, settings: Settings) -> None:
    """A 200 with an HTML body whose size differs from the listing: a failed download, not a bad file."""
    folder, srv = site
    srv.add_fault(GOOD, status=200, times=1, body=b"<html><body>Service Unavailable</body></html>")
    s = _settings(settings, srv, retries=0)
    first = run_ingest(s)
    assert [n for n, _ in first.retry_later] == [GOOD] and first.quarantined == []
    assert run_ingest(s).loaded == [GOOD]


def test_csv_with_an_extra_unknown_column_lands_with_the_column(site, settings: Settings) -> None:
    folder, srv = site
    lines = []
    for line in SCADA_CSV.split(b"\r\n"):
        if line.startswith(b"I,DISPATCH,UNIT_SCADA"):
            line += b",NEW_FLAG"
        elif line.startswith(b"D,DISPATCH,UNIT_SCADA"):
            line = line.replace(b'"2025/12/27 00:05:00"', b'"2025/12/27 00:10:00"') + b",1"
        lines.append(line)
    name = "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.zip"
    (folder / name).write_bytes(zip_bytes(name.replace(".zip", ".CSV"), b"\r\n".join(lines)))
    report = run_ingest(_settings(settings, srv))
    assert name in report.loaded and report.rows["unit_scada"] == 324 + 390 + 493 + 493
    con = connect_raw(settings.warehouse_dir)
    flags = con.execute("select count(*), count(new_flag) from unit_scada").fetchall()[0]
    con.close()
    assert flags == (324 + 390 + 493 + 493, 493)


def test_empty_table_loads_with_no_rows(site, settings: Settings) -> None:
    folder, srv = site
    head, i_row = SCADA_CSV.split(b"\r\n")[:2]
    name = "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.zip"
    csv_bytes = b"\r\n".join([head, i_row, b'C,"END OF REPORT",3', b""])
    (folder / name).write_bytes(zip_bytes(name.replace(".zip", ".CSV"), csv_bytes))
    report = run_ingest(_settings(settings, srv))
    assert name in report.loaded and report.quarantined == []
    assert _status(settings, name) == "loaded"
    assert _scada_rows(settings) == 324 + 390 + 493


def test_same_bytes_under_another_name_are_a_no_op(site, settings: Settings) -> None:
    folder, srv = site
    s = _settings(settings, srv)
    run_ingest(s)
    version = Warehouse(settings.warehouse_dir).manifest("unit_scada").version
    twin = "PUBLIC_DISPATCHSCADA_202512270005_0000000495867999.zip"
    (folder / twin).write_bytes((folder / GOOD).read_bytes())
    report = run_ingest(s)
    assert report.duplicates == [twin] and report.loaded == []
    assert Warehouse(settings.warehouse_dir).manifest("unit_scada").version == version
    assert _status(settings, twin) == "loaded"


def test_republished_file_replaces_rows_by_primary_key(site, settings: Settings) -> None:
    folder, srv = site
    s = _settings(settings, srv)
    run_ingest(s)
    newer = SCADA_CSV.replace(b'BARCSF1,0.20,"2025/12/27 00:00:22"', b'BARCSF1,5.5,"2025/12/27 00:03:00"')
    assert newer != SCADA_CSV
    name = "PUBLIC_DISPATCHSCADA_202512270005_0000000495867700.zip"
    (folder / name).write_bytes(zip_bytes(name.replace(".zip", ".CSV"), newer))
    run_ingest(s)
    con = connect_raw(settings.warehouse_dir)
    got = con.execute(
        "select count(*), max(scadavalue) filter (where duid = 'BARCSF1' and settlementdate = ?) from unit_scada",
        [dt.datetime(2025, 12, 27, 0, 5)],
    ).fetchall()[0]
    con.close()
    assert got == (324 + 390 + 493, 5.5)


def test_max_files_per_run_caps_downloads(site, settings: Settings) -> None:
    folder, srv = site
    s = _settings(settings, srv, max_files_per_run=2)
    assert len(run_ingest(s).loaded) == 2
    assert len(run_ingest(s).loaded) == 1
    assert run_ingest(s).loaded == []


def test_ingest_files_finds_the_source_from_the_tables_of_a_monthly_file(settings: Settings) -> None:
    path = CORE / "rooftop_pv" / "PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip"
    report = ingest_files([path], settings)
    assert report.rows == {"rooftop_pv_actual": 30720}
    assert Warehouse(settings.warehouse_dir).ledger.lookup(path.name)["source"] == "rooftop_pv"
    assert path.exists()  # local files are copied, never moved
    assert ingest_files([path], settings).loaded == []


def test_streamed_large_file_lands_the_same_rows(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_run, "LARGE_FILE_BYTES", 1000)
    monkeypatch.setattr(ingest_run, "CHUNK_BYTES", 200_000)
    path = CORE / "rooftop_pv" / "PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip"
    report = ingest_files([path], settings)
    assert report.rows == {"rooftop_pv_actual": 30720}
    con = connect_raw(settings.warehouse_dir)
    n, types = con.execute("select count(*), count(distinct type) from rooftop_pv_actual").fetchall()[0]
    con.close()
    assert (n, types) == (30720, 2)  # MEASUREMENT and SATELLITE, no key collapsed


def test_truncated_large_file_is_rejected_before_any_chunk_lands(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ingest_run, "LARGE_FILE_BYTES", 1000)
    monkeypatch.setattr(ingest_run, "CHUNK_BYTES", 100_000)
    cut = tmp_path / "PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.CSV"
    with zipfile.ZipFile(CORE / "rooftop_pv" / "PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip") as zf:
        data = zf.read(zf.infolist()[0])
    rows = data.split(b"\r\n")
    cut.write_bytes(b"\r\n".join(rows[:20000] + rows[-2:]))  # rows lost, footer kept
    report = ingest_files([cut], settings)
    assert [n for n, _ in report.quarantined] == [cut.name]
    assert "footer says 30723 lines" in report.quarantined[0][1]
    assert cut.exists()  # the caller's file stays; a copy is quarantined
    assert (settings.warehouse_dir / "_quarantine" / cut.name).exists()
    con = connect_raw(settings.warehouse_dir)
    assert con.execute("select count(*) from rooftop_pv_actual").fetchall()[0][0] == 0
    con.close()
