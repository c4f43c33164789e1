"""Tab 3 — Transmission: flow per interconnector inside its limit band, % of limit, losses,
region net flows and a summary table (flows each way, hours binding, price difference).

Positive flow is from `from_region` to `to_region` as AEMO reports it. The band runs from
-|import limit| to the export limit, whichever sign convention the source used for imports.
"""

from __future__ import annotations

import holoviews as hv
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


def flow_chart(df: pd.DataFrame, name: str, height: int = 320) -> hv.Overlay:
    frame = df.assign(
        band_low=-df["import_limit_mw"].abs(), band_high=df["export_limit_mw"]
    )[[TIME, "band_low", "band_high", "metered_mw"]]
    band = hv.Area(frame, TIME, ["band_low", "band_high"], label="Limits (import … export)").opts(
        color=theme.LIMIT_BAND_COLOR, alpha=0.35, line_width=0
    )
    flow = hv.Curve(frame, TIME, "metered_mw", label="Metered flow").opts(
        color=theme.PRICE_COLOR, line_width=2, tools=["hover"]
    )
    first = df.iloc[0] if not df.empty else None
    direction = f"{first['from_region']} → {first['to_region']}" if first is not None else ""
    return (band * flow).opts(
        title=f"{name} metered flow (MW, + = {direction})", ylabel="MW", xlabel="", responsive=True, height=height,
        show_grid=True, legend_position="right",
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
            ).reset_index()
            grid["from_region"], grid["to_region"] = one["from_region"].iloc[0], one["to_region"].iloc[0]
            pct = hv.Curve(grid, TIME, "pct_of_limit", label="% of limit").opts(
                color="#ffa726", responsive=True, height=180, ylabel="% of limit", xlabel="", show_grid=True,
                title=f"{name} flow as % of limit", tools=["hover"],
            )
            losses = hv.Curve(grid, TIME, "losses_mw", label="Losses").opts(
                color="#ef5350", responsive=True, height=180, ylabel="MW", xlabel="", show_grid=True,
                title=f"{name} losses (MW)", tools=["hover"],
            )
            self.plot.object = hv.Layout([flow_chart(grid, name), pct, losses]).cols(1)
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
