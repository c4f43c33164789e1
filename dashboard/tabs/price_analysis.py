"""Tab 4 — Average Price Analysis: a pivot over the `price_pivot(start, end)` macro.

Rows are DUIDs from the macro; a hierarchical Tabulator groups them by any ordering of
Region / Fuel / Station. Group rows carry sums (GWh, $M, MW and a hidden capacity-energy
column) and the price and utilisation cells are *derived from those sums* in the browser:
price = Σ$ / ΣMWh and utilisation = ΣGWh / Σcapacity-GWh — never a mean of the children's
ratios. The same formula on a leaf row gives the macro's own per-DUID price.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import panel_material_ui as pmui
from panel.io.model import JSCode

from dashboard import queries, theme
from dashboard.components.base import TabView
from dashboard.components.tables import csv_button, money, number
from dashboard.components.time_window import ANALYSIS_PRESETS, TimeWindow

LEVELS = {"Region": "region_id", "Fuel": "fuel_class", "Station": "station_name"}
NONE = "—"
# chooser label -> column
COLUMNS = {
    "Gen GWh": "generation_gwh",
    "Rev $M": "revenue_musd",
    "Price $/MWh": "price_per_mwh",
    "Util %": "utilisation_pct",
    "Cap MW": "capacity_mw",
    "Station": "station",
    "Owner": "owner",
}
TITLES = {
    "generation_gwh": "Gen GWh", "revenue_musd": "Rev $M", "price_per_mwh": "Price $/MWh",
    "utilisation_pct": "Util %", "capacity_mw": "Cap MW", "station": "Station", "owner": "Owner",
}
HIDDEN = ["_capacity_gwh"]
SUMS = {"generation_gwh": "sum", "revenue_musd": "sum", "capacity_mw": "sum", "_capacity_gwh": "sum"}

_IS_GROUP = "const d = cell.getData(); const group = Array.isArray(d._children) && d._children.length > 0;"
_FMT = "(v, n) => (v < 0 ? '-' : '') + Math.abs(v).toLocaleString('en-AU', {minimumFractionDigits: n, maximumFractionDigits: n})"
PRICE_FORMATTER = JSCode(
    "function(cell) { const d = cell.getData(); const f = " + _FMT + ";"
    " if (!d.generation_gwh) { return '—'; }"
    " const v = d.revenue_musd * 1000 / d.generation_gwh; return (v < 0 ? '-$' : '$') + f(Math.abs(v), 2); }"
)
PRICE_SORTER = JSCode(
    "function(a, b, aRow, bRow) { const p = r => { const d = r.getData();"
    " return d.generation_gwh ? d.revenue_musd * 1000 / d.generation_gwh : -Infinity; }; return p(aRow) - p(bRow); }"
)
# A unit without capacity (a pump, a battery's charging side) is 0 in the sums, shown as "—".
CAPACITY_FORMATTER = JSCode(
    "function(cell) { const v = cell.getValue(); const f = " + _FMT + "; return v ? f(v, 0) : '—'; }"
)
UTIL_FORMATTER = JSCode(
    "function(cell) { const d = cell.getData(); const f = " + _FMT + ";"
    " if (!d._capacity_gwh) { return '—'; } return f(100 * d.generation_gwh / d._capacity_gwh, 1); }"
)
TEXT_FORMATTER = JSCode(
    "function(cell) { " + _IS_GROUP + " const v = cell.getValue(); return group || v == null ? '' : v; }"
)


def build_pivot_frame(flat: pd.DataFrame, levels: list[str]) -> pd.DataFrame:
    """The macro's DUID rows indexed by the chosen levels then DUID (the tree the table shows)."""
    frame = flat.rename(columns={"participant": "owner"}).assign(station=flat["station_name"])
    index = [LEVELS[level] for level in levels] + ["duid"]
    cols = ["generation_gwh", "revenue_musd", "price_per_mwh", "utilisation_pct", "capacity_mw", "station",
            "owner", "_capacity_gwh"]
    frame = frame.set_index(index)[cols].sort_index()
    frame.index = frame.index.set_names([*levels, "DUID"])
    # The browser sums these up the tree (Bokeh's SumAggregator): one NaN child (a load has no
    # capacity) made its region's Cap MW and Util % blank. A missing capacity adds nothing: 0.
    return frame.fillna({c: 0.0 for c in SUMS})


