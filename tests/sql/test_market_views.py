"""market_price_settings, price_status, region_demand and renewable_share (issue 14).

price_status runs on the real DispatchIS file of 2025-12-27 00:05, re-stamped to the intervals
either side of 1 July 2025 with its PRICE rows' RRP / APCFLAG edited (every other line is AEMO's).
No real MARKET_PRICE_THRESHOLDS file is at hand: the one here is built in AEMO's MMSDM format from
the MMS Data Model (MARKET_CONFIG package, table MARKET_PRICE_THRESHOLDS, version 1: EFFECTIVEDATE,
VERSIONNO, VOLL, MARKETPRICEFLOOR, ADMINISTERED_PRICE_THRESHOLD, AUTHORISEDDATE, AUTHORISEDBY,
LASTCHANGED), with values chosen to tell the landed figures from the shipped ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from aemo_wh import views

from .conftest import DISPATCHIS_ZIP, d_rows, ingest_into, zip_text

T0 = dt.datetime(2025, 12, 27, 0, 5)


def restamped_dispatch_is(tmp: Path, when: dt.datetime, prices: dict[str, tuple[float, int]]) -> Path:
    """The real DispatchIS file moved to interval `when`, PRICE rows (intervention 0) set to (rrp, apcflag)."""
    text = zip_text(DISPATCHIS_ZIP)
    text = text.replace(T0.strftime("%Y/%m/%d %H:%M:%S"), when.strftime("%Y/%m/%d %H:%M:%S"))
    header: list[str] = []
    out = []
    for line in text.splitlines():
        row = next(csv.reader([line]))
        if row[:3] == ["I", "DISPATCH", "PRICE"]:
            header = [c.lower() for c in row]
        elif row[:3] == ["D", "DISPATCH", "PRICE"] and row[header.index("intervention")] == "0":
            region = row[header.index("regionid")]
            if region in prices:
                rrp, apc = prices[region]
                row[header.index("rrp")] = repr(rrp)
                row[header.index("apcflag")] = str(apc)
                buf = io.StringIO()
                csv.writer(buf, lineterminator="").writerow(row)
                line = buf.getvalue()
        out.append(line)
    assert header, "the sample has DISPATCH,PRICE rows"
    stamp = when.strftime("%Y%m%d%H%M")
    name = re.sub(r"_\d{12}_", f"_{stamp}_", DISPATCHIS_ZIP.name)
    path = tmp / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name.replace(".zip", ".CSV"), "\r\n".join(out) + "\r\n")
    return path


def thresholds_file(tmp: Path, rows: list[tuple[str, int, float, float, float, str]]) -> Path:
    """An MMSDM monthly MARKET_PRICE_THRESHOLDS file: (effectivedate, versionno, voll, floor, cpt, lastchanged)."""
    lines = [
        "C,SETP.WORLD,DVD_MARKET_PRICE_THRESHOLDS,AEMO,PUBLIC,2026/08/04,00:15:14,0000000500000001,,0000000500000000",
        "I,MARKET_CONFIG,MARKET_PRICE_THRESHOLDS,1,EFFECTIVEDATE,VERSIONNO,VOLL,MARKETPRICEFLOOR,"
        "ADMINISTERED_PRICE_THRESHOLD,AUTHORISEDDATE,AUTHORISEDBY,LASTCHANGED",
    ]
    for eff, ver, voll, floor, cpt, changed in rows:
        lines.append(
            f'D,MARKET_CONFIG,MARKET_PRICE_THRESHOLDS,1,"{eff} 00:00:00",{ver},{voll},{floor},{cpt},'
            f'"{changed}",AEMO,"{changed}"'
        )
    lines.append(f'C,"END OF REPORT",{len(lines) + 1}')
    name = "PUBLIC_DVD_MARKET_PRICE_THRESHOLDS_202607010000"
    path = tmp / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}.CSV", "\r\n".join(lines) + "\r\n")
    return path


# Interval 00:00 on 1 July 2025 ends FY 2024-25 (cap 17,500); 00:05 is the first of 2025-26 (cap 20,300).
JUNE_30_LAST = dt.datetime(2025, 7, 1, 0, 0)
JULY_1_FIRST = dt.datetime(2025, 7, 1, 0, 5)


@pytest.fixture(scope="module")
def status_con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("status")
    files = [
        restamped_dispatch_is(tmp, JUNE_30_LAST, {
            "NSW1": (17500.0, 0), "QLD1": (450.0, 0), "SA1": (-1000.0, 0), "TAS1": (-0.01, 0), "VIC1": (600.0, 1),
        }),
        restamped_dispatch_is(tmp, JULY_1_FIRST, {
            "NSW1": (17500.0, 0), "VIC1": (20300.0, 0), "QLD1": (299.99, 0), "SA1": (0.0, 0),
        }),
    ]
    settings = ingest_into(tmp / "wh", files)
    con = views.connect(settings)
    yield con
    con.close()


def test_price_status_follows_the_settings_in_force(status_con: duckdb.DuckDBPyConnection) -> None:
    rows = status_con.execute(
        "select settlementdate, region_id, rrp, status, financial_year, market_price_cap from price_status"
    ).fetchall()
    got = {(r[0], r[1]): r[2:] for r in rows}
    assert len(rows) == 10
    assert got[(JUNE_30_LAST, "NSW1")] == (17500.0, "at cap", "2024-25", 17500.0)
    assert got[(JUNE_30_LAST, "QLD1")][1] == "high"
    assert got[(JUNE_30_LAST, "SA1")][1] == "at floor"
    assert got[(JUNE_30_LAST, "TAS1")][1] == "negative"
    assert got[(JUNE_30_LAST, "VIC1")][1] == "administered"  # APCFLAG wins over the price itself
    # one interval later the cap is 20,300: 17,500 is only 'high'
    assert got[(JULY_1_FIRST, "NSW1")] == (17500.0, "high", "2025-26", 20300.0)
    assert got[(JULY_1_FIRST, "VIC1")][1] == "at cap"
    assert got[(JULY_1_FIRST, "QLD1")][1] == "normal"
    assert got[(JULY_1_FIRST, "SA1")][1] == "normal"
    # TAS1 at 00:05 is AEMO's own price
    real = {r["regionid"]: float(r["rrp"]) for r in d_rows(DISPATCHIS_ZIP, "DISPATCH", "PRICE") if r["intervention"] == "0"}
    assert got[(JULY_1_FIRST, "TAS1")][0] == real["TAS1"]
    flags = status_con.execute(
        "select administered from region_price where settlementdate = ? and region_id = 'VIC1'", [JUNE_30_LAST]
    ).fetchall()
    assert flags == [(True,)]


def test_shipped_settings_cover_every_financial_year_since_5ms(status_con: duckdb.DuckDBPyConnection) -> None:
    rows = status_con.execute(
        "select effective_from, financial_year, market_price_cap, cumulative_price_threshold, "
        "administered_price_cap, source from market_price_settings"
    ).fetchall()
    assert [r[1] for r in rows] == ["2021-22", "2022-23", "2022-23", "2023-24", "2024-25", "2025-26"]
    assert all(r[5] == "shipped" for r in rows)
    by_date = {r[0]: r for r in rows}
    assert by_date[dt.date(2022, 12, 1)][4] == 600 and by_date[dt.date(2022, 7, 1)][4] == 300
    assert by_date[dt.date(2025, 7, 1)][2:4] == (20300, 1823600)


def test_landed_thresholds_win_over_the_shipped_table(tmp_path: Path) -> None:
    thresholds = thresholds_file(tmp_path, [
        # two versions of 2025-07-01: the newer VERSIONNO wins (its CPT edited to tell it from the shipped)
        ("2025/07/01", 1, 20000, -1000, 1800000, "2025/02/27 10:00:00"),
        ("2025/07/01", 2, 20300, -1000, 1823700, "2025/03/01 10:00:00"),
        # a year the shipped table does not reach yet
        ("2026/07/01", 1, 22800, -1000, 2047000, "2026/02/26 10:00:00"),
    ])
    later = restamped_dispatch_is(tmp_path, dt.datetime(2026, 7, 1, 0, 5), {"NSW1": (21000.0, 0)})
    settings = ingest_into(tmp_path / "wh", [thresholds, later])
    con = views.connect(settings)
    try:
        rows = {r[0]: r[1:] for r in con.execute(
            "select effective_from, financial_year, market_price_cap, market_floor_price, "
            "cumulative_price_threshold, administered_price_cap, source from market_price_settings"
        ).fetchall()}
        assert rows[dt.date(2025, 7, 1)] == ("2025-26", 20300, -1000, 1823700, 600, "aemo")
        # the landed-only year keeps the APC carried forward from the shipped table
        assert rows[dt.date(2026, 7, 1)] == ("2026-27", 22800, -1000, 2047000, 600, "aemo")
        assert rows[dt.date(2024, 7, 1)][-1] == "shipped"
        status = con.execute(
            "select status, market_price_cap from price_status where region_id = 'NSW1'"
        ).fetchall()
        assert status == [("high", 22800)]  # 21,000 is at the 2025-26 cap, below 2026-27's
    finally:
        con.close()


def test_renewable_share_recomputes_from_fuel_stack(con: duckdb.DuckDBPyConnection) -> None:
    renewable = {"Wind", "Solar", "Rooftop Solar", "Hydro", "Battery"}
    ren: dict[str, float] = defaultdict(float)
    dem: dict[str, float] = defaultdict(float)
    for region, fuel, mw in con.execute(
        "select region_id, fuel_class, mw from fuel_stack where settlementdate = ?", [T0]
    ).fetchall():
        dem[region] += mw
        ren[region] += mw if fuel in renewable else 0.0
    got = {r[0]: r[1:] for r in con.execute(
        "select region_id, renewable_mw, demand_mw, share_pct from renewable_share where settlementdate = ?", [T0]
    ).fetchall()}
    assert sorted(got) == sorted(dem) and "NEM" in got
    for region, (r_mw, d_mw, share) in got.items():
        assert r_mw == pytest.approx(ren[region])
        assert d_mw == pytest.approx(dem[region])
        assert share == pytest.approx(100 * ren[region] / dem[region])
    assert 0 < got["NEM"][2] <= 100
    nem_from_regions = sum(v[0] for k, v in got.items() if k != "NEM")
    assert got["NEM"][0] == pytest.approx(nem_from_regions)
    # the rooftop samples (2019, 2024) have no SCADA beside them: no share (it would read 100 %)
    assert con.execute("select count(*) from fuel_stack where settlementdate <> ?", [T0]).fetchall()[0][0] > 0
    assert con.execute("select count(*) from renewable_share where settlementdate <> ?", [T0]).fetchall() == [(0,)]


def test_region_demand_is_the_files_demand(con: duckdb.DuckDBPyConnection) -> None:
    expected = {
        r["regionid"]: (float(r["totaldemand"]), float(r["demand_and_nonschedgen"]))
        for r in d_rows(DISPATCHIS_ZIP, "DISPATCH", "REGIONSUM") if r["intervention"] == "0"
    }
    rows = con.execute(
        "select region_id, total_demand_mw, demand_and_nonschedgen_mw, rooftop_mw, underlying_mw "
        "from region_demand where settlementdate = ?", [T0]
    ).fetchall()
    assert {r[0]: r[1:3] for r in rows} == expected
    rooftop = dict(con.execute(
        "select region_id, mw from rooftop_5min where settlementdate = ?", [T0]).fetchall())
    for region, _total, dns, roof, underlying in rows:
        if region in rooftop:
            assert roof == rooftop[region] and underlying == pytest.approx(dns + roof)
        else:
            assert roof is None and underlying is None


def test_cumulative_price_is_the_sum_of_the_last_2016_prices(tmp_path: Path) -> None:
    """Nine simulated days (real AEMO formats, through the ordinary ingest; the simulator leaves one
    interval out, so one 7-day sum has 2,015 terms): the macro against a sum done here."""
    from aemo_wh.demo import build_demo_warehouse

    build_demo_warehouse(tmp_path, days=9, end=dt.datetime(2026, 1, 17))
    con = views.connect(tmp_path / "warehouse")
    try:
        prices = con.execute("select settlementdate, region_id, rrp from region_price").df()
        start, end = dt.datetime(2026, 1, 15), dt.datetime(2026, 1, 17)
        got = con.execute("select * from cumulative_price(?, ?) order by region_id, settlementdate",
                          [start, end]).df()
        assert got["settlementdate"].min() > start and got["settlementdate"].max() == end
        assert len(got) == len(prices[(prices["settlementdate"] > start) & (prices["settlementdate"] <= end)])
        for region in ("SA1", "NSW1"):
            mine = prices[prices["region_id"] == region]
            for t in (end, dt.datetime(2026, 1, 15, 18, 0)):
                last = mine[(mine["settlementdate"] > t - dt.timedelta(days=7)) & (mine["settlementdate"] <= t)]
                row = got[(got["region_id"] == region) & (got["settlementdate"] == t)].iloc[0]
                assert row["cumulative_price"] == pytest.approx(last["rrp"].sum())
                assert row["intervals"] == len(last) and len(last) in (2015, 2016)
                assert row["cumulative_price_threshold"] == 1823600  # FY 2025-26
                assert row["pct_of_cpt"] == pytest.approx(100 * last["rrp"].sum() / 1823600)
        # the window's first day still sums 7 days (read from before the window), not from its start
        first = got[got["region_id"] == "SA1"].iloc[0]
        assert first["intervals"] >= 2015
    finally:
        con.close()
