"""Tab 6 — Spot Prices: the latest 5-minute price per region, the last hours, and a price chart."""

from __future__ import annotations

import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import TabView
from dashboard.components.tables import csv_button, empty_frame, make_table, money
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

RECENT_HOURS = 2


def money_text(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def _card(region: str) -> pmui.Paper:
    return pmui.Paper(
        pmui.Typography(region, variant="subtitle2"),
        pmui.Typography("—", variant="h5", css_classes=["spot-price", f"spot-{region}"]),
        elevation=2, width=170, margin=(5, 8), sx={"padding": "10px", "borderTop": f"4px solid {theme.REGION_COLORS[region]}"},
    )


class SpotPricesTab(TabView):
    title = "Spot Prices"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.window = TimeWindow(GENERATION_PRESETS, default="24 h")
        self.cards = {r: _card(r) for r in theme.REGIONS}
        self.stamp = pmui.Typography("", variant="body2")
        self.axis = charts.TimeAxis()
        self.plot = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "$/MWh", height=340, axis=self.axis)
        self.table = make_table(
            empty_frame(settlementdate="datetime64[us]", **{r: "float64" for r in theme.REGIONS}),
            formatters={r: money(2) for r in theme.REGIONS}, titles={"settlementdate": "Interval ending"},
            page_size=None, height=420,
        )
        self._prices = empty_frame(settlementdate="datetime64[us]", region_id="str", rrp="float64")
        # the CSV holds the window's prices (the table below shows only the last hours)
        self.download = csv_button(lambda: self._prices, "spot_prices.csv")
        self.refresh_on(self.window)
        self.set_layout(
            [self.window, self.download],
            [pmui.Typography("Latest 5-minute price ($/MWh)", variant="subtitle1"), self.stamp,
             pn.Row(*self.cards.values()),
             pn.pane.Bokeh(self.plot.figure, sizing_mode="stretch_width"),
             pmui.Typography(f"Last {RECENT_HOURS} hours ($/MWh)", variant="subtitle1"), self.table],
        )

    def _refresh(self) -> None:
        latest = queries.latest_prices(self.store)
        for region, card in self.cards.items():
            row = latest[latest["region_id"] == region]
            card.objects[1].object = money_text(row["rrp"].iloc[0]) if not row.empty else "—"
        if not latest.empty:
            self.stamp.object = f"Interval ending {pd.Timestamp(latest['settlementdate'].iloc[0]):%Y-%m-%d %H:%M} (NEM time)"
        window = self.window_bounds(self.window, self.plot, axis=self.axis)
        if window is None:
            return
        start, end, bucket = window
        prices = queries.region_price(self.store, list(theme.REGIONS), start, end)
        self._prices = prices
        self.plot.update(charts.wide_on_grid(prices, "region_id", "rrp", start, end, bucket),
                         f"Regional price ($/MWh, {bucket}-min)")
        recent = queries.recent_prices(self.store, end, RECENT_HOURS)
        table = recent.pivot_table(index="settlementdate", columns="region_id", values="rrp", aggfunc="first")
        table = table.sort_index(ascending=False).reset_index()
        table.columns.name = None
        self.table.value = table
        self.download.filename = f"spot_prices_{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}.csv"
