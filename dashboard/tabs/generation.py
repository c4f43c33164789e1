"""Tab 1 — Generation by Fuel: the `fuel_stack` view as a stacked area, region price below."""

from __future__ import annotations

import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import TabView, after_first_paint
from dashboard.components.tables import csv_button, empty_frame, make_table, number, percent
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

EMPTY_MIX = empty_frame(fuel="str", mean_mw="float64", energy_gwh="float64", share_pct="float64")
MIX_FORMAT = {"mean_mw": number(0), "energy_gwh": number(2), "share_pct": percent(1)}
MIX_TITLES = {"fuel": "Fuel", "mean_mw": "Mean MW", "energy_gwh": "Energy GWh", "share_pct": "Share %"}


class GenerationTab(TabView):
    title = "Generation by Fuel"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.region = pmui.RadioBoxGroup(
            label="Region", options=list(theme.REGION_CHOICES), value="NEM", inline=False
        )
        self.window = TimeWindow(GENERATION_PRESETS, default="48 h")
        self.axis = charts.TimeAxis()
        self.stack = charts.StackChart(height=420, axis=self.axis)
        self.price = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "$/MWh", height=220, axis=self.axis,
                                      title="Regional price ($/MWh)")
        self.caption = pmui.Typography("", variant="body2", css_classes=["stack-caption"])
        self.mix = make_table(EMPTY_MIX, formatters=MIX_FORMAT, titles=MIX_TITLES, page_size=None)
        self.download = csv_button(lambda: self._stack.assign(region=self.region.value), "fuel_stack.csv")
        self._stack = EMPTY_MIX
        self.refresh_on(self.region, self.window)
        self.set_layout(
            [self.region, self.window, self.download],
            [self.caption, pn.pane.Bokeh(self.stack.figure, sizing_mode="stretch_width"),
             pn.pane.Bokeh(self.price.figure, sizing_mode="stretch_width"),
             after_first_paint(pmui.Typography("Fuel mix in the window", variant="subtitle1"), self.mix)],
        )

    def _refresh(self) -> None:
        region = self.region.value
        window = self.window_bounds(self.window, self.stack, self.price, axis=self.axis, selection=(region,))
        if window is None:
            return
        start, end, bucket = window
        long, mix = queries.fuel_stack(self.store, region, start, end)
        self._stack = long
        self.download.filename = f"fuel_stack_{region}_{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}.csv"
        wide = charts.wide_on_grid(long, "fuel_class", "mw", start, end, bucket)
        if long.empty:
            self.stack.message("No generation in this window")
            self.stack.figure.title.text = f"Generation by fuel — {region}"
        else:
            self.stack.update(wide, f"Generation by fuel — {region} (MW, {bucket}-min)")
        regions = list(theme.REGIONS) if region == "NEM" else [region]
        prices = queries.region_price(self.store, regions, start, end)
        self.price.update(charts.wide_on_grid(prices, "region_id", "rrp", start, end, bucket))
        total = mix.loc[mix["energy_gwh"] > 0, "energy_gwh"].sum()
        mix = mix.assign(share_pct=100 * mix["energy_gwh"] / total if total else 0.0)
        order = {f: i for i, f in enumerate(theme.order_fuels(list(mix["fuel"])))}
        self.mix.value = mix.sort_values("fuel", key=lambda s: s.map(order)).reset_index(drop=True)
        window_text = f"**{region}** · {start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}"
        if long.empty:
            oldest, newest = self.store.oldest_interval(), self.store.newest_interval()
            self.caption.object = (f"{window_text} · no data in this window (the warehouse holds "
                                   f"{oldest - charts.FIVE_MIN:%Y-%m-%d %H:%M} → {newest:%Y-%m-%d %H:%M})")
            return
        first = pd.Timestamp(long["settlementdate"].min()) - pd.Timedelta(minutes=bucket)
        since = f" · data from {first:%d %b %H:%M} (shaded: before the warehouse)" if first > pd.Timestamp(start) else ""
        self.caption.object = (
            f"{window_text} · {bucket}-min resolution · "
            f"mean net generation {wide.sum(axis=1, min_count=1).mean():,.0f} MW{since}"
        )
