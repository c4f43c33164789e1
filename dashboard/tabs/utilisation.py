"""Tab 2 — Capacity Utilisation: utilisation % by fuel class over time, capacity factor table."""

from __future__ import annotations

import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import TabView
from dashboard.components.tables import csv_button, empty_frame, make_table, number, percent
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

EMPTY = empty_frame(fuel_class="str", mean_mw="float64", capacity_mw="float64", energy_gwh="float64",
                    capacity_factor_pct="float64", peak_utilisation_pct="float64")
FORMATS = {
    "mean_mw": number(0), "capacity_mw": number(0), "energy_gwh": number(2),
    "capacity_factor_pct": percent(1), "peak_utilisation_pct": percent(1),
}
TITLES = {
    "fuel_class": "Fuel", "mean_mw": "Mean MW", "capacity_mw": "Capacity MW", "energy_gwh": "Energy GWh",
    "capacity_factor_pct": "Capacity factor %", "peak_utilisation_pct": "Peak utilisation %",
}


class UtilisationTab(TabView):
    title = "Capacity Utilisation"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.region = pmui.RadioBoxGroup(label="Region", options=list(theme.REGION_CHOICES), value="NEM", inline=False)
        self.window = TimeWindow(GENERATION_PRESETS, default="48 h")
        self.axis = charts.TimeAxis()
        self.plot = charts.LineChart(theme.FUEL_ORDER, theme.FUEL_COLORS, "Utilisation %", height=400, fmt="0.0",
                                     axis=self.axis)
        self.table = make_table(EMPTY, formatters=FORMATS, titles=TITLES, page_size=None)
        self.download = csv_button(lambda: self.table.value, "capacity_factor.csv")
        self.refresh_on(self.region, self.window)
        self.set_layout(
            [self.region, self.window, self.download],
            [pn.pane.Bokeh(self.plot.figure, sizing_mode="stretch_width"),
             pmui.Typography("Capacity factor by fuel", variant="subtitle1"), self.table],
        )

    def _refresh(self) -> None:
        region = self.region.value
        window = self.window_bounds(self.window, self.plot, axis=self.axis, selection=(region,))
        if window is None:
            return
        start, end, bucket = window
        long = queries.utilisation(self.store, region, start, end)
        self.plot.update(
            charts.wide_on_grid(long, "fuel_class", "utilisation_pct", start, end, bucket),
            f"Utilisation by fuel — {region} (% of registered capacity, {bucket}-min)",
        )
        table = queries.capacity_factor(self.store, region, start, end)
        self.table.value = table
        self.download.filename = f"capacity_factor_{region}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
