"""The Price Analysis tab against the views (no browser): the pinned 10-day demo warehouse ending
2026-01-17 00:00 (conftest `pinned_warehouse`; the 7-day window has a previous period of 3 days), and the real DispatchIS interval with
its prices edited to administered / at-cap (tests/sql/test_market_views.py) for the status marks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.store import Store
from dashboard.tabs.prices import PricesTab, band_labels, moving_average, parse_edges

END = dt.datetime(2026, 1, 17)
START = END - dt.timedelta(days=7)


@pytest.fixture(scope="module")
def tab(pinned_warehouse: Path) -> PricesTab:
    t = PricesTab(Store(pinned_warehouse))
    t.refresh()
    return t


@pytest.fixture(scope="module")
def prices(pinned_con) -> pd.DataFrame:
    return pinned_con.execute("select settlementdate, region_id, rrp from region_price").df()


def in_window(df: pd.DataFrame, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return df[(df["settlementdate"] > start) & (df["settlementdate"] <= end)]


def test_edges_and_labels() -> None:
    assert parse_edges("300, -100; 0, 300") == [-100.0, 0.0, 300.0]
    assert parse_edges("0, abc") is None and parse_edges("") is None
    assert band_labels([-100.0, 0.0, 300.0]) == ["< -$100", "-$100 – $0", "$0 – $300", "≥ $300"]
    wide = pd.DataFrame({"SA1": [1.0, 3.0, np.nan, 5.0, 7.0]})
    smoothed = moving_average(wide, 2)["SA1"].tolist()
    assert smoothed[:2] == [1.0, 2.0] and np.isnan(smoothed[2]) and smoothed[3:] == [5.0, 6.0]  # the gap is no term


def test_statistics_for_the_window_and_the_period_before(tab: PricesTab, prices: pd.DataFrame) -> None:
    stats = tab.stats.value.set_index(["region_id", "period"])
    for period, (start, end) in (("this window", (START, END)), ("previous period", (START - (END - START), START))):
        sa = in_window(prices[prices["region_id"] == "SA1"], start, end)["rrp"]
        row = stats.loc[("SA1", period)]
        assert row["mean_rrp"] == pytest.approx(sa.mean()) and row["median_rrp"] == pytest.approx(sa.median())
        assert row["std_rrp"] == pytest.approx(sa.std()) and row["intervals"] == len(sa)
        assert row["negative_pct"] == pytest.approx(100 * (sa < 0).mean())
        assert row["above_300_pct"] == pytest.approx(100 * (sa >= 300).mean())


def test_bands_sum_to_100_and_revenue_ties_to_unit_revenue(tab: PricesTab, pinned_con,
                                                           prices: pd.DataFrame) -> None:
    import io

    table = tab.band_table.value
    downloaded = pd.read_csv(io.StringIO(tab.download_bands.callback().getvalue()))
    assert len(downloaded) == len(table) and set(downloaded.columns) == set(table.columns)
    for region, rows in table.groupby("region_id"):
        assert rows["intervals_pct"].sum() == pytest.approx(100), region
        assert rows["revenue_pct"].sum() == pytest.approx(100), region
    # the $100 - $300 band of VIC1 by hand: its share of intervals, and of the generators' revenue
    vic = in_window(prices[prices["region_id"] == "VIC1"], START, END)
    in_band = vic[(vic["rrp"] >= 100) & (vic["rrp"] < 300)]
    row = table[(table["region_id"] == "VIC1") & (table["band"] == "$100 – $300")].iloc[0]
    assert row["intervals_pct"] == pytest.approx(100 * len(in_band) / len(vic))
    revenue = pinned_con.execute(
        "select settlementdate, sum(revenue_aud) as revenue from unit_revenue where region_id = 'VIC1' "
        "and mw > 0 and settlementdate > ? and settlementdate <= ? group by 1", [START, END]).df()
    band_revenue = revenue[revenue["settlementdate"].isin(in_band["settlementdate"])]["revenue"].sum()
    assert row["revenue_pct"] == pytest.approx(100 * band_revenue / revenue["revenue"].sum())


def test_high_price_events_are_runs_of_consecutive_intervals(tab: PricesTab, prices: pd.DataFrame) -> None:
    tab.threshold.value = 150.0
    events = tab.events.value
    window = in_window(prices, START, END)
    for region in ("NSW1", "TAS1"):
        high = window[(window["region_id"] == region) & (window["rrp"] >= 150)].sort_values("settlementdate")
        runs = (high["settlementdate"].diff() != pd.Timedelta(minutes=5)).cumsum()
        expected = high.groupby(runs).agg(end=("settlementdate", "max"), n=("rrp", "size"), peak=("rrp", "max"))
        got = events[events["region_id"] == region].sort_values("end")
        assert len(got) == len(expected) > 0, region
        assert list(got["minutes"]) == list(expected.sort_values("end")["n"] * 5)
        assert list(got["peak_rrp"]) == pytest.approx(list(expected.sort_values("end")["peak"]))
        first = got.iloc[0]
        assert first["start"] == first["end"] - pd.Timedelta(minutes=int(first["minutes"]))
    tab.threshold.value = 300.0


def test_cumulative_price_now_and_time_of_day(tab: PricesTab, prices: pd.DataFrame) -> None:
    status = tab.status_table.value.set_index("region_id")
    last7 = in_window(prices[prices["region_id"] == "QLD1"], END - dt.timedelta(days=7), END)["rrp"].sum()
    assert status.loc["QLD1", "cpt_pct"] == pytest.approx(100 * last7 / 1823600)
    counts = status.drop(columns="cpt_pct").sum(axis=1)
    assert counts["QLD1"] == len(in_window(prices[prices["region_id"] == "QLD1"], START, END))
    tab.tod_region.value = "SA1"
    data = tab.tod.source.data
    x = pd.to_datetime(data[tab.tod.x])
    mean = data[tab.tod.safe["Mean"]]
    sa = in_window(prices[prices["region_id"] == "SA1"], START, END)
    start_of = sa["settlementdate"] - pd.Timedelta(minutes=5)
    slot = start_of.dt.floor("30min").dt.strftime("%H:%M")
    expected = sa.groupby(slot)["rrp"].mean()
    got = dict(zip(x.strftime("%H:%M"), mean, strict=True))
    assert got["18:00"] == pytest.approx(expected["18:00"]) and got["03:30"] == pytest.approx(expected["03:30"])
    assert tab.tod.renderers["Previous mean"].visible


def test_status_marks_on_the_price_chart(tmp_path: Path) -> None:
    from tests.sql.conftest import ingest_into
    from tests.sql.test_market_views import JULY_1_FIRST, JUNE_30_LAST, restamped_dispatch_is

    files = [
        restamped_dispatch_is(tmp_path, JUNE_30_LAST, {"NSW1": (17500.0, 0), "VIC1": (600.0, 1)}),
        restamped_dispatch_is(tmp_path, JULY_1_FIRST, {"SA1": (-1000.0, 0)}),
    ]
    settings = ingest_into(tmp_path / "wh", files)
    tab = PricesTab(Store(settings.warehouse_dir))
    tab.refresh()
    marks = sorted(zip(tab.status_points.data["region_id"], tab.status_points.data["status"], strict=True))
    assert marks == [("NSW1", "at cap"), ("SA1", "at floor"), ("VIC1", "administered")]
    counts = tab.status_table.value.set_index("region_id")
    assert counts.loc["VIC1", "administered"] == 1 and counts.loc["NSW1", "at cap"] == 1
