"""Tab — Price Analysis (was Spot Prices): the latest price cards, then the window's prices with
market status, the cumulative price against its threshold, statistics beside the previous
corresponding period, price bands (share of intervals and of generator revenue), high-price
events and the time-of-day profile. Every figure is a bound query over the views.

Resolution: "Auto" follows the other tabs (5-min to 2 days, 30-min to 7, hourly beyond); the
others bucket in SQL. The moving average runs over the bucketed series (N buckets, 0 = off). The
log scale is a second figure shown instead of the linear one (Bokeh cannot swap a drawn figure's
scale); it leaves out prices at or below $0, which a log axis cannot place.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import panel as pn
import panel_material_ui as pmui
from bokeh.models import ColumnDataSource, LogScale, Range1d, Span

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.bars import ShareBars
from dashboard.components.base import NO_DATA_YET, TabView
from dashboard.components.cards import STATUS_COLORS, PriceCards
from dashboard.components.tables import csv_button, empty_frame, make_table, money, number, percent
from dashboard.components.time_window import GENERATION_PRESETS, TimeWindow

RESOLUTIONS = {"Auto": None, "5 min": "5 minutes", "30 min": "30 minutes", "Hourly": "1 hour", "Daily": "1 day",
               "Monthly": "1 month"}
DEFAULT_EDGES = "-100, 0, 50, 100, 300, 1000, 5000"
SPLITS = {"None": "none", "Weekday / weekend": "weekday", "Month": "month"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TOD_KEYS = ("Mean", "Median", "Previous mean", "Weekday", "Weekend", "Previous weekday", "Previous weekend",
            *MONTHS)
TOD_COLORS = {"Mean": "#42a5f5", "Median": "#66bb6a", "Previous mean": "#90a4ae", "Weekday": "#42a5f5",
              "Weekend": "#ffa726", "Previous weekday": "#90a4ae", "Previous weekend": "#bcaaa4",
              **dict(zip(MONTHS, ("#1565c0", "#1e88e5", "#43a047", "#7cb342", "#c0ca33", "#fdd835", "#ffb300",
                                  "#fb8c00", "#f4511e", "#8e24aa", "#5e35b1", "#3949ab"), strict=True))}
CPT_WARN_PCT = 80.0
STAT_COLUMNS = dict(region_id="str", period="str", mean_rrp="float64", vwap_rrp="float64", median_rrp="float64",
                    p5_rrp="float64", p95_rrp="float64", min_rrp="float64", max_rrp="float64", std_rrp="float64",
                    negative_pct="float64", above_300_pct="float64", above_5000_pct="float64", intervals="int64")
STAT_TITLES = {"region_id": "Region", "period": "Period", "mean_rrp": "Mean", "vwap_rrp": "Demand-weighted",
               "median_rrp": "Median", "p5_rrp": "p5", "p95_rrp": "p95", "min_rrp": "Min", "max_rrp": "Max",
               "std_rrp": "Std dev", "negative_pct": "% < $0", "above_300_pct": "% ≥ $300",
               "above_5000_pct": "% ≥ $5,000", "intervals": "Intervals"}
EVENT_COLUMNS = dict(region_id="str", start="datetime64[us]", end="datetime64[us]", minutes="int64",
                     peak_rrp="float64", mean_rrp="float64")
STATUSES = ("administered", "suspended", "at cap", "at floor", "high", "negative", "normal")


def parse_edges(text: str) -> list[float] | None:
    """Band edges from "a, b, c": sorted, distinct; None when a value is not a number."""
    try:
        values = sorted({float(v) for v in text.replace(";", ",").split(",") if v.strip()})
    except ValueError:
        return None
    return values or None


def band_labels(edges: list[float]) -> list[str]:
    def m(v: float) -> str:
        return f"{'-' if v < 0 else ''}${abs(v):,.0f}"

    return ([f"< {m(edges[0])}"] + [f"{m(lo)} – {m(hi)}" for lo, hi in zip(edges, edges[1:], strict=False)]
            + [f"≥ {m(edges[-1])}"])


def band_shares(bands: pd.DataFrame, edges: list[float], regions: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(% of intervals, % of revenue): rows = regions, columns = band labels in order."""
    labels = band_labels(edges)
    out = []
    for column in ("intervals", "revenue_aud"):
        wide = bands.pivot_table(index="region_id", columns="band", values=column, aggfunc="sum").reindex(
            index=[r for r in regions if r in set(bands["region_id"])], columns=range(len(labels))).fillna(0.0)
        total = wide.sum(axis=1).replace(0, np.nan)
        shares = wide.div(total, axis=0) * 100
        shares.columns = labels
        out.append(shares)
    return out[0], out[1]


