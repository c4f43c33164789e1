"""Tab 1 — Today: the landing page. Prices and their status, renewable share with its records,
today's NEM stack and price, the interconnectors now, and today so far.

"Today" is the NEM day (UTC+10) of the newest interval: midnight to now. It follows the data, not
the wall clock, so a lagging warehouse or the demo stays coherent; the interval ending 00:00 closes
the day before (interval ends). Records are the warehouse's history before today's midnight
(`Store.query_settled`: kept across the 5-minute ingests, recomputed within the hour after a backfill).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import panel as pn
import panel_material_ui as pmui
from panel.io import hold

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.base import NO_DATA_YET, TabView
from dashboard.components.cards import PriceCards, money_text
from dashboard.components.flows import FlowDiagram
from dashboard.components.gauges import GaugeRow
from dashboard.components.tables import NO_VALUE, csv_button, empty_frame, make_table, money, number, percent

AREAS = ("NEM", *theme.REGIONS)
# renewable_share's classes (sql/18_renewable_share.sql): the tests recompute the share from these
RENEWABLE_FUELS = ("Wind", "Solar", "Rooftop Solar", "Hydro", "Battery")
SO_FAR_COLUMNS = dict(region_id="str", mean_rrp="float64", min_rrp="float64", max_rrp="float64",
                      vwap_rrp="float64", negative_hours="float64", demand_gwh="float64", renewable_pct="float64")
SO_FAR_TITLES = {"region_id": "Region", "mean_rrp": "Mean $/MWh", "min_rrp": "Min $/MWh", "max_rrp": "Max $/MWh",
                 "vwap_rrp": "Volume-weighted $/MWh", "negative_hours": "Negative-price h",
                 "demand_gwh": "Demand GWh", "renewable_pct": "Renewable %"}
SO_FAR_FORMAT = {"mean_rrp": money(2), "min_rrp": money(2), "max_rrp": money(2), "vwap_rrp": money(2),
                 "negative_hours": number(2), "demand_gwh": number(1), "renewable_pct": percent(1)}
SHARE_COLUMNS = dict(region_id="str", share_pct="float64", today_share_pct="float64", today_high_pct="float64",
                     today_high_at="str", record_pct="float64", record_on="str", hour_record_pct="float64",
                     hour_record_on="str")
LIMIT_COLUMNS = dict(interconnector="str", from_region="str", to_region="str", hours_at_limit="float64",
                     mwh_at_limit="float64", net_mwh="float64", max_pct_of_limit="float64")
LIMIT_TITLES = {"interconnector": "Interconnector", "from_region": "From", "to_region": "To",
                "hours_at_limit": "Hours at limit", "mwh_at_limit": "MWh at limit", "net_mwh": "Net MWh (from → to)",
                "max_pct_of_limit": "Max % of limit"}
LIMIT_FORMAT = {"hours_at_limit": number(2), "mwh_at_limit": number(0), "net_mwh": number(0),
                "max_pct_of_limit": percent(1)}
RECORD_COLUMNS = dict(metric="str", region_id="str", today="str", today_at="str", record="str", record_on="str",
                      flag="str")
RECORD_TITLES = {"metric": "Record", "region_id": "Region", "today": "Today", "today_at": "At",
                 "record": "Before today", "record_on": "On", "flag": ""}


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight (NEM time) opening the day of the interval that ends at `now`."""
    return dt.datetime.combine((now - dt.timedelta(minutes=5)).date(), dt.time())


def _stamp(value, fmt: str) -> str:
    return NO_VALUE if value is None or pd.isna(value) else f"{pd.Timestamp(value):{fmt}}"


def _value(frame: pd.DataFrame, key: str, column: str):
    row = frame[frame["region_id"] == key]
    if row.empty:
        return None
    value = row[column].iloc[0]
    return None if pd.isna(value) else value


