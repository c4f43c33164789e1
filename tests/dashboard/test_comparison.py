"""The Comparison tab against the views (no browser), on the pinned 10-day demo warehouse (conftest
`pinned_warehouse`) ending Saturday
2026-01-17 00:00: "this week" (Mon 12 Jan -> now) is whole, "last week" (5 Jan ->) only partly in
the warehouse (it starts on the 7th), a year earlier has nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.components.periods import PRESETS, custom_period, preset_periods
from dashboard.store import Store
from dashboard.tabs.comparison import ComparisonTab, coverage_text

END = dt.datetime(2026, 1, 17)
D = dt.datetime


@pytest.fixture()
def tab(pinned_warehouse: Path) -> ComparisonTab:
    t = ComparisonTab(Store(pinned_warehouse))
    t.refresh()
    return t


def test_presets_pair_b_with_its_previous_corresponding_period() -> None:
    a, b = preset_periods(PRESETS[0], END)  # Saturday 00:00 closes Friday
    assert (b.start, b.end) == (D(2026, 1, 12), END) and (a.start, a.end) == (D(2026, 1, 5), D(2026, 1, 10))
    a, b = preset_periods(PRESETS[1], D(2026, 3, 10, 12, 30))
    assert (b.start, a.start, a.end) == (D(2026, 3, 1), D(2025, 3, 1), D(2025, 3, 10, 12, 30))
    a, b = preset_periods(PRESETS[1], D(2028, 2, 29, 12, 0))  # a leap day has no twin a year before
    assert a.end == D(2027, 2, 28, 12, 0)
    a, b = preset_periods(PRESETS[2], END)
    assert b.start - a.start == dt.timedelta(days=30) and a.end == b.start
    c = custom_period("A", dt.date(2026, 1, 9), dt.date(2026, 1, 8))  # reversed dates are put in order
    assert (c.start, c.end) == (D(2026, 1, 8), D(2026, 1, 10))
    assert coverage_text(c, 0) == "no data" and coverage_text(c, 1) == "partial (1 of 2 days)"
    assert coverage_text(c, 2) == "full"


def test_periods_side_by_side_equal_the_views(tab: ComparisonTab, pinned_con) -> None:
    tab.region.value = "SA1"
    metrics = tab.metrics.value.set_index("metric")
    for side, (start, end) in (("a", (D(2026, 1, 5), D(2026, 1, 10))), ("b", (D(2026, 1, 12), END))):
        df = pinned_con.execute(
            "select p.rrp, d.total_demand_mw as demand from region_price p join region_demand d "
            "using (settlementdate, region_id) where region_id = 'SA1' and settlementdate > ? and settlementdate <= ?",
            [start, end]).df()
        assert metrics.loc["Mean price", side] == pytest.approx(df["rrp"].mean())
        assert metrics.loc["Volume-weighted price (by demand)", side] == pytest.approx(
            (df["rrp"] * df["demand"]).sum() / df["demand"].sum())
        assert metrics.loc["Negative-price hours", side] == pytest.approx((df["rrp"] < 0).sum() / 12)
        assert metrics.loc["Price p95", side] == pytest.approx(df["rrp"].quantile(0.95))
        (share,) = pinned_con.execute(
            "select 100 * sum(renewable_mw) / sum(demand_mw) from renewable_share where region_id = 'SA1' "
            "and settlementdate > ? and settlementdate <= ?", [start, end]).fetchall()[0]
        assert metrics.loc["Renewable share", side] == pytest.approx(share)
    row = metrics.loc["Mean price"]
    assert row["diff"] == pytest.approx(row["b"] - row["a"])
    assert row["diff_pct"] == pytest.approx(100 * (row["b"] - row["a"]) / abs(row["a"]))
    assert "partial (3 of 5 days)" in tab.caption.object and "(full)" in tab.caption.object
    assert metrics.loc["Imports", "b"] > 0  # a region has imports and exports; the NEM has none


def test_nem_fuel_mix_is_the_nem_stack_and_prices_are_volume_weighted(tab: ComparisonTab, pinned_con) -> None:
    tab.region.value = "NEM"
    fuels = tab.fuels.value.set_index("fuel")
    stack = pinned_con.execute(
        "select fuel_class, sum(mw) / 12 / 1000 as gwh from fuel_stack where region_id = 'NEM' "
        "and settlementdate > ? and settlementdate <= ? group by 1", [D(2026, 1, 12), END]).df().set_index("fuel_class")
    for fuel, gwh in stack["gwh"].items():
        assert fuels.loc[fuel, "b_gwh"] == pytest.approx(gwh), fuel
    assert "Transmission" not in fuels.index
    (share,) = pinned_con.execute(
        "select 100 * sum(renewable_mw) / sum(demand_mw) from renewable_share where region_id = 'NEM' "
        "and settlementdate > ? and settlementdate <= ?", [D(2026, 1, 12), END]).fetchall()[0]
    assert tab.metrics.value.set_index("metric").loc["Renewable share", "b"] == pytest.approx(share)
    wind = pinned_con.execute(
        "select f.mw, p.rrp from fuel_stack f join region_price p using (settlementdate, region_id) "
        "where f.fuel_class = 'Wind' and f.region_id <> 'NEM' and f.settlementdate > ? and f.settlementdate <= ?",
        [D(2026, 1, 12), END]).df()
    assert fuels.loc["Wind", "b_vwap"] == pytest.approx((wind["mw"] * wind["rrp"]).sum() / wind["mw"].sum())
    generating = fuels["b_gwh"].where(fuels["b_gwh"] > 0)
    assert fuels["b_share"].sum() == pytest.approx(100)
    assert fuels.loc["Coal", "b_share"] == pytest.approx(100 * generating["Coal"] / generating.sum())


def test_evening_waterfall_sums_to_the_change_in_the_evening_total(tab: ComparisonTab, pinned_con) -> None:
    tab.region.value = "VIC1"
    tab.evening.value = (18, 21)
    data = pd.DataFrame(dict(tab.waterfall.source.data))
    fuels, net = data.iloc[:-1], data.iloc[-1]
    assert net["fuel"] == "Net change"
    assert fuels["delta"].sum() == pytest.approx(net["delta"])
    assert net["top"] == pytest.approx(fuels["top"].iloc[-1]) and net["bottom"] == 0
    assert np.allclose(fuels["top"] - fuels["bottom"], fuels["delta"])

    def evening_total(start: dt.datetime, end: dt.datetime) -> float:
        df = pinned_con.execute(
            "select settlementdate, sum(mw) as mw from fuel_stack where region_id = 'VIC1' and settlementdate > ? "
            "and settlementdate <= ? and hour(settlementdate - interval 5 minute) between 18 and 20 group by 1",
            [start, end]).df()
        return df["mw"].mean()

    expected = evening_total(D(2026, 1, 12), END) - evening_total(D(2026, 1, 5), D(2026, 1, 10))
    assert net["delta"] == pytest.approx(expected)
    assert "18:00–21:00" in tab.evening_note.object


def test_a_period_without_data_stays_empty(tab: ComparisonTab) -> None:
    tab.preset.value = PRESETS[1]  # January 2025: nothing in the warehouse
    metrics = tab.metrics.value.set_index("metric")
    assert "no data" in tab.caption.object
    assert metrics["a"].isna().all() and metrics["b"].notna().sum() > 5
    assert metrics["diff"].isna().all() and tab.fuels.value["diff_gwh"].isna().all()  # not B - 0
    assert tab.waterfall.label.visible  # "Both periods need data"


def test_regions_and_stations_modes(tab: ComparisonTab, pinned_con) -> None:
    tab.mode.value = "Regions"
    tab.regions.value = ["SA1", "VIC1"]
    table = tab.region_table.value.set_index("region_id")
    assert list(table.index) == ["SA1", "VIC1"]
    demand = pinned_con.execute(
        "select sum(total_demand_mw) / 12 / 1000 from region_demand where region_id = 'VIC1' and settlementdate > ? "
        "and settlementdate <= ?", [D(2026, 1, 12), END]).fetchall()[0][0]
    assert table.loc["VIC1", "demand_gwh"] == pytest.approx(demand)
    tab.mode.value = "Stations"
    assert len(tab.stations.value) == 2  # the two largest stations by default
    tab.search.value = "Hornsdale Powr Reserve"
    assert tab.stations.value[-1].startswith("Hornsdale Power Reserve")
    stations = tab.station_table.value
    assert len(stations) == 3 and stations["energy_mwh"].notna().all()
    labels = [tab.tod.items[k].label.value for k in ("S1", "S2", "S3")]
    assert labels == list(stations["station"])
    before = list(tab.stations.value)
    tab.search.value = "'; drop table x; --"
    assert tab.stations.value == before and "No close match" in tab.caption.object
