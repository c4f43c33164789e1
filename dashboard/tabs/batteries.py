"""Tab — Batteries: what the grid batteries charged and discharged, when, at what price.

From `battery_flows` / `battery_summary(start, end)` (unit SCADA + the registry, priced at the
regional RRP) and `region_storage` (AEMO's stored MWh per region, where the file era has it):
the fleet's discharge above zero and charging below it with the price, the stored energy, a
time-of-day profile, headline cards for the fleet and a table per battery. Energy arbitrage only:
FCAS revenue is not in the warehouse.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import TabView
from dashboard.components.cards import StatCards
from dashboard.components.tables import NO_VALUE, csv_button, empty_frame, make_table, money, number
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

FLOW_KEYS = ("Discharge", "Charge")
FLOW_COLORS = {"Discharge": theme.FUEL_COLORS["Battery"], "Charge": theme.FUEL_COLORS["Battery Charging"]}
TOD_COLORS = FLOW_COLORS
TABLE_COLUMNS = dict(battery="str", region_id="str", duids="str", charged_mwh="float64", discharged_mwh="float64",
                     round_trip="float64", charge_price="float64", discharge_price="float64", spread="float64",
                     arbitrage_aud="float64", storage_mwh="float64", cycles="float64", peak_charge_mw="float64",
                     peak_discharge_mw="float64")
TABLE_TITLES = {"battery": "Battery", "region_id": "Region", "duids": "DUIDs", "charged_mwh": "Charged MWh",
                "discharged_mwh": "Discharged MWh", "round_trip": "Out / in", "charge_price": "Paid $/MWh",
                "discharge_price": "Received $/MWh", "spread": "Spread $/MWh", "arbitrage_aud": "Arbitrage $",
                "storage_mwh": "Storage MWh", "cycles": "Cycles", "peak_charge_mw": "Peak charge MW",
                "peak_discharge_mw": "Peak discharge MW"}


def _fmt(value: object, text: str) -> str:
    return NO_VALUE if value is None or pd.isna(value) else text.format(value)


def energy_text(mwh: object) -> str:
    """MWh below 10,000, GWh above (a card is 170 px wide)."""
    if mwh is None or pd.isna(mwh):
        return NO_VALUE
    return f"{mwh:,.0f} MWh" if abs(mwh) < 10_000 else f"{mwh / 1000:,.1f} GWh"


CARD_TITLES = ("Discharged", "Out / in", "Received", "Spread", "Arbitrage", "Cycles")


def fleet_cards(row: pd.Series | None) -> dict[str, tuple[str, str]]:
    """Card values for one fleet row of battery_summary (None: no batteries in the window)."""
    if row is None:
        return {"Discharged": (NO_VALUE, "no battery output in this window")}
    return {
        "Discharged": (energy_text(row["discharged_mwh"]), f"charged {energy_text(row['charged_mwh'])}"),
        "Out / in": (_fmt(row["round_trip"], "{:.0%}"), "discharged ÷ charged"),
        "Received": (_fmt(row["discharge_price"], "${:,.2f}"), _fmt(row["charge_price"], "paid ${:,.2f} /MWh")),
        "Spread": (_fmt(row["spread"], "${:,.2f}"), "received − paid, $/MWh"),
        "Arbitrage": (_fmt(row["arbitrage_aud"], "${:,.0f}"), "energy only (no FCAS)"),
        "Cycles": (_fmt(row["cycles"], "{:,.1f}"), _fmt(row["storage_mwh"], "of {:,.0f} MWh registered")),
    }


class BatteriesTab(TabView):
    title = "Batteries"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.region = pmui.RadioBoxGroup(label="Region", options=list(theme.REGION_CHOICES), value="NEM", inline=False)
        self.window = TimeWindow(GENERATION_PRESETS, default="7 days")
        self.axis = charts.TimeAxis()
        self.cards = StatCards(CARD_TITLES, "battery-card", theme.FUEL_COLORS["Battery"])
        self.flows = charts.SeriesStackChart(FLOW_KEYS, FLOW_COLORS, "MW (charging below zero)", height=360,
                                             axis=self.axis, line_label="$/MWh")
        self.storage = charts.SeriesStackChart(theme.REGIONS, theme.REGION_COLORS, "MWh stored", height=260,
                                               axis=self.axis)
        self.tod = charts.LineChart(tuple(TOD_COLORS), TOD_COLORS, "MW (mean)", height=260, fmt="0,0",
                                    title="Time of day (interval start)")
        self.tod.figure.xaxis.formatter.hours = "%H:%M"
        self.tod.figure.xaxis.formatter.days = "%H:%M"
        self.table = make_table(empty_frame(**TABLE_COLUMNS), titles=TABLE_TITLES, pagination="local", page_size=15,
                                formatters={"charged_mwh": number(0), "discharged_mwh": number(0),
                                            "round_trip": number(2), "charge_price": money(2),
                                            "discharge_price": money(2), "spread": money(2), "arbitrage_aud": money(0),
                                            "storage_mwh": number(0), "cycles": number(2), "peak_charge_mw": number(0),
                                            "peak_discharge_mw": number(0)},
                                frozen_columns=["battery"], css_classes=["battery-table"])
        self._series = empty_frame(settlementdate="datetime64[us]", charge_mw="float64", discharge_mw="float64",
                                   rrp="float64")
        self.download = csv_button(lambda: self.table.value, "batteries.csv", "Batteries CSV")
        self.download_series = csv_button(lambda: self._series, "battery_series.csv", "Series CSV")
        self.refresh_on(self.region, self.window)
        self.set_layout(
            [self.region, self.window, self.download, self.download_series],
            [self.cards.row,
             pn.pane.Bokeh(self.flows.figure, sizing_mode="stretch_width"),
             pn.pane.Bokeh(self.storage.figure, sizing_mode="stretch_width"),
             pn.pane.Bokeh(self.tod.figure, sizing_mode="stretch_width"),
             pmui.Typography("Per battery (a station: the two DUIDs of an older battery add up)", variant="subtitle1"),
             self.table],
        )

    def _refresh(self) -> None:
        region = self.region.value
        window = self.window_bounds(self.window, self.flows, self.storage, self.tod, axis=self.axis,
                                    selection=(region,))
        if window is None:
            self.cards.update({})
            return
        start, end, bucket = window
        base = {"region": region, "start": start, "end": end}
        series = self.store.query(queries.BATTERY_SERIES, {**base, "bucket": bucket})
        self._series = series
        grid = charts.wide_on_grid(
            series.melt(id_vars=["settlementdate"], value_vars=["charge_mw", "discharge_mw", "rrp"]),
            "variable", "value", start, end, bucket)
        wide = pd.DataFrame({"Discharge": grid.get("discharge_mw"), "Charge": -grid.get("charge_mw", 0.0)},
                            index=grid.index) if not series.empty else pd.DataFrame()
        price = "mean of the regions' prices" if region == "NEM" else f"{region} price"
        self.flows.update(wide, f"Battery fleet — {region}: discharge and charging (mean MW, {bucket}-min) "
                                f"with the {price}", grid.get("rrp") if not series.empty else None)
        stored = self.store.query(queries.BATTERY_STORAGE, {**base, "bucket": bucket})
        if stored.empty:
            self.storage.message("AEMO's stored-energy figures are not in this window's files (2025 on)")
        else:
            self.storage.update(charts.wide_on_grid(stored, "region_id", "stored_mwh", start, end, bucket),
                                f"Energy stored in bidirectional units — {region} (MWh, AEMO)")
        self._time_of_day(base, start, end)
        summary = self.store.query(queries.BATTERY_SUMMARY, base)
        fleet = summary[summary["level"] == ("nem" if region == "NEM" else "region")]
        self.cards.update(fleet_cards(fleet.iloc[0] if len(fleet) else None))
        self.table.value = summary[summary["level"] == "battery"][list(TABLE_COLUMNS)].reset_index(drop=True)
        stamp = f"{region}_{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}"
        self.download.filename = f"batteries_{stamp}.csv"
        self.download_series.filename = f"battery_series_{bucket}min_{stamp}.csv"

    def _time_of_day(self, base: dict, start: dt.datetime, end: dt.datetime) -> None:
        slot = 5 if end - start <= dt.timedelta(days=2) else 30
        tod = self.store.query(queries.BATTERY_TIME_OF_DAY, {**base, "slot": slot})
        if tod.empty:
            self.tod.message("No battery output in this window")
            return
        index = pd.to_datetime("1970-01-01 " + tod["slot"])
        wide = pd.DataFrame({"Discharge": tod["discharge_mw"].to_numpy(), "Charge": -tod["charge_mw"].to_numpy()},
                            index=index)
        self.tod.update(wide, f"{base['region']}: mean discharge and charging (below zero) by time of day "
                              f"({slot}-min, interval start)")
