"""`aemo-wh registry refresh | unknown | show` against real files and a real HTTP server."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aemo_wh import views
from aemo_wh.config import Settings
from aemo_wh.errors import AemoWhError
from aemo_wh.registry import load_duid_info
from aemo_wh.registry.cli import cmd_show, cmd_unknown, refresh_registry
from aemo_wh.registry.workbook import shipped_workbook

from .conftest import SAMPLE_FILES, ingest_into


@pytest.fixture()
def fresh(tmp_path: Path) -> Settings:
    return ingest_into(tmp_path, [p for p in SAMPLE_FILES if "DISPATCH" in p.name])


@pytest.fixture()
def aemo_site() -> Iterator[str]:
    """127.0.0.1 stand-in for aemo.com.au: the workbook, 403 for non-browser agents (as AEMO does)."""
    body = shipped_workbook().read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if "Mozilla" not in self.headers.get("User-Agent", ""):
                self.send_response(403)
                self.end_headers()
                return
            data = body if self.path.endswith(".xlsx") else b"<html>not here</html>"
            self.send_response(200 if self.path.endswith(".xlsx") else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_refresh_from_url_publishes_duid_info(fresh: Settings, aemo_site: str) -> None:
    report = refresh_registry(fresh, url=f"{aemo_site}/nem-registration-and-exemption-list.xlsx")
    assert report["duids"] == load_duid_info().height
    con = views.connect(fresh)
    files = con.execute("select getvariable('duid_info_files')").fetchall()[0][0]
    assert len(files) == 1 and "/duid_info/ref/" in files[0]
    assert con.execute("select count(*) from duid_info where not is_historical").fetchall()[0][0] == report["duids"]
    assert con.execute("select fuel_class from duid_info where duid = 'BW01'").fetchall() == [("Coal",)]
    # a second refresh replaces, never duplicates
    refresh_registry(fresh, file=shipped_workbook())
    views.refresh(con)
    assert con.execute("select count(*) filter (not is_historical), count(distinct duid) filter (not is_historical), "
                       "count(*) = count(distinct duid) from duid_info").fetchall() == [(report["duids"], report["duids"], True)]
    con.close()


def test_refresh_bad_download_keeps_the_registry(fresh: Settings, aemo_site: str, tmp_path: Path) -> None:
    refresh_registry(fresh, file=shipped_workbook())
    before = views.connect(fresh).execute("select getvariable('duid_info_files')").fetchall()[0][0]
    fast = fresh.with_overrides(nemweb={"retries": 0, "backoff_s": 0.0})
    with pytest.raises(AemoWhError):
        refresh_registry(fast, url=f"{aemo_site}/moved.html")  # 404
    html = tmp_path / "list.xlsx"
    html.write_text("<html>Access denied</html>")
    with pytest.raises(AemoWhError, match="cannot read registration workbook"):
        refresh_registry(fresh, file=html)
    after = views.connect(fresh).execute("select getvariable('duid_info_files')").fetchall()[0][0]
    assert after == before


def test_unknown_lists_scada_duids_missing_from_registry(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    (fresh.root / "duid_overrides.csv").write_text("duid,region_id,fuel_class\nRT_NSW1,NSW1,Other\n")
    assert cmd_unknown(argparse.Namespace(), fresh) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["duid", "first_seen", "last_seen", "max_mw", "intervals_seen"]
    assert "RT_VIC1 " in out and "2025-12-27 00:05:00" in out
    assert "RT_NSW1 " not in out  # classified by the overrides file
    assert "BW01" not in out


def test_overrides_apply_to_sql_at_once(fresh: Settings) -> None:
    con = views.connect(fresh)
    assert con.execute("select fuel_class from unit_generation where duid = 'BW01'").fetchall() == [("Coal",)]
    (fresh.root / "duid_overrides.csv").write_text("duid,fuel_class,station_name\nbw01,gas,Renamed\n")
    assert views.refresh(con) is True  # a new overrides file is picked up by refresh
    assert con.execute("select fuel_class, station_name from duid_info where duid = 'BW01'").fetchall() == [
        ("Gas", "Renamed")
    ]
    (fresh.root / "duid_overrides.csv").write_text("duid,fuel_class\nBW01,Hydro\n")  # an edit
    assert views.refresh(con) is True
    assert con.execute("select fuel_class from unit_generation where duid = 'BW01'").fetchall() == [("Hydro",)]
    assert views.refresh(con) is False  # nothing changed since
    con.close()


def test_show_prints_one_duid(fresh: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_show(argparse.Namespace(duid="hpr1"), fresh) == 0
    out = capsys.readouterr().out
    assert "fuel_class" in out and "Battery" in out and "bidirectional" in out
    assert cmd_show(argparse.Namespace(duid="NOPE1"), fresh) == 1
    (fresh.root / "duid_overrides.csv").write_text("duid,fuel_class\nX1,Nuclear\n")
    with pytest.raises(AemoWhError, match="not a fuel class"):
        cmd_show(argparse.Namespace(duid="HPR1"), fresh)