def record_rows(share: pd.DataFrame, share_records: pd.DataFrame, extremes: pd.DataFrame,
                history: pd.DataFrame) -> pd.DataFrame:
    """One row per (record, region): today's extreme, the record before today, and a flag when beaten."""
    overall = (share_records.sort_values("record_pct", ascending=False).drop_duplicates("region_id")
               if not share_records.empty else share_records)
    rows = []
    specs = (
        ("Highest renewable share", share, "today_high_pct", "today_high_at", overall, "record_pct", "record_at",
         max, lambda v: f"{v:.1f}%"),
        ("Lowest operational demand", extremes, "min_demand_mw", "min_demand_at", history, "min_demand_mw",
         "min_demand_at", min, lambda v: f"{v:,.0f} MW"),
        ("Highest price", extremes, "max_rrp", "max_rrp_at", history, "max_rrp", "max_rrp_at", max, money_text),
    )
    for metric, today, t_col, t_at, past, p_col, p_at, better, fmt in specs:
        for area in AREAS:
            value = _value(today, area, t_col)
            if value is None:
                continue
            before = _value(past, area, p_col) if not past.empty else None
            if before is None:
                flag = "no history before today"
            else:
                flag = "new record" if (value > before if better is max else value < before) else ""
            rows.append({
                "metric": metric, "region_id": area, "today": fmt(value),
                "today_at": _stamp(_value(today, area, t_at), "%H:%M"),
                "record": NO_VALUE if before is None else fmt(before),
                "record_on": _stamp(_value(past, area, p_at) if not past.empty else None, "%Y-%m-%d %H:%M"),
                "flag": flag,
            })
    return pd.DataFrame(rows, columns=list(RECORD_COLUMNS)) if rows else empty_frame(**RECORD_COLUMNS)


