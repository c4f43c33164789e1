"""Chart builders shared by tabs: plain Bokeh figures over frames that came from the views.

Plain Bokeh rather than hvplot/HoloViews (measured, docs/plans/dashboard.md "HoloViews vs Bokeh";
Generation tab, 14-day warehouse, 2 cores):

    operation                            Bokeh            HoloViews, plot built once + Pipe.send
    region switch, median / max          92 / ~300 ms     ~145 / ~370 ms
    window -> 30 days                    164-221 ms       224-288 ms
    first build + render per session     ~130 ms          ~680 ms
    first chart visible in the browser   2.0-2.6 s        2.7-3.2 s

The budget is 300 ms per switch and 2 s to the first chart. The pmui Page themes these figures.

Stacks: positive and negative parts are stacked separately (charging, pumping and exports hang
below zero in their own colour), and the hover sits on an invisible line that carries every
fuel's MW, because hover on stacked areas would show offsets. NaN rows are gaps.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import panel as pn
from bokeh.models import (
    ColumnDataSource,
    DataRange1d,
    DatetimeTickFormatter,
    HoverTool,
    Label,
    Legend,
    LegendItem,
    LinearAxis,
)
from bokeh.plotting import figure

from dashboard import theme

TIME = "settlementdate"
TOOLS = "pan,xwheel_zoom,box_zoom,reset,save"
TIME_TIP = ("Time", f"@{TIME}{{%F %H:%M}}")


def wide_on_grid(
    long: pd.DataFrame, column_name: str, value: str, start: dt.datetime, end: dt.datetime, bucket_min: int
) -> pd.DataFrame:
    """Long -> wide on the full time grid of the window, so missing intervals become gaps (NaN)."""
    wide = long.pivot_table(index=TIME, columns=column_name, values=value, aggfunc="first")
    first = pd.Timestamp(start).ceil(f"{bucket_min}min")
    if first <= pd.Timestamp(start):
        first += pd.Timedelta(minutes=bucket_min)
    grid = pd.date_range(first, pd.Timestamp(end), freq=f"{bucket_min}min", name=TIME)
    wide = wide.reindex(grid)
    wide.columns.name = None
    return wide


def runs(present: np.ndarray) -> list[slice]:
    """Slices of consecutive True values: the pieces an area is drawn in (Bokeh's varea would
    bridge a NaN with a straight edge instead of leaving a gap)."""
    idx = np.flatnonzero(present)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    return [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def base_figure(title: str, ylabel: str, height: int, x_range=None, datetime_x: bool = True):
    extra = {} if x_range is None else {"x_range": x_range}
    p = figure(
        title=title, height=height, sizing_mode="stretch_width", tools=TOOLS, toolbar_location="above",
        x_axis_type="datetime" if datetime_x else "linear", **extra,
    )
    p.yaxis.axis_label = ylabel
    p.xaxis.formatter = DatetimeTickFormatter(hours="%H:%M", days="%d %b", months="%b %Y")
    return p


def _legend(p, items: list[LegendItem]) -> None:
    if items:
        legend = Legend(items=items, click_policy="hide", label_text_font_size="11px")
        p.add_layout(legend, "right")


def empty(message: str, height: int = 300):
    p = figure(height=height, sizing_mode="stretch_width", toolbar_location=None, x_range=(0, 1), y_range=(0, 1))
    p.axis.visible = False
    p.grid.visible = False
    p.add_layout(Label(x=0.5, y=0.5, text=message, text_align="center", text_font_size="14px"))
    return p


def fuel_stack(wide: pd.DataFrame, title: str, height: int = 420):
    """Stacked MW by fuel in the fixed order; Battery Charging, Pumps and exports below zero."""
    fuels = theme.order_fuels(list(wide.columns))
    positive = [f for f in fuels if f not in theme.NEGATIVE_FUELS]
    negative = [f for f in fuels if f in theme.NEGATIVE_FUELS or f in theme.SIGNED_FUELS]
    key = {f: f"f{i}" for i, f in enumerate(fuels)}
    # An interval with any fuel is present (a fuel without a row there is 0 MW); a missing interval is a gap.
    present = wide.notna().any(axis=1).to_numpy()
    filled = wide.fillna(0.0)
    data = {TIME: wide.index.to_numpy()}
    for f in fuels:
        data[key[f]] = wide[f].to_numpy()
        data["p" + key[f]] = filled[f].clip(lower=0).to_numpy()
        data["n" + key[f]] = filled[f].clip(upper=0).to_numpy()
    data["net"] = wide.sum(axis=1, min_count=1).to_numpy()
    source = ColumnDataSource(data)
    p = base_figure(title, "MW", height)
    items: dict[str, list] = {}
    for part in runs(present):
        piece = ColumnDataSource({k: v[part] for k, v in data.items()})
        for fuels_part, prefix in ((positive, "p"), (negative, "n")):
            if not fuels_part:
                continue
            rs = p.varea_stack([prefix + key[f] for f in fuels_part], x=TIME, color=theme.fuel_colors(fuels_part),
                               fill_alpha=0.9, source=piece)
            for f, r in zip(fuels_part, rs, strict=True):
                items.setdefault(f, []).append(r)
    hover_line = p.line(TIME, "net", source=source, alpha=0)
    tips = [TIME_TIP, ("Net", "@net{0,0} MW")] + [(f, f"@{key[f]}{{0,0}} MW") for f in reversed(fuels)]
    p.add_tools(HoverTool(renderers=[hover_line], mode="vline", tooltips=tips, formatters={f"@{TIME}": "datetime"}))
    _legend(p, [LegendItem(label=f, renderers=items[f]) for f in fuels if f in items])
    return p


def lines(wide: pd.DataFrame, ylabel: str, title: str, colors: dict[str, str], height: int = 220,
          fmt: str = "0,0.00", x_range=None, datetime_x: bool = True):
    """One line per column (e.g. region) of a frame indexed by time; NaN rows show as gaps."""
    keys = [k for k in colors if k in wide.columns] + sorted(set(wide.columns) - set(colors))
    if wide.empty or not keys:
        return empty("No data in this window", height)
    safe = {k: f"c{i}" for i, k in enumerate(keys)}
    x = wide.index.name or TIME
    source = ColumnDataSource({x: wide.index.to_numpy(), **{safe[k]: wide[k].to_numpy() for k in keys}})
    p = base_figure(title, ylabel, height, x_range=x_range, datetime_x=datetime_x)
    items = []
    for k in keys:
        r = p.line(x, safe[k], source=source, color=colors.get(k, "#9e9e9e"), line_width=1.8)
        items.append(LegendItem(label=str(k), renderers=[r]))
    tips = [(("Time", f"@{x}{{%F %H:%M}}") if datetime_x else (x, f"@{x}"))]
    tips += [(str(k), f"@{safe[k]}{{{fmt}}}") for k in keys]
    p.add_tools(HoverTool(renderers=[items[0].renderers[0]], mode="vline", tooltips=tips,
                          formatters={f"@{x}": "datetime"}))
    _legend(p, items)
    return p


def band_and_line(frame: pd.DataFrame, low: str, high: str, value: str, title: str, ylabel: str,
                  band_label: str, line_label: str, height: int = 320):
    """A shaded band (e.g. import .. export limit) with a line inside it (e.g. metered flow)."""
    source = ColumnDataSource(frame)
    p = base_figure(title, ylabel, height)
    bands = [
        p.varea(TIME, low, high, source=ColumnDataSource(frame.iloc[part]), color=theme.LIMIT_BAND_COLOR,
                fill_alpha=0.35)
        for part in runs(frame[[low, high]].notna().all(axis=1).to_numpy())
    ]
    line = p.line(TIME, value, source=source, color=theme.PRICE_COLOR, line_width=2)
    p.add_tools(HoverTool(renderers=[line], mode="vline", formatters={f"@{TIME}": "datetime"},
                          tooltips=[TIME_TIP, (line_label, f"@{value}{{0,0}} MW"),
                                    ("Export limit", f"@{high}{{0,0}}"), ("Import limit", f"@{low}{{0,0}}")]))
    _legend(p, [LegendItem(label=band_label, renderers=bands), LegendItem(label=line_label, renderers=[line])])
    return p


def dual_axis(frame: pd.DataFrame, x: str, title: str, height: int = 420, x_format: str = "%F %H:%M"):
    """MW on the left axis, regional price on the right."""
    source = ColumnDataSource(frame)
    p = base_figure(title, "MW", height)
    if x_format == "%H:%M":  # time of day on a dummy date: no day labels
        p.xaxis.formatter = DatetimeTickFormatter(days="%H:%M", hours="%H:%M", minutes="%H:%M")
    mw = p.line(x, "mw", source=source, color="#66bb6a", line_width=2)
    price = p.line(x, "rrp", source=source, color=theme.PRICE_COLOR, line_width=1.5, y_range_name="price")
    p.y_range = DataRange1d(renderers=[mw])
    p.extra_y_ranges = {"price": DataRange1d(renderers=[price])}
    p.add_layout(LinearAxis(y_range_name="price", axis_label="Price $/MWh"), "right")
    p.add_tools(HoverTool(renderers=[mw], mode="vline", formatters={f"@{x}": "datetime"},
                          tooltips=[("Time", f"@{x}{{{x_format}}}"), ("MW", "@mw{0,0.0}"), ("$/MWh", "@rrp{0,0.00}")]))
    legend = Legend(items=[LegendItem(label="MW", renderers=[mw]), LegendItem(label="Regional price", renderers=[price])],
                    location="top_left", click_policy="hide")
    p.add_layout(legend)
    return p


def stacked(*figures) -> tuple:
    """Figures one above the other (ChartSlot gives each its own pane; shared ranges stay linked)."""
    return tuple(figures)


class ChartSlot(pn.viewable.Viewer):
    """A chart holder that shows text until its first chart arrives.

    The first chart is added (not swapped for a placeholder plot): replacing a plot the browser
    is still laying out in a freshly opened tab raised "reading 'top_panel'" in bokeh.
    """

    def __init__(self, min_height: int) -> None:
        super().__init__()
        self._panes: list[pn.pane.Bokeh] = []
        self._holder = pn.Column(pn.pane.Markdown("Loading…"), sizing_mode="stretch_width", min_height=min_height)

    @property
    def object(self) -> object:
        objs = tuple(p.object for p in self._panes)
        return objs[0] if len(objs) == 1 else objs

    @object.setter
    def object(self, value: object) -> None:
        figures = value if isinstance(value, tuple) else (value,)
        if len(figures) == len(self._panes):
            for pane, fig in zip(self._panes, figures, strict=True):
                pane.object = fig
            return
        self._panes = [pn.pane.Bokeh(fig, sizing_mode="stretch_width") for fig in figures]
        self._holder.objects = list(self._panes)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._holder


def pane(min_height: int) -> ChartSlot:
    return ChartSlot(min_height)