def grouped_rows(flat: pd.DataFrame, levels: list[str]) -> pd.DataFrame:
    """The groups on screen as rows (one per combination of the chosen levels), for the CSV: sums of
    GWh, $M and MW, price = Σ$ / ΣMWh and utilisation = ΣGWh / Σcapacity-GWh, as the table shows."""
    keys = [LEVELS[level] for level in levels]
    frame = flat.fillna({c: 0.0 for c in SUMS})
    out = frame.groupby(keys, dropna=False).agg(
        generation_gwh=("generation_gwh", "sum"), revenue_musd=("revenue_musd", "sum"),
        capacity_mw=("capacity_mw", "sum"), _capacity_gwh=("_capacity_gwh", "sum"), duids=("duid", "nunique"),
    ).reset_index()
    gwh = out["generation_gwh"].where(out["generation_gwh"] != 0)
    out["price_per_mwh"] = out["revenue_musd"] * 1000 / gwh
    out["utilisation_pct"] = 100 * out["generation_gwh"] / out["_capacity_gwh"].where(out["_capacity_gwh"] != 0)
    return out.drop(columns="_capacity_gwh")[
        [*keys, "generation_gwh", "revenue_musd", "price_per_mwh", "utilisation_pct", "capacity_mw", "duids"]]


def make_pivot_table(frame: pd.DataFrame, shown: list[str]) -> pn.widgets.Tabulator:
    levels = list(frame.index.names)
    hidden = HIDDEN + [c for label, c in COLUMNS.items() if label not in shown]
    return pn.widgets.Tabulator(
        frame,
        hierarchical=True,
        aggregators={level: dict(SUMS) for level in levels[:-1]},
        formatters={
            "generation_gwh": number(2), "revenue_musd": money(2), "capacity_mw": CAPACITY_FORMATTER,
            "price_per_mwh": PRICE_FORMATTER, "utilisation_pct": UTIL_FORMATTER,
            "station": TEXT_FORMATTER, "owner": TEXT_FORMATTER,
        },
        configuration={"columns": [{"field": "price_per_mwh", "sorter": PRICE_SORTER}]},
        titles=TITLES,
        hidden_columns=hidden,
        text_align={"price_per_mwh": "right", "utilisation_pct": "right", "capacity_mw": "right"},
        header_filters={"station": {"type": "input", "func": "like", "placeholder": "filter"},
                        "owner": {"type": "input", "func": "like", "placeholder": "filter"}},
        widths={"index": 260},
        disabled=True, selectable=False, sizing_mode="stretch_width", height=620, layout="fit_data_table",
        stylesheets=[theme.TREE_TABLE_CSS], css_classes=["price-pivot"],
    )