class TodayTab(TabView):
    """Cards and gauges are built and sent first; the charts and tables below them are built once the
    browser has the page (`_build_rest`, on load): the first chart comes sooner (issue 14: <= 1.5 s)."""

    title = "Today"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.day_caption = pmui.Typography("", variant="body2", css_classes=["today-caption"])
        self.cards = PriceCards(theme.REGIONS)
        self.gauges = GaugeRow(AREAS, {**theme.REGION_COLORS, "NEM": theme.REGION_COLORS.get("NEM", "#26c6da")})
        self.records_note = pmui.Typography("", variant="body2", css_classes=["today-new-records"])
        self._so_far = empty_frame(**SO_FAR_COLUMNS)
        self.download = csv_button(lambda: self._so_far, "today_so_far.csv")
        self.rest = pn.Column(sizing_mode="stretch_width")
        self._built = False
        self.set_layout(
            [pmui.Typography("Today (NEM time)", variant="subtitle1"), self.day_caption, self.download,
             pmui.Typography("Gauges: renewable share now (wind, utility solar, rooftop, hydro, battery discharge "
                             "over demand incl. rooftop). Amber tick: today's high; purple: the record before "
                             "today.", variant="caption")],
            [self.cards.row,
             pmui.Typography("Renewable share now", variant="subtitle1"),
             pn.pane.Bokeh(self.gauges.figure, sizing_mode="stretch_width"),
             self.records_note,
             self.rest],
        )
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.onload(self._complete)
        else:
            self._build_rest()

    def _build_rest(self) -> None:
        self.axis = charts.TimeAxis()
        self.stack = charts.StackChart(height=360, axis=self.axis)
        self.price = charts.LineChart(theme.REGIONS, theme.REGION_COLORS, "$/MWh", height=170, axis=self.axis,
                                      title="Regional price ($/MWh)")
        self.flows = FlowDiagram(theme.REGION_COLORS)
        self.share_table = make_table(
            empty_frame(**SHARE_COLUMNS), page_size=None,
            titles={"region_id": "Region", "share_pct": "Now %", "today_share_pct": "Today %",
                    "today_high_pct": "Today's high %", "today_high_at": "At", "record_pct": "Record %",
                    "record_on": "On", "hour_record_pct": "This hour's record %", "hour_record_on": "On "},
            formatters={c: percent(1) for c in ("share_pct", "today_share_pct", "today_high_pct", "record_pct",
                                                "hour_record_pct")},
            css_classes=["today-share-table"],
        )
        self.so_far = make_table(empty_frame(**SO_FAR_COLUMNS), formatters=SO_FAR_FORMAT, titles=SO_FAR_TITLES,
                                 page_size=None, css_classes=["today-so-far"])
        self.fuel_energy = make_table(empty_frame(fuel="str", **{a: "float64" for a in AREAS}),
                                      formatters={a: number(2) for a in AREAS}, titles={"fuel": "Fuel (GWh)"},
                                      page_size=None, css_classes=["today-fuel-energy"])
        self.at_limit = make_table(empty_frame(**LIMIT_COLUMNS), formatters=LIMIT_FORMAT, titles=LIMIT_TITLES,
                                   page_size=None, css_classes=["today-at-limit"])
        self.records = make_table(empty_frame(**RECORD_COLUMNS), titles=RECORD_TITLES, page_size=None,
                                  css_classes=["today-records"])
        self.rest.objects = [
            self.share_table,
            pn.pane.Bokeh(self.stack.figure, sizing_mode="stretch_width"),
            pn.pane.Bokeh(self.price.figure, sizing_mode="stretch_width"),
            pn.Row(pn.pane.Bokeh(self.flows.figure),
                   pn.Column(pmui.Typography("Interconnectors today", variant="subtitle1"), self.at_limit,
                             sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            pmui.Typography("Today so far", variant="subtitle1"), self.so_far,
            pmui.Typography("Energy by fuel today", variant="subtitle1"), self.fuel_energy,
            pmui.Typography("Records", variant="subtitle1"), self.records,
        ]
        self._built = True

    def _complete(self) -> None:
        """On load: build the rest and fill it (one message, like a refresh)."""
        with hold():
            self._build_rest()
            self.stale = True
            self.refresh()

    def _refresh(self) -> None:
        now = self.store.newest_interval()
        if now is None:
            if self._built:
                for chart in (self.stack, self.price):
                    chart.message(NO_DATA_YET)
            self.day_caption.object = NO_DATA_YET
            return
        start = day_start(now)
        window = {"now": now, "day_start": start}
        self.day_caption.object = f"**{start:%A %d %B %Y}** · 00:00 → {now:%H:%M}" + (
            " (the whole day)" if now - start == dt.timedelta(days=1) else "")
        self.cards.update(self.store.query(queries.TODAY_CARDS, {"now": now}))
        share = self.store.query(queries.TODAY_SHARE, window)
        share_records = self.store.query_settled(queries.SHARE_RECORDS, {"day_start": start})
        shares = self._gauges(now, share, share_records)
        if not self._built:
            return
        self.share_table.titles = {**self.share_table.titles, "hour_record_pct": shares.attrs["hour_title"]}
        self.share_table.value = shares
        # the whole day on the x axis: how far into the day the data reaches is part of the picture
        self.axis.show(start, start + dt.timedelta(days=1), reset=self.selection_changed(start))
        long, _mix = queries.fuel_stack(self.store, "NEM", start, now)
        if long.empty:
            self.stack.message("No generation today yet")
        elif long["settlementdate"].nunique() < 2:
            self.stack.message(f"One interval so far today ({now:%H:%M}): the chart fills as the day goes")
        else:
            self.stack.update(charts.wide_on_grid(long, "fuel_class", "mw", start, now, 5),
                              f"Today's generation by fuel — NEM (MW, 5-min) · {start:%d %b %Y}")
        prices = queries.region_price(self.store, list(theme.REGIONS), start, now)
        self.price.update(charts.wide_on_grid(prices, "region_id", "rrp", start, now, 5),
                          "Today's regional price ($/MWh)")
        self.flows.update(self.store.query(queries.FLOWS_NOW, {"now": now}), f"Flows now · {now:%H:%M}")
        self.at_limit.value = self.store.query(queries.TODAY_AT_LIMIT, window)
        self._tables(window, share)
        extremes = self.store.query(queries.DEMAND_PRICE_EXTREMES, {"after": start, "until": now})
        history = self.store.query_settled(queries.DEMAND_PRICE_EXTREMES,
                                           {"after": queries.HISTORY_START, "until": start})
        records = record_rows(share, share_records, extremes, history)
        self.records.value = records
        new = records[records["flag"] == "new record"]
        self.records_note.object = (
            "**New records today:** " + "; ".join(
                f"{r.metric.lower()} {r.region_id} {r.today} at {r.today_at} (before: {r.record} on {r.record_on})"
                for r in new.itertuples())
            if not new.empty else "")
        self.download.filename = f"today_{start:%Y%m%d}_to_{now:%H%M}.csv"

    def _gauges(self, now: dt.datetime, share: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
        """Fill the gauges; returns the renewable-share table (now, today, records) for below them."""
        hour = (now - dt.timedelta(minutes=5)).hour
        overall = records.groupby("region_id")["record_pct"].max() if not records.empty else pd.Series(dtype=float)
        at_hour = records[records["hour"] == hour].set_index("region_id") if not records.empty else pd.DataFrame()
        best_at = (records.sort_values("record_pct", ascending=False).drop_duplicates("region_id")
                   .set_index("region_id") if not records.empty else pd.DataFrame())
        values = {a: _value(share, a, "share_pct") for a in AREAS}
        highs = {a: _value(share, a, "today_high_pct") for a in AREAS}
        record = {a: (float(overall[a]) if a in overall.index else None) for a in AREAS}
        notes = {a: (f"high {highs[a]:.0f}% · record {record[a]:.0f}%" if highs[a] is not None and record[a]
                     is not None else (f"high {highs[a]:.0f}%" if highs[a] is not None else "")) for a in AREAS}
        self.gauges.update(values, highs, record, notes)
        rows = []
        for a in AREAS:
            rows.append({
                "region_id": a, "share_pct": values[a], "today_share_pct": _value(share, a, "today_share_pct"),
                "today_high_pct": highs[a], "today_high_at": _stamp(_value(share, a, "today_high_at"), "%H:%M"),
                "record_pct": record[a],
                "record_on": _stamp(best_at["record_at"].get(a) if a in best_at.index else None, "%Y-%m-%d %H:%M"),
                "hour_record_pct": float(at_hour["record_pct"][a]) if a in at_hour.index else np.nan,
                "hour_record_on": _stamp(at_hour["record_at"][a] if a in at_hour.index else None, "%Y-%m-%d %H:%M"),
            })
        table = pd.DataFrame(rows, columns=list(SHARE_COLUMNS))
        table.attrs["hour_title"] = f"Record {hour:02d}:00–{hour:02d}:59 %"
        return table

    def _tables(self, window: dict, share: pd.DataFrame) -> None:
        prices = self.store.query(queries.TODAY_PRICES, window)
        order = {a: i for i, a in enumerate(AREAS)}
        so_far = prices.assign(
            renewable_pct=prices["region_id"].map(share.set_index("region_id")["today_share_pct"])
        ).sort_values("region_id", key=lambda s: s.map(order))
        self._so_far = so_far[list(SO_FAR_COLUMNS)].reset_index(drop=True)
        self.so_far.value = self._so_far
        energy = self.store.query(queries.TODAY_FUEL_ENERGY, window)
        if energy.empty:
            self.fuel_energy.value = empty_frame(fuel="str", **{a: "float64" for a in AREAS})
            return
        table = energy.pivot_table(index="fuel_class", columns="region_id", values="energy_gwh", aggfunc="sum")
        table = table.reindex(columns=list(AREAS)).reindex(theme.order_fuels(list(table.index)))
        table.index.name = "fuel"
        table.columns.name = None
        self.fuel_energy.value = table.reset_index()
