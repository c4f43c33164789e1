"""Tab 3 — Transmission: flow per interconnector inside its limit band, % of limit, losses,
region net flows and a summary table (flows each way, hours binding, price difference).

Positive flow is from `from_region` to `to_region` as AEMO reports it. The band runs from
-|import limit| to the export limit, whichever sign convention the source used for imports.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import TabView
from dashboard.components.tables import csv_button, empty_frame, make_table, money, number, percent
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

TIME = charts.TIME
TEXT_COLUMNS = ("interconnector", "from_region", "to_region")
SUMMARY_FORMATS = {
    "mean_forward_mw": number(0), "max_forward_mw": number(0), "mean_reverse_mw": number(0),
    "max_reverse_mw": number(0), "hours_binding": number(1), "pct_time_binding": percent(1),
    "price_diff_binding": money(2), "losses_mwh": number(0),
}
SUMMARY_TITLES = {
    "interconnector": "Interconnector", "from_region": "From", "to_region": "To",
    "mean_forward_mw": "Mean MW →", "max_forward_mw": "Max MW →", "mean_reverse_mw": "Mean MW ←",
    "max_reverse_mw": "Max MW ←", "hours_binding": "Hours at limit", "pct_time_binding": "% time at limit",
    "price_diff_binding": "Price diff at limit (to − from) $/MWh", "losses_mwh": "Losses MWh",
}


def flow_chart(grid: pd.DataFrame, name: str, direction: str):
    frame = grid.assign(band_low=-grid["import_limit_mw"].abs(), band_high=grid["export_limit_mw"])
    return charts.band_and_line(
        frame, "band_low", "band_high", "metered_mw", f"{name} metered flow (MW, + = {direction})", "MW",
        "Limits (import … export)", "Metered flow",
    )


class TransmissionTab(TabView):
    title = "Transmission"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.link = pmui.Select(label="Interconnector", options=[], sizing_mode="stretch_width")
        self.window = TimeWindow(GENERATION_PRESETS, default="48 h")
        self.stats = pmui.Typography("", variant="body2")
        self.plot = charts.pane(700)
        self.net = charts.pane(300)
        self.table = make_table(
            empty_frame(**{k: "str" if k in TEXT_COLUMNS else "float64" for k in SUMMARY_TITLES}), formatters=SUMMARY_FORMATS, titles=SUMMARY_TITLES,
            header_filters={"interconnector": {"type": "input", "func": "like", "placeholder": "filter"}},
            page_size=None, frozen_columns=["interconnector"],
        )
        self.download = csv_button(lambda: self.table.value, "interconnectors.csv")
        self.link.param.watch(lambda _e: self.refresh(), "value")
        self.window.param.watch(lambda _e: self.refresh(), "changed")
        self._layout = pn.Row(
            pn.Column(self.link, self.window, self.download, width=260, margin=(10, 10)),
            pn.Column(self.stats, self.plot, pmui.Typography("Interconnector summary", variant="subtitle1"),
                      self.table, self.net, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    def _refresh(self) -> None:
        bounds = self.window.bounds(self.store)
        if bounds is None:
            self.plot.object = charts.empty("No data in the warehouse yet")
            return
        start, end = bounds
        bucket = queries.bucket_minutes(start, end)
        flows = queries.interconnector_flow(self.store, start, end)
        links = sorted(flows["interconnector_id"].unique())
        if links != list(self.link.options):
            current = self.link.value
            self.link.options = links
            if current not in links and links:
                self.link.value = links[0]  # fires refresh again with a link chosen
                return
        summary = queries.interconnector_summary(self.store, start, end)
        self.table.value = summary
        self.download.filename = f"interconnectors_{start:%Y%m%d}_{end:%Y%m%d}.csv"
        name = self.link.value
        one = flows[flows["interconnector_id"] == name]
        if one.empty:
            self.plot.object = charts.empty("No interconnector data in this window")
        else:
            grid = charts.wide_on_grid(
                one.melt(id_vars=[TIME], value_vars=["metered_mw", "export_limit_mw", "import_limit_mw",
                                                     "losses_mw", "pct_of_limit"]),
                "variable", "value", start, end, bucket,
            )
            direction = f"{one['from_region'].iloc[0]} → {one['to_region'].iloc[0]}"
            flow = flow_chart(grid.reset_index(), name, direction)
            pct = charts.lines(grid[["pct_of_limit"]].rename(columns={"pct_of_limit": "% of limit"}), "% of limit",
                               f"{name} flow as % of limit", {"% of limit": "#ffa726"}, height=180, fmt="0.0",
                               x_range=flow.x_range)
            losses = charts.lines(grid[["losses_mw"]].rename(columns={"losses_mw": "Losses"}), "MW",
                                  f"{name} losses (MW)", {"Losses": "#ef5350"}, height=180, fmt="0.0",
                                  x_range=flow.x_range)
            self.plot.object = charts.stacked(flow, pct, losses)
            row = summary[summary["interconnector"] == name]
            if not row.empty:
                r = row.iloc[0]
                self.stats.object = (
                    f"**{name}** ({r['from_region']} → {r['to_region']}) · at limit {r['hours_binding']:.1f} h "
                    f"({r['pct_time_binding']:.1f}% of the window) · losses {r['losses_mwh']:,.0f} MWh"
                )
        net = queries.region_net_flow(self.store, start, end)
        net_wide = charts.wide_on_grid(net, "region_id", "net_import_mw", start, end, bucket)
        self.net.object = charts.lines(net_wide, "MW", "Region net import (MW, + = importing)",
                                       theme.REGION_COLORS, height=280, fmt="0,0")

    def __panel__(self):
        return self._layout
