"""Tab 3 — Transmission: flow per interconnector inside its limit band, % of limit, losses,
region net flows and a summary table (flows each way, hours binding, price difference).

Positive flow is from `from_region` to `to_region` as AEMO reports it. The band runs from
-|import limit| to the export limit, whichever sign convention the source used for imports.
"""

from __future__ import annotations

import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import TabView
from dashboard.components.tables import csv_button, empty_frame, make_table, money, number, percent
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

TIME = charts.TIME
PCT, LOSSES = "% of limit", "Losses"
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


class TransmissionTab(TabView):
    title = "Transmission"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.link = pmui.Select(label="Interconnector", options=[], sizing_mode="stretch_width")
        self.window = TimeWindow(GENERATION_PRESETS, default="48 h")
        self.stats = pmui.Typography("", variant="body2")
        self.axis = charts.TimeAxis()
        self.flow = charts.BandChart("Limits (import … export)", "Metered flow", "MW", height=320, axis=self.axis)
        self.pct = charts.LineChart([PCT], {PCT: "#ffa726"}, PCT, height=180, fmt="0.0", axis=self.axis)
        self.losses = charts.LineChart([LOSSES], {LOSSES: "#ef5350"}, "MW", height=180, fmt="0.0", axis=self.axis)
        self.net = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "MW", height=280, fmt="0,0", axis=self.axis,
                                    title="Region net import (MW, + = importing)")
        self.table = make_table(
            empty_frame(**{k: "str" if k in TEXT_COLUMNS else "float64" for k in SUMMARY_TITLES}), formatters=SUMMARY_FORMATS, titles=SUMMARY_TITLES,
            header_filters={"interconnector": {"type": "input", "func": "like", "placeholder": "filter"}},
            page_size=None, frozen_columns=["interconnector"],
        )
        self.download = csv_button(lambda: self.table.value, "interconnectors.csv")
        self.refresh_on(self.link, self.window)
        self.set_layout(
            [self.link, self.window, self.download],
            [self.stats, *(pn.pane.Bokeh(c.figure, sizing_mode="stretch_width")
                           for c in (self.flow, self.pct, self.losses)),
             pmui.Typography("Interconnector summary", variant="subtitle1"), self.table,
             pn.pane.Bokeh(self.net.figure, sizing_mode="stretch_width")],
        )

    def _refresh(self) -> None:
        link_charts = (self.flow, self.pct, self.losses)
        window = self.window_bounds(self.window, *link_charts, self.net)
        if window is None:
            return
        start, end, bucket = window
        flows = queries.interconnector_flow(self.store, start, end)
        links = sorted(flows["interconnector_id"].unique())
        if links != list(self.link.options):
            with self.quietly():
                self.link.options = links
                if self.link.value not in links:
                    self.link.value = links[0] if links else None
        name = self.link.value
        self.axis.show(start, end, reset=self.selection_changed((name, self.window.key())))
        summary = queries.interconnector_summary(self.store, start, end)
        self.table.value = summary
        self.download.filename = f"interconnectors_{start:%Y%m%d}_{end:%Y%m%d}.csv"
        one = flows[flows["interconnector_id"] == name]
        if one.empty:
            for chart in link_charts:
                chart.message("No interconnector data in this window")
            self.stats.object = ""
        else:
            grid = charts.wide_on_grid(
                one.melt(id_vars=[TIME], value_vars=["metered_mw", "export_limit_mw", "import_limit_mw",
                                                     "losses_mw", "pct_of_limit"]),
                "variable", "value", start, end, bucket,
            )
            direction = f"{one['from_region'].iloc[0]} → {one['to_region'].iloc[0]}"
            self.flow.update(grid.index.to_numpy(), -grid["import_limit_mw"].abs().to_numpy(),
                             grid["export_limit_mw"].to_numpy(), grid["metered_mw"].to_numpy(),
                             f"{name} metered flow (MW, + = {direction})")
            self.pct.update(grid[["pct_of_limit"]].rename(columns={"pct_of_limit": PCT}),
                            f"{name} flow as % of limit")
            self.losses.update(grid[["losses_mw"]].rename(columns={"losses_mw": LOSSES}), f"{name} losses (MW)")
            row = summary[summary["interconnector"] == name]
            if not row.empty:
                r = row.iloc[0]
                self.stats.object = (
                    f"**{name}** ({r['from_region']} → {r['to_region']}) · at limit {r['hours_binding']:.1f} h "
                    f"({r['pct_time_binding']:.1f}% of the window) · losses {r['losses_mwh']:,.0f} MWh"
                )
        net = queries.region_net_flow(self.store, start, end)
        self.net.update(charts.wide_on_grid(net, "region_id", "net_import_mw", start, end, bucket))
