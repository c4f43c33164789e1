"""Edges: trading prices before 5-minute settlement, and an interconnector id nobody knows yet."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from aemo_wh import views

from .conftest import DATA, DISPATCHIS_ZIP, SCADA_ZIP, d_rows, ingest_into, zip_text

TRADING_2019 = DATA / "edge" / "PUBLIC_TRADINGIS_201907041130_0000000309915971.zip"


def test_trading_price_fills_six_intervals_before_october_2021(tmp_path: Path) -> None:
    """A real pre-5MS TradingIS file (30-minute price ending 11:30) and no dispatch prices."""
    settings = ingest_into(tmp_path, [TRADING_2019])
    expected = {r["regionid"]: float(r["rrp"]) for r in d_rows(TRADING_2019, "TRADING", "PRICE")}
    con = views.connect(settings)
    rows = con.execute("select settlementdate, region_id, rrp, price_source from region_price order by 2, 1").fetchall()
    end = dt.datetime(2019, 7, 4, 11, 30)
    want = sorted(
        (end - dt.timedelta(minutes=5 * k), region, rrp, "trading") for region, rrp in expected.items() for k in range(6)
    )
    assert sorted(rows) == want
    con.close()


def test_unknown_interconnector_flows_through(tmp_path: Path) -> None:
    """An id in INTERCONNECTORRES that neither the file's pair rows nor the reference know
    (e.g. a newly commissioned link) still shows in interconnector_flow, with null regions, and
    region_net_flow still sums to zero."""
    text = zip_text(DISPATCHIS_ZIP)
    res_line = next(ln for ln in text.splitlines() if ln.startswith("D,DISPATCH,INTERCONNECTORRES,") and ",V-SA," in ln)
    new_line = res_line.replace(",V-SA,", ",X-NEW1,")
    name = re.sub(r"_\d{16}\.zip$", "_0000000495867597.zip", DISPATCHIS_ZIP.name)
    path = tmp_path / name
    text = text.replace(res_line, res_line + "\r\n" + new_line)
    footer = re.search(r'C,"END OF REPORT",(\d+)', text)
    assert footer is not None
    text = text.replace(footer.group(0), f'C,"END OF REPORT",{int(footer.group(1)) + 1}')  # one more line
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name.replace(".zip", ".CSV"), text)
    settings = ingest_into(tmp_path / "wh", [path])
    con = views.connect(settings)
    flows = {r[0]: r[1:] for r in con.execute(
        "select interconnector_id, from_region, to_region, metered_mw from interconnector_flow").fetchall()}
    assert flows["X-NEW1"][:2] == (None, None)
    assert flows["X-NEW1"][2] == pytest.approx(flows["V-SA"][2])
    total = con.execute("select sum(net_import_mw::decimal(18, 6)) from region_net_flow").fetchall()[0][0]
    assert total == 0
    con.close()


def test_data_quality_counts_frozen_scada_and_gaps(tmp_path: Path) -> None:
    """The real 00:05 SCADA file re-stamped for 00:05 .. 01:05 without 00:35 (12 readings, a frozen
    feed: every value repeats for an hour): one gap, and one stale run per non-zero DUID."""
    text = zip_text(SCADA_ZIP)
    files = []
    start = dt.datetime(2025, 12, 27, 0, 5)
    stamps = [start + dt.timedelta(minutes=5 * k) for k in range(13) if k != 6]  # 00:35 missing
    for t in stamps:
        name = SCADA_ZIP.name.replace("202512270005", t.strftime("%Y%m%d%H%M"))
        body = text.replace('"2025/12/27 00:05:00"', t.strftime('"%Y/%m/%d %H:%M:%S"'))
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr(name.replace(".zip", ".CSV"), body)
        files.append(tmp_path / name)
    con = views.connect(ingest_into(tmp_path / "wh", files))
    row = con.execute(
        "select first_interval, last_interval, expected_intervals, present_intervals, missing_intervals, "
        "stale_runs from data_quality where table_name = 'unit_scada'"
    ).fetchall()[0]
    nonzero = {r["duid"] for r in d_rows(SCADA_ZIP, "DISPATCH", "UNIT_SCADA") if float(r["scadavalue"]) != 0}
    assert row[:5] == (stamps[0], stamps[-1], 13, 12, 1)
    assert row[5] == len(nonzero)  # 12 identical readings in a row (the gap does not break a run)
    con.close()
