"""Tab — Curtailment: semi-scheduled wind and solar that could have run but was not dispatched.

From the `curtailment` view (AEMO's regional UIGF against cleared MW per fuel): curtailed MW
stacked by region over the window, the curtailment rate (% of what was available), the share of
curtailed energy in each price band (most curtailment happens at negative prices: the headline
says how much), and a table per region and fuel. Unit-level curtailment needs AEMO's per-unit
DISPATCHLOAD (Next_Day_Dispatch), which the warehouse does not land yet: the note says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.bars import ShareBars
from dashboard.components.base import TabView
from dashboard.components.tables import csv_button, empty_frame, make_table, money, number, percent
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

CURTAILED_FUELS = ("Solar", "Wind", "Wind and solar")  # the view's fuels: split era, then unsplit
PRICE_EDGES = [-100.0, 0.0, 50.0, 300.0]
BAND_LABELS = ["< -$100", "-$100 – $0", "$0 – $50", "$50 – $300", "≥ $300"]
TOTAL_COLUMNS = dict(region_id="str", fuel="str", available_gwh="float64", cleared_gwh="float64",
                     curtailed_gwh="float64", rate_pct="float64", below_zero_pct="float64",
                     curtailed_price="float64", peak_curtailed_mw="float64")
TOTAL_TITLES = {"region_id": "Region", "fuel": "Fuel", "available_gwh": "Available GWh", "cleared_gwh": "Cleared GWh",
                "curtailed_gwh": "Curtailed GWh", "rate_pct": "Curtailed %", "below_zero_pct": "% at < $0",
                "curtailed_price": "Price when curtailed", "peak_curtailed_mw": "Peak curtailed MW"}
UNIT_NOTE = ("Per-unit curtailment (which farms) needs AEMO's DISPATCHLOAD from Next_Day_Dispatch, "
             "which this warehouse does not land yet; the figures here are AEMO's regional totals.")


def headline(totals: pd.DataFrame) -> str:
    """One sentence over the regions' 'All' rows: curtailed energy, rate, share below $0."""
    rows = totals[totals["fuel"] == "All"]
    available, curtailed = rows["available_gwh"].sum(), rows["curtailed_gwh"].sum()
    if not len(rows) or available <= 0:
        return "No semi-scheduled wind or solar in this window."
    below = rows["below_zero_gwh"].sum()
    share = f"{100 * below / curtailed:.0f} % of it at negative prices" if curtailed > 0 else "none of it"
    return (f"**{curtailed:,.1f} GWh curtailed** of {available:,.1f} GWh available "
            f"({100 * curtailed / available:.1f} %); {share}.")


