"""The Today tab's figures against the views (no browser), on the pinned 10-day demo warehouse
(conftest `pinned_warehouse`, ending 2026-01-17 00:00): "today" is the whole of 16 January, with
nine days of history before it."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from dashboard.components.flows import NODES, arrows
from dashboard.store import Store
from dashboard.tabs.today import RENEWABLE_FUELS, TodayTab, day_start, record_rows

END = dt.datetime(2026, 1, 17)
DAY = dt.datetime(2026, 1, 16)


@pytest.fixture(scope="module")
def tab(pinned_warehouse: Path) -> TodayTab:
    t = TodayTab(Store(pinned_warehouse))
    t.refresh()
    return t


def shares_from_fuel_stack(con, where: str, params: list) -> pd.DataFrame:
    """Renewable share per interval and area, recomputed from fuel_stack rows (SCADA-less intervals out)."""
    df = con.execute(f"select settlementdate, region_id, fuel_class, mw from fuel_stack where {where}", params).df()
    df["renewable"] = df["mw"].where(df["fuel_class"].isin(RENEWABLE_FUELS), 0.0)
    df["scada"] = ~df["fuel_class"].isin(["Rooftop Solar", "Transmission"])
    g = df.groupby(["settlementdate", "region_id"]).agg(renewable=("renewable", "sum"), demand=("mw", "sum"),
                                                        scada=("scada", "any"))
    g = g[g["scada"]]
    return (100 * g["renewable"] / g["demand"]).rename("share").reset_index()


def test_today_is_the_nem_day_of_the_newest_interval() -> None:
    assert day_start(dt.datetime(2026, 1, 17, 0, 0)) == DAY  # the interval ending midnight closes the 16th
    assert day_start(dt.datetime(2026, 1, 17, 0, 5)) == END


def test_cards_show_the_newest_price_and_its_status(tab: TodayTab, pinned_con) -> None:
    rows = pinned_con.execute("select region_id, rrp, status from price_status where settlementdate = ?", [END]).fetchall()
    assert len(rows) == 5
    for region, rrp, status in rows:
        html = tab.cards.panes[region].object
        assert f"${abs(rrp):,.2f}" in html and f'data-status="{status}"' in html


def test_renewable_share_now_and_records_recompute_from_fuel_stack(tab: TodayTab, pinned_con) -> None:
    table = tab.share_table.value.set_index("region_id")
    now = shares_from_fuel_stack(pinned_con, "settlementdate = ?", [END]).set_index("region_id")["share"]
    history = shares_from_fuel_stack(pinned_con, "settlementdate <= ?", [DAY])
    record = history.groupby("region_id")["share"].max()
    today = shares_from_fuel_stack(pinned_con, "settlementdate > ? and settlementdate <= ?", [DAY, END])
    for area in ("NEM", "NSW1", "QLD1", "SA1", "TAS1", "VIC1"):
        assert table.loc[area, "share_pct"] == pytest.approx(now[area])
        assert table.loc[area, "record_pct"] == pytest.approx(record[area])
        assert table.loc[area, "today_high_pct"] == pytest.approx(today[today["region_id"] == area]["share"].max())
    assert 0 < table.loc["NEM", "share_pct"] <= 100
    # the hour-of-day record is the best share in the same hour (by interval start) before today
    hour = (END - dt.timedelta(minutes=5)).hour
    same_hour = history[(history["settlementdate"] - pd.Timedelta(minutes=5)).dt.hour == hour]
    assert table.loc["NEM", "hour_record_pct"] == pytest.approx(
        same_hour[same_hour["region_id"] == "NEM"]["share"].max())
    # the gauges show the same figures
    pct = dict(zip(tab.gauges.keys, tab.gauges.text.data["pct"], strict=True))
    assert pct["NEM"] == f"{now['NEM']:.0f}%"


def test_today_so_far_prices_are_demand_weighted(tab: TodayTab, pinned_con) -> None:
    df = pinned_con.execute(
        "select p.settlementdate, p.region_id, p.rrp, d.total_demand_mw as demand from region_price p "
        "join region_demand d using (settlementdate, region_id) where p.settlementdate > ? and p.settlementdate <= ?",
        [DAY, END]).df()
    table = tab.so_far.value.set_index("region_id")
    assert list(table.index) == ["NEM", "NSW1", "QLD1", "SA1", "TAS1", "VIC1"]
    nem_vwap = (df["rrp"] * df["demand"]).sum() / df["demand"].sum()
    assert table.loc["NEM", "vwap_rrp"] == pytest.approx(nem_vwap)
    sa = df[df["region_id"] == "SA1"]
    assert table.loc["SA1", "mean_rrp"] == pytest.approx(sa["rrp"].mean())
    assert table.loc["SA1", "negative_hours"] == pytest.approx((sa["rrp"] < 0).sum() * 5 / 60)
    assert table.loc["SA1", "vwap_rrp"] == pytest.approx((sa["rrp"] * sa["demand"]).sum() / sa["demand"].sum())
    # energy by fuel: the NEM column is the sum of the region columns for generating fuels
    energy = tab.fuel_energy.value.set_index("fuel")
    regions = energy[["NSW1", "QLD1", "SA1", "TAS1", "VIC1"]].sum(axis=1)
    assert energy.loc["Wind", "NEM"] == pytest.approx(regions["Wind"])


def test_record_flags() -> None:
    share = pd.DataFrame({"region_id": ["NEM", "SA1"], "today_high_pct": [70.0, 90.0],
                          "today_high_at": [DAY + dt.timedelta(hours=12)] * 2})
    records = pd.DataFrame({"region_id": ["NEM", "NEM", "SA1"], "hour": [11, 12, 12],
                            "record_pct": [60.0, 65.0, 120.0], "record_at": [DAY - dt.timedelta(days=1)] * 3})
    extremes = pd.DataFrame({"region_id": ["NEM", "SA1"], "min_demand_mw": [15000.0, 500.0],
                             "min_demand_at": [DAY] * 2, "max_rrp": [math.nan, 16000.0], "max_rrp_at": [pd.NaT, DAY]})
    history = pd.DataFrame({"region_id": ["NEM"], "min_demand_mw": [16000.0], "min_demand_at": [DAY],
                            "max_rrp": [math.nan], "max_rrp_at": [pd.NaT]})
    out = record_rows(share, records, extremes, history).set_index(["metric", "region_id"])["flag"]
    assert out[("Highest renewable share", "NEM")] == "new record"  # 70 > 65 (the best over all hours)
    assert out[("Highest renewable share", "SA1")] == ""  # 90 < 120
    assert out[("Lowest operational demand", "NEM")] == "new record"  # 15,000 < 16,000
    assert out[("Lowest operational demand", "SA1")] == "no history before today"
    assert ("Highest price", "NEM") not in out.index  # the NEM has no price of its own


def test_flow_arrows_point_the_way_power_flows() -> None:
    flows = pd.DataFrame({
        "interconnector_id": ["NSW1-QLD1", "N-Q-MNSP1", "V-SA", "X-NEW1"],
        "from_region": ["NSW1", "NSW1", "VIC1", None],
        "to_region": ["QLD1", "QLD1", "SA1", None],
        "metered_mw": [600.0, -50.0, -200.0, 10.0],
        "pct_of_limit": [100.0, 40.0, 35.0, 1.0],
        "at_limit": [True, False, False, False],
    })
    out = pd.DataFrame(arrows(flows)).set_index("id")
    assert list(out.index) == ["N-Q-MNSP1", "NSW1-QLD1", "V-SA"]  # no regions: not drawn
    # NSW1 -> QLD1 (QLD above NSW): the arrow rises; N-Q-MNSP1 flows the other way and falls
    assert out.loc["NSW1-QLD1", "y1"] > out.loc["NSW1-QLD1", "y0"]
    assert out.loc["N-Q-MNSP1", "y1"] < out.loc["N-Q-MNSP1", "y0"]
    # V-SA at -200 MW runs SA1 -> VIC1: it ends nearer VIC1
    end = (out.loc["V-SA", "x1"], out.loc["V-SA", "y1"])
    assert math.dist(end, NODES["VIC1"]) < math.dist(end, NODES["SA1"])
    # the two NSW-QLD links are side by side, not on top of each other
    assert out.loc["NSW1-QLD1", "x0"] != pytest.approx(out.loc["N-Q-MNSP1", "x0"])
    assert out.loc["NSW1-QLD1", "color"] != out.loc["V-SA", "color"]  # red at the limit
    assert "600 MW · 100%" in out.loc["NSW1-QLD1", "label"] and "200 MW" in out.loc["V-SA", "label"]
