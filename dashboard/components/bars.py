"""Categorical bar charts for the Comparison tab: the fuel mix of two periods as stacked bars, and
a waterfall of what changed between them. Built once per session; `update()` refills the data.

MixBars stacks positive fuels upwards and the negative ones (charging, pumping, exports) downwards,
like the fuel stack. Waterfall draws one bar per fuel from the running total before it to the
total after it, then the net change from zero: the fuel bars add up to the net bar exactly.
"""

from __future__ import annotations

import pandas as pd
from bokeh.core.properties import value
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Legend, LegendItem
from bokeh.plotting import figure

from dashboard import theme
from dashboard.components.charts import Chart

NET = "Net change"


class MixBars(Chart):
    """Mean MW by fuel for a few labelled periods (or regions), one stacked bar each."""

    FUELS = tuple(theme.FUEL_ORDER)

    def __init__(self, height: int = 360, ylabel: str = "MW (mean)") -> None:
        super().__init__(figure(x_range=FactorRange(), height=height, sizing_mode="stretch_width",
                                tools="save", toolbar_location="above", title=""))
        self.figure.yaxis.axis_label = ylabel
        self.key = {f: f"f{i}" for i, f in enumerate(self.FUELS)}
        self.source = ColumnDataSource(self._empty())
        up = [f for f in self.FUELS if f not in theme.NEGATIVE_FUELS]
        down = [f for f in self.FUELS if f in theme.NEGATIVE_FUELS or f in theme.SIGNED_FUELS]
        renderers = []
        by_fuel: dict[str, list] = {f: [] for f in self.FUELS}
        for fuels, prefix in ((up, "p"), (down, "n")):
            rs = self.figure.vbar_stack([prefix + self.key[f] for f in fuels], x="label", width=0.6,
                                        color=theme.fuel_colors(fuels), source=self.source)
            renderers += rs
            for f, r in zip(fuels, rs, strict=True):
                by_fuel[f].append(r)
        self.items = {f: LegendItem(label=f, renderers=by_fuel[f], visible=False) for f in self.FUELS}
        self.figure.add_layout(Legend(items=list(self.items.values()), label_text_font_size="11px"), "right")
        self.figure.add_tools(HoverTool(renderers=renderers, tooltips=[("", "@label")] + [
            (f, f"@{self.key[f]}{{0,0}} MW") for f in self.FUELS]))
        self.up, self.down = up, down

    def _empty(self) -> dict[str, list]:
        cols: dict[str, list] = {"label": []}
        for f in self.FUELS:
            cols["p" + self.key[f]] = []
            cols["n" + self.key[f]] = []
            cols[self.key[f]] = []
        return cols

    def _clear(self) -> None:
        self.source.data = self._empty()

    def update(self, mw: pd.DataFrame, title: str) -> None:
        """`mw`: rows = labels (periods or regions), columns = fuel classes, values = mean MW."""
        if mw.empty:
            self.message("No data in these periods")
            return
        labels = [str(i) for i in mw.index]
        cols: dict[str, list] = {"label": labels}
        for f in self.FUELS:
            values = mw[f].fillna(0.0) if f in mw.columns else pd.Series(0.0, index=mw.index)
            cols["p" + self.key[f]] = list(values.clip(lower=0)) if f in self.up else [0.0] * len(labels)
            cols["n" + self.key[f]] = list(values.clip(upper=0)) if f in self.down else [0.0] * len(labels)
            cols[self.key[f]] = list(values)
        self.figure.x_range.factors = labels
        self.source.data = cols
        for f, item in self.items.items():
            item.visible = f in mw.columns and bool(mw[f].fillna(0).abs().gt(0).any())
        self._shown(title)