class PriceAnalysisTab(TabView):
    title = "Average Price Analysis"

    def __init__(self, store, **params) -> None:
        super().__init__(store, **params)
        self.level1 = pmui.Select(label="Group by", options=list(LEVELS), value="Region", sizing_mode="stretch_width")
        self.level2 = pmui.Select(label="then by", options=[*LEVELS, NONE], value="Fuel", sizing_mode="stretch_width")
        self.level3 = pmui.Select(label="then by", options=[*LEVELS, NONE], value="Station",
                                  sizing_mode="stretch_width")
        self.regions = pmui.CheckBoxGroup(label="Regions", options=list(theme.REGIONS), value=list(theme.REGIONS),
                                          inline=True)
        self.fuels = pmui.CheckBoxGroup(label="Fuels", options=[], value=[], inline=False)
        self.columns = pmui.CheckBoxGroup(label="Columns", options=list(COLUMNS), value=list(COLUMNS), inline=True)
        self.window = TimeWindow(ANALYSIS_PRESETS, default="Last 7 Days")
        self.caption = pmui.Typography("", variant="body2", css_classes=["pivot-caption"])
        self.holder = pn.Column(sizing_mode="stretch_width")
        self._flat = pd.DataFrame()
        self._groups = pd.DataFrame()
        # both: the DUID rows, and the groups as the table shows them (issue 19 item 18)
        self.download = csv_button(lambda: self._flat, "price_pivot.csv", "CSV: DUIDs")
        self.download_groups = csv_button(lambda: self._groups, "price_pivot_groups.csv", "CSV: groups")
        for level in (self.level1, self.level2):  # before refresh_on: the options settle, then one refresh
            level.param.watch(lambda _e: self._sync_levels(), "value")
        self._sync_levels()
        self.refresh_on(self.level1, self.level2, self.level3, self.regions, self.fuels, self.columns, self.window)
        self.set_layout([self.level1, self.level2, self.level3, self.window, self.fuels, self.download,
                         self.download_groups],
                        [self.regions, self.columns, self.caption, self.holder])

    def _sync_levels(self) -> None:
        """Offer each field once: "then by" lists only what the levels above have not taken."""
        with self.quietly():
            first = self.level1.value
            second = [lv for lv in LEVELS if lv != first] + [NONE]
            self.level2.options = second
            if self.level2.value not in second:
                self.level2.value = second[0]
            taken = {first, self.level2.value}
            third = [NONE] if self.level2.value == NONE else [lv for lv in LEVELS if lv not in taken] + [NONE]
            self.level3.options = third
            if self.level3.value not in third:
                self.level3.value = third[0]

    def levels(self) -> list[str]:
        """The chosen grouping, in order, without repeats or blanks."""
        out: list[str] = []
        for value in (self.level1.value, self.level2.value, self.level3.value):
            if value in LEVELS and value not in out:
                out.append(value)
        return out

    def _sync_fuels(self) -> None:
        fuels = theme.order_fuels(queries.pivot_fuels(self.store))
        if fuels != list(self.fuels.options):
            known = set(self.fuels.options)
            keep = [f for f in fuels if f in self.fuels.value or f not in known]
            with pn.io.hold():
                self.fuels.options = fuels
                self.fuels.value = keep

    def _refresh(self) -> None:
        self._sync_fuels()
        window = self.window_bounds(self.window, self)
        if window is None:
            return
        start, end, _bucket = window
        flat = queries.price_pivot(self.store, start, end, self.regions.value, self.fuels.value)
        self._flat = flat.drop(columns=HIDDEN)
        self.download.filename = f"price_pivot_{start:%Y%m%d}_{end:%Y%m%d}.csv"
        levels = self.levels()
        self._groups = grouped_rows(flat, levels) if not flat.empty else pd.DataFrame()
        self.download_groups.filename = (f"price_pivot_by_{'_'.join(lv.lower() for lv in levels)}_"
                                         f"{start:%Y%m%d}_{end:%Y%m%d}.csv")
        total_gwh = flat["generation_gwh"].sum()
        price = flat["revenue_musd"].sum() * 1000 / total_gwh if total_gwh else float("nan")
        self.caption.object = (
            f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} · grouped by {' › '.join(levels)} › DUID · "
            f"{len(flat)} DUID rows · {total_gwh:,.1f} GWh · volume-weighted price ${price:,.2f}/MWh"
        )
        if flat.empty:
            self.message("No generation for this selection")
            return
        self.holder.objects = [make_pivot_table(build_pivot_frame(flat, levels), list(self.columns.value))]

    def message(self, text: str) -> None:
        """Show `text` where the pivot table stands (no data yet, nothing selected)."""
        self.holder.objects = [pmui.Typography(text)]
