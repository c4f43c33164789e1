"""Tab 5 — Station Analysis: fuzzy search a station (or DUID), then its time series (MW left,
regional price right), time-of-day profile and a summary (revenue, energy, volume-weighted price,
capacity factor, hours operating, peak / min MW). Data: `unit_revenue` and `duid_info` views.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard import queries
from dashboard.components import charts
from dashboard.components.base import NO_DATA_YET, TabView
from dashboard.components.search import StationIndex
from dashboard.components.tables import csv_button, empty_frame, make_table
from dashboard.components.time_window import ANALYSIS_PRESETS, TimeWindow

TIME = charts.TIME


def summary_rows(s: pd.Series, capacity_mw: float) -> pd.DataFrame:
    """The one-row summary as a two-column table of formatted values."""
    def money(v: float) -> str:
        return "—" if pd.isna(v) else f"${v:,.0f}"

    def num(v: float, unit: str, d: int = 0) -> str:
        return "—" if pd.isna(v) else f"{v:,.{d}f} {unit}"

    return pd.DataFrame({
        "Metric": ["Revenue", "Energy", "Volume-weighted price", "Capacity factor", "Hours operating",
                   "Peak MW", "Min MW", "Registered capacity"],
        "Value": [money(s["revenue_aud"]), num(s["energy_mwh"], "MWh"),
                  "—" if pd.isna(s["price_per_mwh"]) else f"${s['price_per_mwh']:,.2f}/MWh",
                  num(s["capacity_factor_pct"], "%", 1), num(s["hours_operating"], "h", 1),
                  num(s["peak_mw"], "MW", 1), num(s["min_mw"], "MW", 1), num(capacity_mw, "MW")],
    })


def generating_units(units: pd.DataFrame) -> pd.DataFrame:
    """The units whose capacity is the station's: not its pumps or battery charge units, and only
    today's units when it has any (a history-layer unit such as HPRG1 was replaced by HPR1)."""
    gen = units[units["dispatch_type"].fillna("") != "load"]
    current = gen[~gen["is_historical"].fillna(False).astype(bool)]
    return current if not current.empty else gen


