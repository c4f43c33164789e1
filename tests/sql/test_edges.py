"""Edges: trading prices before 5-minute settlement, and an interconnector id nobody knows yet."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from aemo_wh import views

from .conftest import DATA, DISPATCHIS_ZIP, d_rows, ingest_into, zip_text

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