def moving_average(wide: pd.DataFrame, n: int) -> pd.DataFrame:
    """Mean over the last n buckets (those present; a gap stays a gap)."""
    if n <= 1:
        return wide
    return wide.rolling(n, min_periods=1).mean().where(wide.notna())


class PricesTab(TabView):
    title = "Price Analysis"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.window = TimeWindow(GENERATION_PRESETS, default="7 days")
        self.regions = pmui.MultiChoice(label="Regions", options=list(theme.REGIONS), value=list(theme.REGIONS),
                                        sizing_mode="stretch_width")
        self.resolution = pmui.Select(label="Resolution", options=list(RESOLUTIONS), value="Auto",
                                      sizing_mode="stretch_width")
        self.smooth = pmui.IntInput(label="Moving average (buckets, 0 = off)", value=0, start=0, end=500,
                                    sizing_mode="stretch_width")
        self.log_scale = pmui.Switch(label="Log scale", value=False)
        self.edges = pmui.TextInput(label="Price bands: edges ($/MWh)", value=DEFAULT_EDGES,
                                    sizing_mode="stretch_width", css_classes=["band-edges"])
        self.threshold = pmui.FloatInput(label="High-price event threshold ($/MWh)", value=300.0, step=50,
                                         sizing_mode="stretch_width")
        self.tod_region = pmui.Select(label="Time of day: region", options=list(theme.REGIONS), value="NSW1",
                                      sizing_mode="stretch_width")
        self.split = pmui.Select(label="Time of day: split", options=list(SPLITS), value="None",
                                 sizing_mode="stretch_width")

        self.cards = PriceCards(theme.REGIONS)
        self.stamp = pmui.Typography("", variant="body2", css_classes=["prices-stamp"])
        self.cpt_note = pmui.Typography("", variant="body2", css_classes=["cpt-warning"])
        self.axis = charts.TimeAxis()
        self.price = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "$/MWh", height=340, axis=self.axis)
        self.price_log = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "$/MWh (log)", height=340,
                                          axis=self.axis)
        self.price_log.figure.y_scale = LogScale()
        self.price_log.figure.y_range = Range1d(1, 1000)
        self.price_log.figure.visible = False  # the figure's own flag: a hidden pane was still drawn
        self.status_points = ColumnDataSource({"settlementdate": [], "rrp": [], "color": [], "status": [],
                                               "region_id": []})
        for chart in (self.price, self.price_log):
            chart.figure.scatter("settlementdate", "rrp", source=self.status_points, color="color", size=7,
                                 marker="diamond")
        self.cumulative = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "% of CPT", height=220, fmt="0.0",
                                           axis=self.axis, title="Cumulative price (rolling 7 days), % of threshold")
        for level, dash in ((CPT_WARN_PCT, "dashed"), (100.0, "solid")):
            self.cumulative.figure.add_layout(Span(location=level, dimension="width", line_color="#ef5350",
                                                   line_dash=dash, line_width=1.2))
        self.stats = make_table(empty_frame(**STAT_COLUMNS), titles=STAT_TITLES, page_size=None,
                                formatters={**{c: money(2) for c in STAT_COLUMNS if c.endswith("_rrp")},
                                            **{c: percent(2) for c in STAT_COLUMNS if c.endswith("_pct")},
                                            "intervals": number(0)},
                                css_classes=["prices-stats"])
        self.status_table = make_table(empty_frame(region_id="str", **{s: "int64" for s in STATUSES},
                                                   cpt_pct="float64"),
                                       titles={"region_id": "Region", "cpt_pct": "Cumulative price % of CPT"},
                                       formatters={"cpt_pct": percent(1)}, page_size=None,
                                       css_classes=["prices-status"])
        self.band_intervals = ShareBars(ylabel="% of intervals")
        self.band_revenue = ShareBars(ylabel="% of generator revenue")
        self.band_table = make_table(empty_frame(region_id="str", band="str", intervals_pct="float64",
                                                 revenue_pct="float64"),
                                     titles={"region_id": "Region", "band": "Band", "intervals_pct": "% of intervals",
                                             "revenue_pct": "% of revenue"},
                                     formatters={"intervals_pct": percent(1), "revenue_pct": percent(1)},
                                     pagination="local", page_size=16, css_classes=["prices-bands"])
        self.events = make_table(empty_frame(**EVENT_COLUMNS), pagination="local", page_size=15,
                                 css_classes=["prices-events"],
                                 titles={"region_id": "Region", "start": "Start", "end": "End", "minutes": "Minutes",
                                         "peak_rrp": "Peak $/MWh", "mean_rrp": "Mean $/MWh"},
                                 formatters={"peak_rrp": money(2), "mean_rrp": money(2), "minutes": number(0)})
        self.tod = charts.LineChart(TOD_KEYS, TOD_COLORS, "$/MWh", height=300,
                                    title="Price by time of day (interval start)")
        self.tod.figure.xaxis.formatter.hours = "%H:%M"
        self.tod.figure.xaxis.formatter.days = "%H:%M"
        self._prices = empty_frame(settlementdate="datetime64[us]", region_id="str", rrp="float64")
        self._stats = empty_frame(**STAT_COLUMNS)
        self.download = csv_button(lambda: self._prices, "prices.csv", "Prices CSV")
        self.download_stats = csv_button(lambda: self._stats, "price_statistics.csv", "Statistics CSV")
        self.download_events = csv_button(lambda: self.events.value, "high_price_events.csv", "Events CSV")
        self.download_bands = csv_button(lambda: self.band_table.value, "price_bands.csv", "Bands CSV")

        self.refresh_on(self.window, self.regions, self.resolution, self.smooth, self.edges, self.threshold,
                        self.tod_region, self.split)
        self.log_scale.param.watch(self._on_log, "value")
        self.set_layout(
            [self.window, self.regions, self.resolution, self.smooth, self.log_scale, self.edges, self.threshold,
             self.tod_region, self.split, self.download, self.download_stats, self.download_bands,
             self.download_events],
            [pmui.Typography("Latest 5-minute price ($/MWh)", variant="subtitle1"), self.stamp, self.cards.row,
             self.cpt_note,
             pn.pane.Bokeh(self.price.figure, sizing_mode="stretch_width"),
             pn.pane.Bokeh(self.price_log.figure, sizing_mode="stretch_width"),
             pn.pane.Bokeh(self.cumulative.figure, sizing_mode="stretch_width"),
             pmui.Typography("Statistics: this window and the period just before it", variant="subtitle1"),
             self.stats,
             pmui.Typography("Market status (intervals) and the cumulative price now", variant="subtitle1"),
             self.status_table,
             pmui.Typography("Price bands", variant="subtitle1"),
             pn.Row(pn.pane.Bokeh(self.band_intervals.figure, sizing_mode="stretch_width"),
                    pn.pane.Bokeh(self.band_revenue.figure, sizing_mode="stretch_width"),
                    sizing_mode="stretch_width"),
             self.band_table,
             pmui.Typography("High-price events", variant="subtitle1"), self.events,
             pn.pane.Bokeh(self.tod.figure, sizing_mode="stretch_width")],
        )

    def _on_log(self, event) -> None:
        self.price_log.figure.visible = event.new
        self.price.figure.visible = not event.new

    def chosen(self) -> list[str]:
        return [r for r in theme.REGIONS if r in set(self.regions.value)] or list(theme.REGIONS)

    def every(self, start: dt.datetime, end: dt.datetime) -> str:
        text = RESOLUTIONS[self.resolution.value]
        return text if text else f"{queries.bucket_minutes(start, end)} minutes"

    def _refresh(self) -> None:
        newest = self.store.newest_interval()
        if newest is not None:
            self.cards.update(self.store.query(queries.TODAY_CARDS, {"now": newest}))
            self.stamp.object = f"Interval ending {newest:%Y-%m-%d %H:%M} (NEM time)"
        window = self.window_bounds(self.window, self.price, self.price_log, self.cumulative, self.tod,
                                    axis=self.axis, selection=(tuple(self.chosen()), self.resolution.value))
        if window is None:
            self.stamp.object = NO_DATA_YET
            return
        start, end, _bucket = window
        regions = self.chosen()
        every = self.every(start, end)
        base = {"regions": regions, "start": start, "end": end}
        prices = self.store.query(queries.PRICE_SERIES, {**base, "every": every})
        self._prices = prices
        self.download.filename = f"prices_{every.replace(' ', '')}_{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}.csv"
        wide = prices.pivot_table(index="settlementdate", columns="region_id", values="rrp", aggfunc="first")
        wide = moving_average(wide.sort_index(), int(self.smooth.value or 0))
        label = every if not self.smooth.value else f"{every}, moving average of {self.smooth.value}"
        self.price.update(wide, f"Regional price ($/MWh, {label})")
        positive = wide.where(wide > 0)
        self.price_log.update(positive, f"Regional price ($/MWh, log scale, {label}; ≤ $0 not drawn)")
        low, high = np.nanmin(positive.to_numpy(), initial=np.inf), np.nanmax(positive.to_numpy(), initial=0.0)
        if np.isfinite(low) and high > 0:  # set here: an auto range computed while the figure was hidden stayed stale
            self.price_log.figure.y_range.update(start=low / 1.5, end=high * 1.5)
        points = self.store.query(queries.STATUS_POINTS, base)
        self.status_points.data = {
            "settlementdate": points["settlementdate"].to_numpy(), "rrp": points["rrp"].to_numpy(),
            "color": [STATUS_COLORS.get(s, "#ef5350") for s in points["status"]],
            "status": list(points["status"]), "region_id": list(points["region_id"]),
        }
        self._cumulative(base, every, regions)
        stats = self.store.query(queries.PRICE_STATS, base)
        stats = stats.assign(period=stats["period"].map({"current": "this window", "previous": "previous period"}))
        self._stats = stats[list(STAT_COLUMNS)]
        self.stats.value = self._stats
        self._bands(base, regions)
        self.events.value = self.store.query(queries.HIGH_PRICE_EVENTS, {**base, "threshold": float(self.threshold.value
                                                                                                    or 0.0)})
        self._time_of_day(start, end)
        stamp = f"{start:%Y%m%d%H%M}_{end:%Y%m%d%H%M}"
        self.download_stats.filename = f"price_statistics_{stamp}.csv"
        self.download_bands.filename = f"price_bands_{stamp}.csv"
        self.download_events.filename = f"high_price_events_{stamp}.csv"

    def _cumulative(self, base: dict, every: str, regions: list[str]) -> None:
        cum = self.store.query(queries.CUMULATIVE_PRICE, {**base, "every": every})
        wide = cum.pivot_table(index="settlementdate", columns="region_id", values="pct_of_cpt", aggfunc="first")
        self.cumulative.update(wide.sort_index(), "Cumulative price (rolling 7 days), % of the threshold "
                                                  f"(dashed: {CPT_WARN_PCT:.0f} %)")
        latest = cum.sort_values("settlementdate").groupby("region_id").tail(1).set_index("region_id")
        counts = self.store.query(queries.STATUS_COUNTS, base)
        table = counts.pivot_table(index="region_id", columns="status", values="intervals", aggfunc="sum")
        table = table.reindex(index=regions, columns=list(STATUSES)).fillna(0).astype("int64")
        table["cpt_pct"] = latest["pct_of_cpt"].reindex(regions) if not latest.empty else np.nan
        table.index.name = "region_id"
        table.columns.name = None
        self.status_table.value = table.reset_index()
        near = latest[latest["pct_of_cpt"] >= CPT_WARN_PCT] if not latest.empty else latest
        self.cpt_note.object = (
            "**Cumulative price warning:** " + ", ".join(
                f"{r} at {row.pct_of_cpt:.0f} % of the threshold (${row.cumulative_price:,.0f} of "
                f"${row.cumulative_price_threshold:,.0f})" for r, row in near.iterrows())
            if not near.empty else "")

    def _bands(self, base: dict, regions: list[str]) -> None:
        edges = parse_edges(self.edges.value or "")
        if edges is None:
            for chart in (self.band_intervals, self.band_revenue):
                chart.message("Band edges must be numbers separated by commas")
            return
        bands = self.store.query(queries.PRICE_BANDS, {**base, "edges": edges})
        by_intervals, by_revenue = band_shares(bands, edges, regions)
        self.band_intervals.update(by_intervals, "Share of intervals in each price band")
        self.band_revenue.update(by_revenue, "Share of generator revenue earned in each band")
        long = by_intervals.stack().rename("intervals_pct").to_frame().join(
            by_revenue.stack().rename("revenue_pct"))
        long.index.names = ["region_id", "band"]
        self.band_table.value = long.reset_index()

    def _time_of_day(self, start: dt.datetime, end: dt.datetime) -> None:
        split = SPLITS[self.split.value]
        slot = 5 if end - start <= dt.timedelta(days=2) else 30
        params = {"region": self.tod_region.value, "slot": slot, "split": split}
        now = self.store.query(queries.PRICE_TIME_OF_DAY, {**params, "start": start, "end": end})
        before = self.store.query(queries.PRICE_TIME_OF_DAY, {**params, "start": start - (end - start), "end": start})
        if now.empty:
            self.tod.message("No prices in this window")
            return
        series: dict[str, pd.Series] = {}

        def curve(frame: pd.DataFrame, column: str) -> pd.Series:
            return pd.Series(frame[column].to_numpy(), index=pd.to_datetime("1970-01-01 " + frame["slot"]))

        if split == "none":
            series["Mean"] = curve(now, "mean_rrp")
            series["Median"] = curve(now, "median_rrp")
            if not before.empty:
                series["Previous mean"] = curve(before, "mean_rrp")
        elif split == "weekday":
            for part in ("Weekday", "Weekend"):
                rows = now[now["part"] == part]
                if not rows.empty:
                    series[part] = curve(rows, "mean_rrp")
                rows = before[before["part"] == part]
                if not rows.empty:
                    series[f"Previous {part.lower()}"] = curve(rows, "mean_rrp")
        else:
            for month in MONTHS:
                rows = now[now["part"] == month]
                if not rows.empty:
                    series[month] = curve(rows, "mean_rrp")
        self.tod.update(pd.DataFrame(series).sort_index(),
                        f"{self.tod_region.value}: price by time of day ({slot}-min, interval start; "
                        f"previous = the same span before the window)")