class Waterfall(Chart):
    """B - A per fuel as floating bars, ending in the net change."""

    def __init__(self, height: int = 360, ylabel: str = "MW (B - A)") -> None:
        super().__init__(figure(x_range=FactorRange(), height=height, sizing_mode="stretch_width",
                                tools="save", toolbar_location="above", title=""))
        self.figure.yaxis.axis_label = ylabel
        self.figure.xaxis.major_label_orientation = 0.7
        self.source = ColumnDataSource({"fuel": [], "bottom": [], "top": [], "delta": [], "color": []})
        bars = self.figure.vbar(x="fuel", bottom="bottom", top="top", width=0.7, color="color", source=self.source)
        self.figure.add_tools(HoverTool(renderers=[bars], tooltips=[("", "@fuel"), ("Change", "@delta{+0,0} MW")]))

    def _clear(self) -> None:
        self.source.data = {"fuel": [], "bottom": [], "top": [], "delta": [], "color": []}

    def update(self, delta: pd.Series, title: str) -> None:
        """`delta`: B - A per fuel class (index), in the fixed fuel order."""
        delta = delta.dropna()
        if delta.empty:
            self.message("Nothing to compare")
            return
        fuels = theme.order_fuels(list(delta.index))
        running, bottoms, tops = 0.0, [], []
        for f in fuels:
            bottoms.append(running)
            running += float(delta[f])
            tops.append(running)
        data = {
            "fuel": [*fuels, NET], "bottom": [*bottoms, 0.0], "top": [*tops, running],
            "delta": [*(float(delta[f]) for f in fuels), running],
            "color": [*theme.fuel_colors(fuels), "#78909c" if running >= 0 else "#ef5350"],
        }
        self.figure.x_range.factors = data["fuel"]
        self.source.data = data
        self._shown(title)


BAND_COLORS = ("#1565c0", "#42a5f5", "#80cbc4", "#66bb6a", "#d4e157", "#ffca28", "#ffa726", "#f4511e",
               "#c62828", "#6a1b9a", "#4e342e", "#37474f")


class ShareBars(Chart):
    """Up to len(BAND_COLORS) series stacked per category: shares (%) of price bands per region, or
    amounts (`unit`, e.g. GWh curtailed per region and fuel)."""

    def __init__(self, height: int = 300, ylabel: str = "%", unit: str = "%", fmt: str = "0.0",
                 colors: tuple[str, ...] = BAND_COLORS) -> None:
        super().__init__(figure(x_range=FactorRange(), height=height, sizing_mode="stretch_width",
                                tools="save", toolbar_location="above", title=""))
        self.figure.yaxis.axis_label = ylabel
        self.keys = [f"s{i}" for i in range(len(BAND_COLORS))]
        self.source = ColumnDataSource({"label": [], **{k: [] for k in self.keys}})
        palette = [*colors, *BAND_COLORS][: len(self.keys)]
        rs = self.figure.vbar_stack(self.keys, x="label", width=0.6, color=palette, line_alpha=0.0, source=self.source)
        self.items = [LegendItem(label=value(""), renderers=[r], visible=False) for r in rs]
        self.figure.add_layout(Legend(items=self.items, label_text_font_size="11px"), "right")
        self.hover = HoverTool(renderers=rs, tooltips=[("", "@label")])
        self.figure.add_tools(self.hover)
        self.unit, self.fmt = unit, fmt

    def _clear(self) -> None:
        self.source.data = {"label": [], **{k: [] for k in self.keys}}

    def update(self, shares: pd.DataFrame, title: str) -> None:
        """`shares`: rows = categories, columns = series in order (at most len(BAND_COLORS)), values in %."""
        if shares.empty:
            self.message("No data in this window")
            return
        names = [str(c) for c in shares.columns][: len(self.keys)]
        labels = [str(i) for i in shares.index]
        data = {"label": labels}
        for i, k in enumerate(self.keys):
            data[k] = list(shares.iloc[:, i].fillna(0.0)) if i < len(names) else [0.0] * len(labels)
        self.figure.x_range.factors = labels
        self.source.data = data
        for i, item in enumerate(self.items):
            item.visible = i < len(names)
            item.label = value(names[i] if i < len(names) else "")
        self.hover.tooltips = [("", "@label")] + [(n, f"@{self.keys[i]}{{{self.fmt}}} {self.unit}")
                                                  for i, n in enumerate(names)]
        self._shown(title)
