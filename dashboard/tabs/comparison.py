"""Tab — Comparison: two periods of one area side by side (with the evening peak), several regions
over one period, or two to four stations over one period.

Periods: A is the reference (the previous corresponding period), B the one in question; the
difference column is B - A. A period only partly inside the warehouse is marked "partial (x of y
days)", one with no data says so, and its figures stay empty rather than zero. The evening peak is
the mean MW by fuel over the intervals starting in the chosen hours (17:00-22:00 by default): mean
MW, not energy, so a partial period still compares; the waterfall's fuel bars sum to the change in
the evening's total (demand incl. rooftop, less charging and pumping).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import panel as pn
import panel_material_ui as pmui
from bokeh.core.properties import value

from dashboard import queries, theme
from dashboard.components import charts
from dashboard.components.bars import MixBars, Waterfall
from dashboard.components.base import NO_DATA_YET, TabView
from dashboard.components.periods import PRESETS, Period, custom_period, preset_periods
from dashboard.components.search import StationIndex
from dashboard.components.tables import NO_VALUE, csv_button, empty_frame, make_table, money, number, percent
from dashboard.components.time_window import bound_to_data

MODES = ("Periods", "Regions", "Stations")
MAX_STATIONS = 4

# (label, column of PERIOD_PRICE / flows / renewable, unit, decimals)
METRICS = (
    ("Mean price", "mean_rrp", "$/MWh", 2),
    ("Volume-weighted price (by demand)", "vwap_rrp", "$/MWh", 2),
    ("Price p5", "p5_rrp", "$/MWh", 2),
    ("Price median", "p50_rrp", "$/MWh", 2),
    ("Price p95", "p95_rrp", "$/MWh", 2),
    ("Max price", "max_rrp", "$/MWh", 2),
    ("Negative-price hours", "negative_hours", "h", 1),
    ("Hours at or above $300", "high_hours", "h", 1),
    ("Evening mean price", "evening_mean_rrp", "$/MWh", 2),
    ("Demand (TOTALDEMAND)", "demand_gwh", "GWh", 1),
    ("Renewable share", "renewable_pct", "%", 1),
    ("Imports", "imports_gwh", "GWh", 1),
    ("Exports", "exports_gwh", "GWh", 1),
)
METRIC_COLUMNS = dict(metric="str", unit="str", a="float64", b="float64", diff="float64", diff_pct="float64")
FUEL_COLUMNS = dict(fuel="str", a_gwh="float64", b_gwh="float64", diff_gwh="float64", a_share="float64",
                    b_share="float64", a_vwap="float64", b_vwap="float64", a_evening_mw="float64",
                    b_evening_mw="float64", diff_evening_mw="float64")
REGION_COLUMNS = dict(region_id="str", demand_gwh="float64", mean_rrp="float64", vwap_rrp="float64",
                      p95_rrp="float64", negative_hours="float64", renewable_pct="float64", imports_gwh="float64",
                      exports_gwh="float64")
STATION_COLUMNS = dict(station="str", region_id="str", fuel="str", capacity_mw="float64", energy_mwh="float64",
                       capacity_factor_pct="float64", revenue_aud="float64", price_per_mwh="float64",
                       peak_mw="float64")
STATION_KEYS = tuple(f"S{i + 1}" for i in range(MAX_STATIONS))
STATION_COLORS = dict(zip(STATION_KEYS, ("#42a5f5", "#ffa726", "#66bb6a", "#ab47bc"), strict=True))


def pct_change(a: float, b: float) -> float:
    return np.nan if pd.isna(a) or pd.isna(b) or a == 0 else 100 * (b - a) / abs(a)


def coverage_text(period: Period, days_with_data: int) -> str:
    """"full", "partial (x of y days)" or "no data" for a period."""
    want = max(1, int(np.ceil(period.days - 1e-9)))
    if days_with_data <= 0:
        return "no data"
    if days_with_data < want:
        return f"partial ({days_with_data} of {want} days)"
    return "full"


def metric_rows(a: dict, b: dict) -> pd.DataFrame:
    rows = []
    for label, key, unit, _d in METRICS:
        va, vb = a.get(key, np.nan), b.get(key, np.nan)
        rows.append({"metric": label, "unit": unit, "a": va, "b": vb,
                     "diff": vb - va if not (pd.isna(va) or pd.isna(vb)) else np.nan, "diff_pct": pct_change(va, vb)})
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))


def fuel_rows(fa: pd.DataFrame, fb: pd.DataFrame) -> pd.DataFrame:
    """Per fuel: energy of A and B, shares of the generation (positive fuels), VWAP and evening MW."""
    a = fa.set_index("fuel_class") if not fa.empty else pd.DataFrame(columns=["energy_gwh", "vwap_rrp", "evening_mw"])
    b = fb.set_index("fuel_class") if not fb.empty else pd.DataFrame(columns=["energy_gwh", "vwap_rrp", "evening_mw"])
    fuels = theme.order_fuels(list(set(a.index) | set(b.index)))
    out = pd.DataFrame({"fuel": fuels})
    for side, frame in (("a", a), ("b", b)):
        frame = frame.reindex(fuels)
        energy = frame["energy_gwh"].astype(float).to_numpy()
        generation = np.nansum(np.where(energy > 0, energy, 0.0)) if len(energy) else 0.0
        out[f"{side}_gwh"] = energy
        out[f"{side}_share"] = np.where(energy > 0, 100 * energy / generation, np.nan) if generation else np.nan
        out[f"{side}_vwap"] = frame["vwap_rrp"].astype(float).to_numpy()
        out[f"{side}_evening_mw"] = frame["evening_mw"].astype(float).to_numpy()
    # a fuel one period lacks counts 0 there; with a period that has no data at all, no difference
    both = not (fa.empty or fb.empty)
    out["diff_gwh"] = out["b_gwh"].fillna(0) - out["a_gwh"].fillna(0) if both else np.nan
    out["diff_evening_mw"] = out["b_evening_mw"].fillna(0) - out["a_evening_mw"].fillna(0) if both else np.nan
    return out[list(FUEL_COLUMNS)]


class ComparisonTab(TabView):
    title = "Comparison"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.mode = pmui.RadioButtonGroup(label="Compare", options=list(MODES), value="Periods", size="small")
        self.preset = pmui.Select(label="Periods", options=list(PRESETS), value=PRESETS[0],
                                  sizing_mode="stretch_width")
        self.custom_a = pmui.DateRangePicker(label="Period A (custom)", visible=False, sizing_mode="stretch_width")
        self.custom_b = pmui.DateRangePicker(label="Period B (custom)", visible=False, sizing_mode="stretch_width")
        self.region = pmui.Select(label="Region", options=list(theme.REGION_CHOICES), value="NEM",
                                  sizing_mode="stretch_width")
        self.regions = pmui.MultiChoice(label="Regions", options=list(theme.REGIONS), value=list(theme.REGIONS),
                                        visible=False, sizing_mode="stretch_width")
        self.evening = pmui.IntRangeSlider(label="Evening hours (interval start)", start=0, end=24, value=(17, 22),
                                           step=1, sizing_mode="stretch_width")
        self.search = pmui.TextInput(label="Add a station (search name or DUID)", visible=False,
                                     sizing_mode="stretch_width", css_classes=["comparison-search"])
        self.stations = pmui.MultiChoice(label="Stations (2 to 4)", options=[], value=[], max_items=MAX_STATIONS,
                                         visible=False, sizing_mode="stretch_width")
        self.caption = pmui.Typography("", variant="body2", css_classes=["comparison-caption"])
        self.index: StationIndex | None = None
        self._frame = pd.DataFrame()
        self.download = csv_button(lambda: self._frame, "comparison.csv")

        self.metrics = make_table(empty_frame(**METRIC_COLUMNS), page_size=None, css_classes=["comparison-metrics"],
                                  titles={"metric": "Metric", "unit": "Unit", "a": "A", "b": "B", "diff": "B − A",
                                          "diff_pct": "B − A %"},
                                  formatters={"a": number(2), "b": number(2), "diff": number(2),
                                              "diff_pct": percent(1)})
        self.fuels = make_table(
            empty_frame(**FUEL_COLUMNS), page_size=None, css_classes=["comparison-fuels"],
            titles={"fuel": "Fuel", "a_gwh": "A GWh", "b_gwh": "B GWh", "diff_gwh": "B − A GWh",
                    "a_share": "A share %", "b_share": "B share %", "a_vwap": "A $/MWh", "b_vwap": "B $/MWh",
                    "a_evening_mw": "A evening MW", "b_evening_mw": "B evening MW",
                    "diff_evening_mw": "B − A evening MW"},
            formatters={"a_gwh": number(2), "b_gwh": number(2), "diff_gwh": number(2), "a_share": percent(1),
                        "b_share": percent(1), "a_vwap": money(2), "b_vwap": money(2), "a_evening_mw": number(0),
                        "b_evening_mw": number(0), "diff_evening_mw": number(0)},
        )
        self.bars = MixBars()
        self.waterfall = Waterfall()
        self.evening_note = pmui.Typography("", variant="body2", css_classes=["comparison-evening"])
        self.periods_view = pn.Column(
            pmui.Typography("Side by side", variant="subtitle1"), self.metrics,
            pmui.Typography("Fuel mix, volume-weighted price by fuel, evening MW", variant="subtitle1"), self.fuels,
            pmui.Typography("Evening peak", variant="subtitle1"), self.evening_note,
            pn.Row(pn.pane.Bokeh(self.bars.figure, sizing_mode="stretch_width"),
                   pn.pane.Bokeh(self.waterfall.figure, sizing_mode="stretch_width"), sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        self.region_table = make_table(
            empty_frame(**REGION_COLUMNS), page_size=None, css_classes=["comparison-regions"],
            titles={"region_id": "Region", "demand_gwh": "Demand GWh", "mean_rrp": "Mean $/MWh",
                    "vwap_rrp": "Volume-weighted $/MWh", "p95_rrp": "p95 $/MWh", "negative_hours": "Negative-price h",
                    "renewable_pct": "Renewable %", "imports_gwh": "Imports GWh", "exports_gwh": "Exports GWh"},
            formatters={"demand_gwh": number(1), "mean_rrp": money(2), "vwap_rrp": money(2), "p95_rrp": money(2),
                        "negative_hours": number(1), "renewable_pct": percent(1), "imports_gwh": number(1),
                        "exports_gwh": number(1)},
        )
        self.region_bars = MixBars(ylabel="MW (mean over the period)")
        self.regions_view = pn.Column(self.region_table, pn.pane.Bokeh(self.region_bars.figure,
                                                                       sizing_mode="stretch_width"),
                                      visible=False, sizing_mode="stretch_width")
        self.station_table = make_table(
            empty_frame(**STATION_COLUMNS), page_size=None, css_classes=["comparison-stations"],
            titles={"station": "Station", "region_id": "Region", "fuel": "Fuel", "capacity_mw": "Capacity MW",
                    "energy_mwh": "Energy MWh", "capacity_factor_pct": "Capacity factor %", "revenue_aud": "Revenue $",
                    "price_per_mwh": "Price received $/MWh", "peak_mw": "Peak MW"},
            formatters={"capacity_mw": number(0), "energy_mwh": number(0), "capacity_factor_pct": percent(1),
                        "revenue_aud": money(0), "price_per_mwh": money(2), "peak_mw": number(0)},
        )
        self.tod = charts.LineChart(STATION_KEYS, STATION_COLORS, "MW", height=340, fmt="0,0",
                                    title="Average MW by time of day (interval start)")
        self.tod.figure.xaxis.formatter.hours = "%H:%M"
        self.tod.figure.xaxis.formatter.days = "%H:%M"
        self.stations_view = pn.Column(self.station_table, pn.pane.Bokeh(self.tod.figure, sizing_mode="stretch_width"),
                                       visible=False, sizing_mode="stretch_width")

        self.mode.param.watch(self._on_mode, "value")
        self.preset.param.watch(self._on_preset, "value")
        self.search.param.watch(self._on_search, "value")
        self.refresh_on(self.region, self.regions, self.evening, self.stations, self.custom_a, self.custom_b)
        self.preset.param.watch(lambda _e: self.refresh(), "value")
        self.set_layout(
            [self.mode, self.preset, self.custom_a, self.custom_b, self.region, self.regions, self.search,
             self.stations, self.evening, self.download],
            [self.caption, self.periods_view, self.regions_view, self.stations_view],
        )

    # -- controls -----------------------------------------------------------------------------
    def _on_mode(self, event) -> None:
        mode = event.new
        with self.quietly():
            self.region.visible = self.evening.visible = mode == "Periods"
            self.regions.visible = mode == "Regions"
            self.search.visible = self.stations.visible = mode == "Stations"
            self.periods_view.visible = mode == "Periods"
            self.regions_view.visible = mode == "Regions"
            self.stations_view.visible = mode == "Stations"
        self.refresh()

    def _on_preset(self, event) -> None:
        custom = event.new == "Custom"
        self.custom_a.visible = custom
        self.custom_b.visible = custom

    def _ensure_index(self) -> StationIndex:
        duids = queries.duids(self.store)
        if self.index is None or self.index.duids is not duids:
            self.index = StationIndex(duids)
            with self.quietly():
                self.stations.options = list(self.index.stations)
                if not self.stations.value and not duids.empty:
                    names = duids["station_name"].fillna(duids["duid"])
                    largest = duids.groupby(names)["registered_capacity_mw"].sum().nlargest(2)
                    self.stations.value = [s for s in largest.index if s in set(self.index.stations)]
        return self.index

    def _on_search(self, event) -> None:
        index = self._ensure_index()
        typed = (event.new or "").strip()
        if not typed:
            self.caption.object = "Nothing searched: type a station name or a DUID"
            return
        hits = index.search(typed)
        if not hits or not hits[0].confident:
            nearest = ", ".join(m.station for m in hits[:3]) if hits else "none"
            self.caption.object = f"No close match for “{typed}”. Nearest: {nearest}"
            return
        chosen = [s for s in self.stations.value if s != hits[0].station]
        if len(chosen) >= MAX_STATIONS:
            self.caption.object = f"At most {MAX_STATIONS} stations: remove one first"
            return
        self.stations.value = [*chosen, hits[0].station]  # the watcher refreshes

    def periods(self, newest: dt.datetime) -> tuple[Period, Period]:
        if self.preset.value != "Custom":
            return preset_periods(self.preset.value, newest)
        default_a, default_b = preset_periods(PRESETS[0], newest)
        a = custom_period("A", *self.custom_a.value) if self.custom_a.value and all(self.custom_a.value) else default_a
        b = custom_period("B", *self.custom_b.value) if self.custom_b.value and all(self.custom_b.value) else default_b
        return a, b

    # -- drawing ------------------------------------------------------------------------------
    def _refresh(self) -> None:
        newest = self.store.newest_interval()
        if newest is None:
            for chart in (self.bars, self.waterfall, self.region_bars, self.tod):
                chart.message(NO_DATA_YET)
            self.caption.object = NO_DATA_YET
            return
        for picker in (self.custom_a, self.custom_b):
            with self.quietly():
                bound_to_data(picker, self.store, newest)
        a, b = self.periods(newest)
        if self.mode.value == "Periods":
            self._periods(a, b)
        elif self.mode.value == "Regions":
            self._regions(b)
        else:
            self._stations(b)

    def _areas(self, areas: list[str], period: Period, evening: tuple[int, int]) -> dict[str, tuple[dict, pd.DataFrame]]:
        """Per area: (metrics, fuel rows) over `period`; an area without data gets {"intervals": 0}."""
        price = queries.comparison_query(self.store, queries.PERIOD_PRICE, areas, period.start, period.end, evening)
        fuel = queries.comparison_query(self.store, queries.PERIOD_FUEL, areas, period.start, period.end, evening)
        flow = (queries.comparison_query(self.store, queries.PERIOD_FLOW, areas, period.start, period.end)
                if areas != ["NEM"] else pd.DataFrame(columns=["area"]))
        out = {}
        for area in areas:
            metrics = {}
            for frame in (price, flow):
                row = frame[frame["area"] == area]
                if not row.empty:
                    metrics.update(row.iloc[0].drop("area").to_dict())
            rows = fuel[fuel["area"] == area].drop(columns="area")
            if not metrics.get("intervals"):
                metrics = {"intervals": 0, "days_with_data": 0}  # no data: empty, not zero
            elif not rows.empty:
                metrics["renewable_pct"] = rows["renewable_pct"].iloc[0]
            out[area] = (metrics, rows.reset_index(drop=True))
        return out

    def _periods(self, a: Period, b: Period) -> None:
        region, evening = self.region.value, tuple(self.evening.value)
        (ma, fa), (mb, fb) = self._areas([region], a, evening)[region], self._areas([region], b, evening)[region]
        cover_a = coverage_text(a, int(ma.get("days_with_data", 0)))
        cover_b = coverage_text(b, int(mb.get("days_with_data", 0)))
        self.caption.object = (f"**{region}** · **{a.label}**: {a.text()} ({cover_a}) · "
                               f"**{b.label}**: {b.text()} ({cover_b}) · B − A: the change from A to B")
        metrics = metric_rows(ma, mb)
        self.metrics.value = metrics
        fuels = fuel_rows(fa, fb)
        self.fuels.value = fuels
        self._frame = fuels.assign(region=region, a_period=a.text(), b_period=b.text())
        self.download.filename = f"comparison_{region}_{a.start:%Y%m%d}_{b.start:%Y%m%d}.csv"
        lo, hi = evening
        mix = fuels.set_index("fuel")[["a_evening_mw", "b_evening_mw"]].T
        mix.index = ["A", "B"]  # the periods' dates are in the caption
        has = [bool(ma.get("intervals")), bool(mb.get("intervals"))]
        mix = mix[has]
        title = f"Evening {lo:02d}:00–{hi:02d}:00 — {region}, mean MW by fuel"
        self.bars.update(mix.dropna(axis=1, how="all"), title)
        if all(has):
            delta = fuels.set_index("fuel")["diff_evening_mw"]
            self.waterfall.update(delta[delta != 0], f"What changed in the evening (B − A, mean MW) — {region}")
        else:
            self.waterfall.message("Both periods need data for the waterfall")
        self.evening_note.object = (
            f"Evening {lo:02d}:00–{hi:02d}:00 mean price: **A** {self._money(ma.get('evening_mean_rrp'))}, "
            f"**B** {self._money(mb.get('evening_mean_rrp'))} · demand-weighted: A "
            f"{self._money(ma.get('evening_vwap_rrp'))}, B {self._money(mb.get('evening_vwap_rrp'))}"
        )

    @staticmethod
    def _money(amount) -> str:
        return NO_VALUE if amount is None or pd.isna(amount) else f"${amount:,.2f}/MWh"

    def _regions(self, period: Period) -> None:
        chosen = [r for r in theme.REGIONS if r in set(self.regions.value)]
        if len(chosen) < 2:
            self.caption.object = "Choose two or more regions"
            self.region_bars.message("Choose two or more regions")
            return
        rows, mix, days = [], {}, 0
        for region, (metrics, fuel) in self._areas(chosen, period, tuple(self.evening.value)).items():
            days = max(days, int(metrics.get("days_with_data", 0)))
            rows.append({"region_id": region, **{k: metrics.get(k, np.nan) for k in REGION_COLUMNS if k != "region_id"}})
            if not fuel.empty:
                mix[region] = fuel.set_index("fuel_class")["energy_gwh"] * 1000 / max(period.days * 24, 1e-9)
        table = pd.DataFrame(rows, columns=list(REGION_COLUMNS))
        self.region_table.value = table
        self._frame = table.assign(period=period.text())
        self.download.filename = f"comparison_regions_{period.start:%Y%m%d}_{period.end:%Y%m%d}.csv"
        self.caption.object = (f"**Regions** over **{period.label.split('· ')[-1]}**: {period.text()} "
                               f"({coverage_text(period, days)})")
        self.region_bars.update(pd.DataFrame(mix).T, f"Mean MW by fuel — {period.text()}")

    def _stations(self, period: Period) -> None:
        index = self._ensure_index()
        chosen = list(self.stations.value)[:MAX_STATIONS]
        if len(chosen) < 2:
            self.caption.object = "Choose two to four stations (search above)"
            self.tod.message("Choose two to four stations")
            return
        rows, curves = [], {}
        for key, station in zip(STATION_KEYS, chosen, strict=False):
            units = index.units(station)
            duid_list = list(units["duid"])
            gen = units[units["dispatch_type"].fillna("") != "load"]
            info = (gen if not gen.empty else units).iloc[0]
            s = queries.station_summary(self.store, duid_list, period.start, period.end).iloc[0]
            rows.append({"station": station, "region_id": info["region_id"], "fuel": info["fuel_class"],
                         "capacity_mw": float(gen["registered_capacity_mw"].fillna(0).sum()),
                         "energy_mwh": s["energy_mwh"], "capacity_factor_pct": s["capacity_factor_pct"],
                         "revenue_aud": s["revenue_aud"], "price_per_mwh": s["price_per_mwh"], "peak_mw": s["peak_mw"]})
            tod = queries.station_time_of_day(self.store, duid_list, period.start, period.end)
            if not tod.empty:
                curves[key] = pd.Series(tod["mw"].to_numpy(),
                                        index=pd.to_datetime("1970-01-01 " + tod["time_of_day"]))
            self.tod.items[key].label = value(station)  # a bare string would be read as a field name
        table = pd.DataFrame(rows, columns=list(STATION_COLUMNS))
        self.station_table.value = table
        self._frame = table.assign(period=period.text())
        self.download.filename = f"comparison_stations_{period.start:%Y%m%d}_{period.end:%Y%m%d}.csv"
        self.caption.object = f"**Stations** over {period.text()} · time of day by interval start"
        if curves:
            self.tod.update(pd.DataFrame(curves).sort_index(), "Average MW by time of day (interval start)")
        else:
            self.tod.message("No output in this period")
