"""The Curtailment and Batteries tabs against the views (no browser): the pinned 10-day demo
warehouse ending 2026-01-17 00:00 (conftest `pinned_warehouse`), 7-day window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.store import Store
from dashboard.tabs.batteries import BatteriesTab, energy_text
from dashboard.tabs.curtailment import BAND_LABELS, CurtailmentTab, headline

END = dt.datetime(2026, 1, 17)
START = END - dt.timedelta(days=7)


@pytest.fixture(scope="module")
def curtailment(pinned_warehouse: Path) -> CurtailmentTab:
    t = CurtailmentTab(Store(pinned_warehouse))
    t.refresh()
    return t


@pytest.fixture(scope="module")
def batteries(pinned_warehouse: Path) -> BatteriesTab:
    t = BatteriesTab(Store(pinned_warehouse))
    t.refresh()
    return t


@pytest.fixture(scope="module")
def curtailed(pinned_con) -> pd.DataFrame:
    return pinned_con.execute("select * from curtailment where settlementdate > ? and settlementdate <= ?",
                              [START, END]).df()  # fmt: skip


def test_curtailment_table_ties_to_the_view(curtailment: CurtailmentTab, curtailed: pd.DataFrame) -> None:
    table = curtailment.table.value.set_index(["region_id", "fuel"])
    for (region, fuel), rows in curtailed.groupby(["region_id", "fuel"]):
        row = table.loc[(region, fuel)]
        assert row["curtailed_gwh"] == pytest.approx(rows["curtailed_mwh"].sum() / 1000)
        assert row["available_gwh"] == pytest.approx(rows["available_mw"].sum() * 5 / 60 / 1000)
        if rows["curtailed_mw"].sum() > 0:
            below = rows.loc[rows["rrp"] < 0, "curtailed_mw"].sum() / rows["curtailed_mw"].sum()
            assert row["below_zero_pct"] == pytest.approx(100 * below)
            priced = rows[rows["rrp"].notna()]
            vw = (priced["curtailed_mw"] * priced["rrp"]).sum() / priced["curtailed_mw"].sum()
            assert row["curtailed_price"] == pytest.approx(vw)
    # a region's 'All' row: the fuels' sums, and its peak is the peak of the interval totals
    sa = curtailed[curtailed["region_id"] == "SA1"]
    per_interval = sa.groupby("settlementdate")["curtailed_mw"].sum()
    assert table.loc[("SA1", "All"), "peak_curtailed_mw"] == pytest.approx(per_interval.max())
    assert table.loc[("SA1", "All"), "curtailed_gwh"] == pytest.approx(
        table.loc[("SA1", "Solar"), "curtailed_gwh"] + table.loc[("SA1", "Wind"), "curtailed_gwh"])


def test_curtailment_headline_and_charts(curtailment: CurtailmentTab, curtailed: pd.DataFrame) -> None:
    total = curtailed["curtailed_mwh"].sum() / 1000
    share = curtailed.loc[curtailed["rrp"] < 0, "curtailed_mwh"].sum() / curtailed["curtailed_mwh"].sum()
    assert f"{total:,.1f} GWh curtailed" in curtailment.headline.object
    assert f"{100 * share:.0f} % of it at negative prices" in curtailment.headline.object
    assert share > 0.5  # the demo curtails mostly at negative prices, as the NEM does
    # the stacked MW chart: per 30-min bucket, the mean of the interval totals of each region
    data = curtailment.series.hover_source.data
    key = curtailment.series.key["VIC1"]
    vic = curtailed[curtailed["region_id"] == "VIC1"].groupby("settlementdate")["curtailed_mw"].sum()
    bucket_end = (vic.index - pd.Timedelta(minutes=5)).floor("30min") + pd.Timedelta(minutes=30)
    expected = vic.groupby(bucket_end).mean()
    got = pd.Series(data[key], index=pd.to_datetime(data["settlementdate"])).reindex(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9)
    # price bands: the shares of each region sum to 100 %
    labels = [item.label.value for item in curtailment.price_bands.items if item.visible]
    assert labels == BAND_LABELS
    columns = [curtailment.price_bands.source.data[k] for k in curtailment.price_bands.keys[: len(BAND_LABELS)]]
    np.testing.assert_allclose(np.sum(columns, axis=0), 100.0)


def test_headline_without_semi_scheduled_output() -> None:
    empty = pd.DataFrame({"fuel": [], "available_gwh": [], "curtailed_gwh": [], "below_zero_gwh": []})
    assert headline(empty) == "No semi-scheduled wind or solar in this window."


def test_battery_cards_and_table_tie_to_the_flows(batteries: BatteriesTab, pinned_con) -> None:
    flows = pinned_con.execute(
        "select * from battery_flows where settlementdate > ? and settlementdate <= ?", [START, END]).df()
    charged, discharged = flows["charge_mw"].sum() * 5 / 60, flows["discharge_mw"].sum() * 5 / 60
    cards = {t: p.object for t, p in batteries.cards.panes.items()}
    assert energy_text(discharged) in cards["Discharged"] and energy_text(charged) in cards["Discharged"]
    assert f"{discharged / charged:.0%}" in cards["Out / in"]
    revenue = (flows["discharge_mw"] * flows["rrp"]).sum() * 5 / 60 - (flows["charge_mw"] * flows["rrp"]).sum() * 5 / 60
    assert f"${revenue:,.0f}" in cards["Arbitrage"]
    table = batteries.table.value.set_index("battery")
    by_battery = flows.groupby("battery")
    assert set(table.index) == set(by_battery.groups)
    top = table["discharged_mwh"].idxmax()
    rows = by_battery.get_group(top)
    assert table.loc[top, "discharged_mwh"] == pytest.approx(rows["discharge_mw"].sum() * 5 / 60)
    assert table.loc[top, "discharge_price"] == pytest.approx(
        (rows["discharge_mw"] * rows["rrp"]).sum() / rows["discharge_mw"].sum())
    assert table.loc[top, "spread"] > 0  # buys low, sells high


def test_battery_region_switch_and_time_of_day(batteries: BatteriesTab, pinned_con) -> None:
    batteries.region.value = "SA1"
    try:
        flows = pinned_con.execute(
            "select settlementdate, sum(discharge_mw) d, sum(charge_mw) c from battery_flows "
            "where region_id = 'SA1' and settlementdate > ? and settlementdate <= ? group by 1", [START, END]).df()
        assert set(batteries.table.value["region_id"]) == {"SA1"}
        data = batteries.tod.source.data
        slot = (flows["settlementdate"] - pd.Timedelta(minutes=5)).dt.floor("30min").dt.strftime("%H:%M")
        expected = flows.groupby(slot)["d"].mean()
        got = pd.Series(data[batteries.tod.safe["Discharge"]],
                        index=pd.to_datetime(data["settlementdate"]).strftime("%H:%M"))
        np.testing.assert_allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy())
        charge = pd.Series(data[batteries.tod.safe["Charge"]], index=got.index)
        assert (charge <= 0).all() and charge.min() < 0  # charging is drawn below zero
        assert "SA1 price" in batteries.flows.figure.title.text
        stored = batteries.storage.hover_source.data[batteries.storage.key["SA1"]]
        assert np.nanmax(stored) > 0
    finally:
        batteries.region.value = "NEM"


def test_energy_text() -> None:
    assert energy_text(9_999.4) == "9,999 MWh" and energy_text(151_512.0) == "151.5 GWh"
    assert energy_text(float("nan")) == "—"