def band_shares(bands: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """% of each region's curtailed MWh per price band (rows = regions, columns = BAND_LABELS)."""
    wide = bands.pivot_table(index="region_id", columns="band", values="curtailed_mwh", aggfunc="sum")
    wide = wide.reindex(index=[r for r in regions if r in set(bands["region_id"])],
                        columns=range(len(BAND_LABELS))).fillna(0.0)
    shares = wide.div(wide.sum(axis=1).replace(0, np.nan), axis=0) * 100
    shares.columns = BAND_LABELS
    return shares


class CurtailmentTab(TabView):
    title = "Curtailment"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.window = TimeWindow(GENERATION_PRESETS, default="7 days")
        self.regions = pmui.MultiChoice(label="Regions", options=list(theme.REGIONS), value=list(theme.REGIONS),
                                        sizing_mode="stretch_width")
        self.axis = charts.TimeAxis()
        self.headline = pmui.Typography("", variant="body1", css_classes=["curtailment-headline"])
        self.series = charts.SeriesStackChart(theme.REGIONS, theme.REGION_COLORS, "MW curtailed", height=340,
                                              axis=self.axis)
        self.rate = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "% of available", height=240, fmt="0.0",
                                     axis=self.axis)
        self.energy = ShareBars(ylabel="GWh curtailed", unit="GWh", fmt="0,0.00",
                                colors=tuple(theme.FUEL_COLORS.get(f, "#26a69a") for f in CURTAILED_FUELS))
        self.price_bands = ShareBars(ylabel="% of curtailed energy")
        self.table = make_table(empty_frame(**TOTAL_COLUMNS), titles=TOTAL_TITLES, page_size=None,
                                formatters={"available_gwh": number(2), "cleared_gwh": number(2),
                                            "curtailed_gwh": number(2), "rate_pct": percent(1),
                                            "below_zero_pct": percent(1), "curtailed_price": money(2),
                                            "peak_curtailed_mw": number(0)},
                                css_classes=["curtailment-table"])
        self._series = empty_frame(settlementdate="datetime64[us]", region_id="str", curtailed_mw="float64",
                                   rate_pct="float64")
        self.download = csv_button(lambda: self.table.value, "curtailment.csv", "Totals CSV")
        self.download_series = csv_button(lambda: self._series, "curtailment_series.csv", "Series CSV")
        self.refresh_on(self.window, self.regions)
        self.set_layout(
            [self.window, self.regions, self.download, self.download_series],
            [self.headline,
             pn.pane.Bokeh(self.series.figure, sizing_mode="stretch_width"),
             pn.pane.Bokeh(self.rate.figure, sizing_mode="stretch_width"),
             pn.Row(pn.pane.Bokeh(self.energy.figure, sizing_mode="stretch_width"),
                    pn.pane.Bokeh(self.price_bands.figure, sizing_mode="stretch_width"),
                    sizing_mode="stretch_width"),
             pmui.Typography("Curtailment by region and fuel", variant="subtitle1"), self.table,
             pmui.Typography(UNIT_NOTE, variant="body2")],
        )

    def chosen(self) -> list[str]:
        return [r for r in theme.REGIONS if r in set(self.regions.value)] or list(theme.REGIONS)

    def _refresh(self) -> None:
        regions = self.chosen()
        window = self.window_bounds(self.window, self.series, self.rate, axis=self.axis, selection=(tuple(regions),))
        if window is None:
            self.headline.object = ""
            return
        start, end, bucket = window
        base = {"regions": regions, "start": start, "end": end}
        series = self.store.query(queries.CURTAILMENT_SERIES, {**base, "bucket": bucket})
        self._series = series
        self.series.update(charts.wide_on_grid(series, "region_id", "curtailed_mw", start, end, bucket),
                           f"Curtailed wind and solar by region (mean MW, {bucket}-min)")
        self.rate.update(charts.wide_on_grid(series, "region_id", "rate_pct", start, end, bucket),
                         f"Curtailment rate (% of available, {bucket}-min)")
        totals = self.store.query(queries.CURTAILMENT_TOTALS, base)
        self.headline.object = headline(totals)
        self.table.value = totals[list(TOTAL_COLUMNS)]
        by_fuel = totals[totals["fuel"] != "All"].pivot_table(index="region_id", columns="fuel",
                                                              values="curtailed_gwh", aggfunc="sum")
        by_fuel = by_fuel.reindex(columns=[f for f in CURTAILED_FUELS if f in by_fuel.columns])
        self.energy.update(by_fuel.reindex([r for r in regions if r in by_fuel.index]),
                           "Curtailed energy by region and fuel (GWh)")
        bands = self.store.query(queries.CURTAILMENT_PRICE_BANDS, {**base, "edges": PRICE_EDGES})
        shares = band_shares(bands, regions)
        if shares.empty:
            self.price_bands.message("No curtailment in this window")
        else:
            self.price_bands.update(shares, "Curtailed energy by regional price ($/MWh)")
        stamp = f"{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}"
        self.download.filename = f"curtailment_{stamp}.csv"
        self.download_series.filename = f"curtailment_series_{bucket}min_{stamp}.csv"