class StationTab(TabView):
    title = "Station Analysis"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.index: StationIndex | None = None
        self.query = pmui.TextInput(label="Search station or DUID", placeholder="e.g. Bayswater, ER01",
                                    sizing_mode="stretch_width", css_classes=["station-search"])
        self.matches = pmui.Select(label="Station", options=[], sizing_mode="stretch_width")
        self.mode = pmui.RadioButtonGroup(label="Show", options=["Station", "Single DUID"], value="Station",
                                          size="small")
        self.unit = pmui.Select(label="DUID", options=[], visible=False, sizing_mode="stretch_width")
        self.window = TimeWindow(ANALYSIS_PRESETS, default="Last 7 Days")
        self.heading = pmui.Typography("", variant="h6", css_classes=["station-heading"])
        self.axis = charts.TimeAxis()
        self.series = charts.DualAxisChart(height=420, axis=self.axis)
        self.tod = charts.DualAxisChart(height=420, x_format="%H:%M")
        self.summary = make_table(empty_frame(Metric="str", Value="str"), page_size=None, width=520,
                                  sizing_mode="fixed", css_classes=["station-summary"])
        self._frame = pd.DataFrame()
        self.download = csv_button(lambda: self._frame, "station.csv")
        self.subtabs = pmui.Tabs(("Time Series", pn.pane.Bokeh(self.series.figure, sizing_mode="stretch_width")),
                                 ("Time of Day", pn.pane.Bokeh(self.tod.figure, sizing_mode="stretch_width")),
                                 ("Summary", self.summary), dynamic=True, sizing_mode="stretch_width")
        self.query.param.watch(self._on_search, "value")
        self.matches.param.watch(self._on_station, "value")
        self.mode.param.watch(self._on_mode, "value")
        self.refresh_on(self.unit, self.window)
        self.set_layout([self.query, self.matches, self.mode, self.unit, self.window, self.download],
                        [self.heading, self.subtabs])

    # -- selection -------------------------------------------------------------------------
    def _ensure_index(self) -> StationIndex:
        duids = queries.duids(self.store)
        if self.index is None or self.index.duids is not duids:
            self.index = StationIndex(duids)
            if not self.matches.options:
                largest = duids.groupby(duids["station_name"].fillna(duids["duid"]))["registered_capacity_mw"].sum()
                if not largest.empty:
                    first = str(largest.idxmax())
                    with self.quietly():
                        self.matches.options = [first]
                        self.matches.value = first
        return self.index

    def _on_search(self, event) -> None:
        index = self._ensure_index()
        typed = (event.new or "").strip()
        if not typed:
            self.heading.object = "Nothing searched: type a station name or a DUID"
            return  # the page stays as it is
        hits = index.search(typed)
        if not hits:
            self.heading.object = f"No station matches “{typed}”"
            return
        if not hits[0].confident:  # a guess would switch the page to the wrong station: suggest instead
            nearest = ", ".join(m.station for m in hits[:3])
            self.heading.object = f"No close match for “{typed}”. Nearest: {nearest}"
            return
        with self.quietly():
            self.matches.options = [m.station for m in hits]
            self.matches.value = hits[0].station
        self._on_station(None)

    def _on_station(self, _event) -> None:
        self._sync_units()
        self.refresh()

    def _on_mode(self, event) -> None:
        self.unit.visible = event.new == "Single DUID"
        self.refresh()

    def _sync_units(self) -> None:
        if self.index is None or not self.matches.value:
            return
        units = list(self.index.units(self.matches.value)["duid"])
        if units != list(self.unit.options):
            with self.quietly():
                self.unit.options = units
                self.unit.value = units[0] if units else None

    def selected(self) -> tuple[str, list[str], float]:
        """(label, DUIDs, registered generating capacity MW) of the current selection."""
        assert self.index is not None
        units = self.index.units(self.matches.value)
        if self.mode.value == "Single DUID" and self.unit.value in set(units["duid"]):
            units = units[units["duid"] == self.unit.value]
            label = f"{self.unit.value} ({self.matches.value})"
        else:
            label = str(self.matches.value)
        return label, list(units["duid"]), float(generating_units(units)["registered_capacity_mw"].fillna(0).sum())

    # -- drawing ---------------------------------------------------------------------------
    def _refresh(self) -> None:
        self._ensure_index()
        self._sync_units()
        window = self.window_bounds(self.window, self.series, self.tod)
        if window is None or not self.matches.value:
            for chart in (self.series, self.tod):
                chart.message(NO_DATA_YET)
            return
        start, end, _bucket = window  # a station's own bucket below (station_bucket)
        label, duid_list, capacity = self.selected()
        self.axis.show(start, end, reset=self.selection_changed((label, self.window.key())))
        units = self.index.units(self.matches.value)
        gen = generating_units(units)
        info = (gen if not gen.empty else units).iloc[0]
        self.heading.object = (
            f"{label} · {info['region_id']} · {info['fuel_class']} · {info['participant']} · "
            f"{capacity:,.0f} MW · DUIDs: {', '.join(duid_list)}"
        )
        series = queries.station_series(self.store, duid_list, start, end)
        self._frame = series
        self.download.filename = f"station_{label.split(' ')[0]}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
        bucket = queries.station_bucket(start, end)
        if series.empty:
            self.series.message("No output in this window")
        else:
            grid = charts.wide_on_grid(series.melt(id_vars=[TIME]), "variable", "value", start, end, bucket)
            self.series.update(grid.index.to_numpy(), grid["mw"].to_numpy(), grid["rrp"].to_numpy(),
                               f"{label} — MW and regional price ({bucket}-min)")
        tod = queries.station_time_of_day(self.store, duid_list, start, end)
        if tod.empty:
            self.tod.message("No output in this window")
        else:
            x = pd.to_datetime("1970-01-01 " + tod["time_of_day"]).to_numpy()
            self.tod.update(x, tod["mw"].to_numpy(), tod["rrp"].to_numpy(),
                            f"{label} — average by time of day (interval start)")
        summary = queries.station_summary(self.store, duid_list, start, end)
        self.summary.value = summary_rows(summary.iloc[0], capacity)
