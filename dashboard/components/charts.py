"""Charts shared by tabs: Bokeh figures built once per session and refilled in place.

Plain Bokeh rather than hvplot/HoloViews (measured, docs/plans/dashboard.md "HoloViews vs Bokeh"):
a HoloViews stack fed through `Pipe` was ~1.6x slower per region switch and ~0.5 s slower to the
first chart. Each chart object owns one figure with a fixed set of renderers (one per fuel,
region or series it can ever show); `update()` only replaces ColumnDataSource data, titles,
tooltips and legend visibility. Building a figure costs ~30-40 ms of Bokeh model construction,
which a rebuild on every region or window change used to pay again (docs/plans/dashboard-speed.md).

Gaps: a missing interval must show as a gap, but Bokeh's varea bridges NaN. Areas therefore
get the present runs only, each run closed by a zero-height point at its first and last x, so
the stretch between two runs has no height and nothing is drawn there. Lines take NaN as a gap.

Stacks: positive and negative parts are stacked separately (charging, pumping and exports hang
below zero in their own colour), and the hover sits on an invisible line that carries every
fuel's MW, because hover on stacked areas would show offsets.

Zoom: datetime charts share a `TimeAxis` (one Range1d). A refresh for new data keeps the
user's zoom; a new selection (region, window, link, station) resets to the window.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    DataRange1d,
    DatetimeTickFormatter,
    HoverTool,
    Label,
    Legend,
    LegendItem,
    LinearAxis,
    Node,
    Range1d,
)
from bokeh.plotting import figure

from dashboard import theme

TIME = "settlementdate"
TOOLS = "pan,xwheel_zoom,box_zoom,reset,save"
TIME_TIP = ("Time", f"@{TIME}{{%F %H:%M}}")
NO_DATA = "No data in this window"
FIVE_MIN = dt.timedelta(minutes=5)


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
    """Slices of consecutive True values: the pieces an area is drawn in."""
    idx = np.flatnonzero(present)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    return [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def gap_closed(x: np.ndarray, columns: dict[str, np.ndarray], present: np.ndarray) -> dict[str, np.ndarray]:
    """Area data for the present runs only, each run framed by zero-height points at its ends.

    Between two runs every column is 0 at both framing points, so a stacked area (or a band
    whose two edges are given here) has no height across the gap: a gap, not a bridge.
    """
    pieces = runs(present)
    if not pieces:
        return {"x": x[:0], **{k: v[:0] for k, v in columns.items()}}
    index = np.concatenate([np.r_[p.start, np.arange(p.start, p.stop), p.stop - 1] for p in pieces])
    edge = np.concatenate([np.r_[True, np.zeros(p.stop - p.start, bool), True] for p in pieces])
    out = {"x": x[index]}
    for k, v in columns.items():
        values = np.nan_to_num(v[index].astype(float))
        values[edge] = 0.0
        out[k] = values
    return out


def epoch_ms(t: dt.datetime) -> float:
    """A naive NEM timestamp as Bokeh's datetime axis unit (ms; naive times are drawn as is)."""
    return float(pd.Timestamp(t).value // 1_000_000)


class TimeAxis:
    """One x range shared by the datetime charts of a tab; keeps the user's zoom across refreshes."""

    def __init__(self) -> None:
        self.range = Range1d(start=0, end=1)
        self._set: tuple[float, float] | None = None

    def show(self, start: dt.datetime, end: dt.datetime, reset: bool) -> None:
        """Show (start, end]; unless `reset`, a range the user zoomed or panned is left alone."""
        lo, hi = epoch_ms(start), epoch_ms(end)
        zoomed = self._set is not None and (self.range.start, self.range.end) != self._set
        self.range.update(reset_start=lo, reset_end=hi)
        if reset or not zoomed:
            self.range.update(start=lo, end=hi)
            self._set = (lo, hi)


# Bokeh draws hover tooltips white whatever the page theme, in an element it appends to the page's
# body; this page-level rule (dashboard.app adds it) makes them follow the pmui theme's surface colours,
# which Panel sets as variables and flips with the light/dark toggle.
TOOLTIP_CSS = """
.bk-Tooltip {
  --tooltip-color: color-mix(in srgb, var(--panel-on-surface-color, #000) 10%, var(--panel-surface-color, #fff));
  --tooltip-text: var(--panel-on-surface-color, #000);
  --tooltip-border: color-mix(in srgb, var(--panel-on-surface-color, #000) 35%, transparent);
}
"""


def base_figure(title: str, ylabel: str, height: int, x_range=None, datetime_x: bool = True):
    extra = {} if x_range is None else {"x_range": x_range}
    p = figure(
        title=title, height=height, sizing_mode="stretch_width", tools=TOOLS, toolbar_location="above",
        x_axis_type="datetime" if datetime_x else "linear", **extra,
    )
    p.yaxis.axis_label = ylabel
    p.xaxis.formatter = DatetimeTickFormatter(hours="%H:%M", days="%d %b", months="%b %Y")
    return p


class Chart:
    """A figure with a centred message for the empty state (no data, nothing selected)."""

    def __init__(self, figure_) -> None:
        self.figure = figure_
        centre = Node(target="frame", symbol="center")
        self.label = Label(x=centre, y=centre, anchor="center", text="", text_font_size="14px",
                           text_color="#9e9e9e", visible=False)
        self.figure.add_layout(self.label)
        # the part of a window before the warehouse's first interval (issue 19 item 15: a 30-day
        # window on a 14-day warehouse drew an unexplained empty left half)
        self.before = BoxAnnotation(left=0, right=0, fill_color="#78909c", fill_alpha=0.12, line_alpha=0,
                                    visible=False)
        self.before_label = Label(x=0, y=5, y_units="screen", x_offset=4, text="before the first data",
                                  text_font_size="11px", text_color="#90a4ae", visible=False)
        self.figure.add_layout(self.before)
        self.figure.add_layout(self.before_label)

    def mark_before(self, start: dt.datetime, first: dt.datetime | None) -> None:
        """Shade (start, first] when the window starts before the data does; else hide the shade."""
        shown = first is not None and start < first
        if shown:
            self.before.update(left=epoch_ms(start), right=epoch_ms(first))
            self.before_label.x = epoch_ms(start)
        self.before.visible = self.before_label.visible = shown

    def message(self, text: str) -> None:
        """Clear the data and show `text` in the middle of the plot."""
        self._clear()
        self.label.update(text=text, visible=True)

    def _shown(self, title: str | None = None) -> None:
        self.label.visible = False
        if title is not None:
            self.figure.title.text = title

    def _clear(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class StackChart(Chart):
    """Stacked MW by fuel in the fixed order; Battery Charging, Pumps and exports below zero."""

    FUELS = tuple(theme.FUEL_ORDER)

    def __init__(self, height: int = 420, axis: TimeAxis | None = None) -> None:
        super().__init__(base_figure("", "MW", height, x_range=axis.range if axis else None))
        self.key = {f: f"f{i}" for i, f in enumerate(self.FUELS)}
        self.positive = [f for f in self.FUELS if f not in theme.NEGATIVE_FUELS]
        self.negative = [f for f in self.FUELS if f in theme.NEGATIVE_FUELS or f in theme.SIGNED_FUELS]
        self.areas = ColumnDataSource(self._empty_areas())
        self.hover_source = ColumnDataSource(self._empty_hover())
        items: dict[str, list] = {f: [] for f in self.FUELS}
        for fuels, prefix in ((self.positive, "p"), (self.negative, "n")):
            rs = self.figure.varea_stack([prefix + self.key[f] for f in fuels], x="x", color=theme.fuel_colors(fuels),
                                         fill_alpha=0.9, source=self.areas)
            for f, r in zip(fuels, rs, strict=True):
                items[f].append(r)
        hover_line = self.figure.line(TIME, "net", source=self.hover_source, alpha=0)
        self.hover = HoverTool(renderers=[hover_line], mode="vline", tooltips=[TIME_TIP],
                               formatters={f"@{TIME}": "datetime"})
        self.figure.add_tools(self.hover)
        self.items = {f: LegendItem(label=f, renderers=items[f], visible=False) for f in self.FUELS}
        self.figure.add_layout(Legend(items=list(self.items.values()), click_policy="hide",
                                      label_text_font_size="11px"), "right")

    def _empty_areas(self) -> dict[str, np.ndarray]:
        cols = {"x": np.array([], dtype="datetime64[ns]")}
        cols.update({"p" + self.key[f]: np.array([]) for f in self.positive})
        cols.update({"n" + self.key[f]: np.array([]) for f in self.negative})
        return cols

    def _empty_hover(self) -> dict[str, np.ndarray]:
        return {TIME: np.array([], dtype="datetime64[ns]"), "net": np.array([]),
                **{self.key[f]: np.array([]) for f in self.FUELS}}

    def _clear(self) -> None:
        self.areas.data = self._empty_areas()
        self.hover_source.data = self._empty_hover()
        for item in self.items.values():
            item.visible = False

    def update(self, wide: pd.DataFrame, title: str) -> None:
        """`wide`: MW by fuel class (columns) on the window's time grid; NaN rows are missing intervals."""
        unknown = [c for c in wide.columns if c not in self.key]
        if unknown:  # a class the palette does not know is drawn as Other
            other = wide[[*unknown, *(["Other"] if "Other" in wide.columns else [])]].sum(axis=1, min_count=1)
            wide = wide.drop(columns=unknown).assign(Other=other)  # NaN stays NaN: a gap stays a gap
        present = wide.notna().any(axis=1).to_numpy()  # a fuel without a row in a present interval is 0 MW
        x = wide.index.to_numpy()
        zeros = np.zeros(len(wide))
        filled = {f: (wide[f].fillna(0.0).to_numpy() if f in wide.columns else zeros) for f in self.FUELS}
        parts = {"p" + self.key[f]: np.clip(filled[f], 0, None) for f in self.positive}
        parts.update({"n" + self.key[f]: np.clip(filled[f], None, 0) for f in self.negative})
        self.areas.data = gap_closed(x, parts, present)
        shown = [f for f in self.FUELS if f in wide.columns and wide[f].notna().any()]
        gap = np.where(present, 0.0, np.nan)  # hover: 0 MW for a fuel without a row, nothing in a gap
        hover = {TIME: x, "net": wide.sum(axis=1, min_count=1).to_numpy()}
        hover.update({self.key[f]: filled[f] + gap for f in self.FUELS})
        self.hover_source.data = hover
        self.hover.tooltips = [TIME_TIP, ("Net", "@net{0,0} MW")] + [
            (f, f"@{self.key[f]}{{0,0}} MW") for f in reversed(shown)
        ]
        for f, item in self.items.items():
            item.visible = f in shown
        self._shown(title)


class LineChart(Chart):
    """One line per key (region, fuel, series); NaN rows show as gaps. Keys absent from a frame hide."""

    def __init__(self, keys: list[str] | tuple[str, ...], colors: dict[str, str], ylabel: str, height: int = 220,
                 fmt: str = "0,0.00", axis: TimeAxis | None = None, datetime_x: bool = True,
                 title: str = "") -> None:
        super().__init__(base_figure(title, ylabel, height, x_range=axis.range if axis else None,
                                     datetime_x=datetime_x))
        self.keys = list(keys)
        self.safe = {k: f"c{i}" for i, k in enumerate(self.keys)}
        self.x = TIME
        self.fmt = fmt
        self.source = ColumnDataSource(self._empty())
        self.renderers = {
            k: self.figure.line(self.x, self.safe[k], source=self.source, color=colors.get(k, "#9e9e9e"),
                                line_width=1.8, visible=False)
            for k in self.keys
        }
        self.hover = HoverTool(renderers=[next(iter(self.renderers.values()))], mode="vline",
                               tooltips=[TIME_TIP], formatters={f"@{self.x}": "datetime"})
        self.figure.add_tools(self.hover)
        self.items = {k: LegendItem(label=str(k), renderers=[r], visible=False) for k, r in self.renderers.items()}
        self.figure.add_layout(Legend(items=list(self.items.values()), click_policy="hide",
                                      label_text_font_size="11px"), "right")

    def _empty(self) -> dict[str, np.ndarray]:
        return {self.x: np.array([], dtype="datetime64[ns]"), **{s: np.array([]) for s in self.safe.values()}}

    def _clear(self) -> None:
        self.source.data = self._empty()
        for k in self.keys:
            self.renderers[k].visible = self.items[k].visible = False

    def update(self, wide: pd.DataFrame, title: str | None = None) -> None:
        """`wide`: one column per key, indexed by time; columns that are not keys are ignored."""
        shown = [k for k in self.keys if k in wide.columns]
        if wide.empty or not shown:
            self.message(NO_DATA)
            return
        nan = np.full(len(wide), np.nan)
        self.source.data = {self.x: wide.index.to_numpy(),
                            **{self.safe[k]: (wide[k].to_numpy() if k in shown else nan) for k in self.keys}}
        for k in self.keys:
            self.renderers[k].visible = self.items[k].visible = k in shown
        self.hover.renderers = [self.renderers[shown[0]]]
        self.hover.tooltips = [TIME_TIP] + [(str(k), f"@{self.safe[k]}{{{self.fmt}}}") for k in shown]
        self._shown(title)


class BandChart(Chart):
    """A shaded band (e.g. import .. export limit) with a line inside it (e.g. metered flow)."""

    def __init__(self, band_label: str, line_label: str, ylabel: str, height: int = 320,
                 axis: TimeAxis | None = None) -> None:
        super().__init__(base_figure("", ylabel, height, x_range=axis.range if axis else None))
        self.band = ColumnDataSource({"x": [], "low": [], "high": []})
        self.source = ColumnDataSource({TIME: [], "value": [], "low": [], "high": []})
        band = self.figure.varea("x", "low", "high", source=self.band, color=theme.LIMIT_BAND_COLOR, fill_alpha=0.35)
        line = self.figure.line(TIME, "value", source=self.source, color=theme.PRICE_COLOR, line_width=2)
        self.figure.add_tools(HoverTool(
            renderers=[line], mode="vline", formatters={f"@{TIME}": "datetime"},
            tooltips=[TIME_TIP, (line_label, "@value{0,0} MW"), ("Export limit", "@high{0,0}"),
                      ("Import limit", "@low{0,0}")]))
        self.figure.add_layout(Legend(items=[LegendItem(label=band_label, renderers=[band]),
                                             LegendItem(label=line_label, renderers=[line])],
                                      click_policy="hide", label_text_font_size="11px"), "right")

    def _clear(self) -> None:
        self.band.data = {"x": [], "low": [], "high": []}
        self.source.data = {TIME: [], "value": [], "low": [], "high": []}

    def update(self, x: np.ndarray, low: np.ndarray, high: np.ndarray, value: np.ndarray, title: str) -> None:
        present = ~(np.isnan(low) | np.isnan(high))
        self.band.data = gap_closed(x, {"low": low, "high": high}, present)
        self.source.data = {TIME: x, "value": value, "low": low, "high": high}
        self._shown(title)


class DualAxisChart(Chart):
    """MW on the left axis, regional price on the right."""

    def __init__(self, height: int = 420, x_format: str = "%F %H:%M", axis: TimeAxis | None = None) -> None:
        super().__init__(base_figure("", "MW", height, x_range=axis.range if axis else None))
        p = self.figure
        if x_format == "%H:%M":  # time of day on a dummy date: no day labels
            p.xaxis.formatter = DatetimeTickFormatter(days="%H:%M", hours="%H:%M", minutes="%H:%M")
        self.source = ColumnDataSource({"x": [], "mw": [], "rrp": []})
        mw = p.line("x", "mw", source=self.source, color="#66bb6a", line_width=2)
        price = p.line("x", "rrp", source=self.source, color=theme.PRICE_COLOR, line_width=1.5, y_range_name="price")
        p.y_range = DataRange1d(renderers=[mw])
        p.extra_y_ranges = {"price": DataRange1d(renderers=[price])}
        p.add_layout(LinearAxis(y_range_name="price", axis_label="Price $/MWh"), "right")
        p.add_tools(HoverTool(renderers=[mw], mode="vline", formatters={"@x": "datetime"},
                              tooltips=[("Time", f"@x{{{x_format}}}"), ("MW", "@mw{0,0.0}"), ("$/MWh", "@rrp{0,0.00}")]))
        p.add_layout(Legend(items=[LegendItem(label="MW", renderers=[mw]),
                                   LegendItem(label="Regional price", renderers=[price])],
                            location="top_left", click_policy="hide"))

    def _clear(self) -> None:
        self.source.data = {"x": [], "mw": [], "rrp": []}

    def update(self, x: np.ndarray, mw: np.ndarray, rrp: np.ndarray, title: str) -> None:
        self.source.data = {"x": x, "mw": mw, "rrp": rrp}
        self._shown(title)


class SeriesStackChart(Chart):
    """Stacked areas of named series (curtailed MW per region, battery discharge above zero and
    charging below it, stored MWh per region), gaps drawn as gaps, with an optional line on a
    right-hand axis (the price). Values > 0 stack upwards, < 0 downwards, each in the key's colour."""

    def __init__(self, keys: list[str] | tuple[str, ...], colors: dict[str, str], ylabel: str, height: int = 340,
                 axis: TimeAxis | None = None, line_label: str | None = None, fmt: str = "0,0") -> None:
        super().__init__(base_figure("", ylabel, height, x_range=axis.range if axis else None))
        p = self.figure
        self.keys = list(keys)
        self.key = {k: f"s{i}" for i, k in enumerate(self.keys)}
        self.fmt = fmt
        self.line_label = line_label
        self.areas = ColumnDataSource(self._empty_areas())
        self.hover_source = ColumnDataSource(self._empty_hover())
        palette = [colors.get(k, "#9e9e9e") for k in self.keys]
        up = p.varea_stack(["p" + self.key[k] for k in self.keys], x="x", color=palette, fill_alpha=0.85,
                           source=self.areas)
        down = p.varea_stack(["n" + self.key[k] for k in self.keys], x="x", color=palette, fill_alpha=0.85,
                             source=self.areas)
        total = p.line(TIME, "total", source=self.hover_source, alpha=0)
        p.y_range = DataRange1d(renderers=[*up, *down, total])
        self.items = {k: LegendItem(label=k, renderers=[u, d], visible=False)
                      for k, u, d in zip(self.keys, up, down, strict=True)}
        legend = list(self.items.values())
        if line_label:
            line = p.line(TIME, "line", source=self.hover_source, color=theme.PRICE_COLOR, line_width=1.4,
                          y_range_name="line")
            p.extra_y_ranges = {"line": DataRange1d(renderers=[line])}
            p.add_layout(LinearAxis(y_range_name="line", axis_label=line_label), "right")
            self.line_item = LegendItem(label=line_label, renderers=[line], visible=False)
            legend.append(self.line_item)
        self.hover = HoverTool(renderers=[total], mode="vline", tooltips=[TIME_TIP], formatters={f"@{TIME}": "datetime"})
        p.add_tools(self.hover)
        p.add_layout(Legend(items=legend, click_policy="hide", label_text_font_size="11px"), "right")

    def _empty_areas(self) -> dict[str, np.ndarray]:
        cols = {"x": np.array([], dtype="datetime64[ns]")}
        for k in self.keys:
            cols["p" + self.key[k]] = cols["n" + self.key[k]] = np.array([])
        return cols

    def _empty_hover(self) -> dict[str, np.ndarray]:
        return {TIME: np.array([], dtype="datetime64[ns]"), "total": np.array([]), "line": np.array([]),
                **{self.key[k]: np.array([]) for k in self.keys}}

    def _clear(self) -> None:
        self.areas.data = self._empty_areas()
        self.hover_source.data = self._empty_hover()
        for item in self.items.values():
            item.visible = False
        if self.line_label:
            self.line_item.visible = False

    def update(self, wide: pd.DataFrame, title: str, line: pd.Series | None = None) -> None:
        """`wide`: one column per key on the window's time grid (NaN rows = missing intervals);
        `line`: the right-axis series on the same index."""
        shown = [k for k in self.keys if k in wide.columns and wide[k].notna().any()]
        if wide.empty or not shown:
            self.message(NO_DATA)
            return
        present = wide[shown].notna().any(axis=1).to_numpy()
        x = wide.index.to_numpy()
        zeros = np.zeros(len(wide))
        filled = {k: (wide[k].fillna(0.0).to_numpy() if k in shown else zeros) for k in self.keys}
        parts = {"p" + self.key[k]: np.clip(filled[k], 0, None) for k in self.keys}
        parts.update({"n" + self.key[k]: np.clip(filled[k], None, 0) for k in self.keys})
        self.areas.data = gap_closed(x, parts, present)
        gap = np.where(present, 0.0, np.nan)
        hover = {TIME: x, "total": wide[shown].sum(axis=1, min_count=1).to_numpy(),
                 "line": (line.reindex(wide.index).to_numpy() if line is not None else np.full(len(wide), np.nan))}
        hover.update({self.key[k]: filled[k] + gap for k in self.keys})
        self.hover_source.data = hover
        tips = [TIME_TIP] + [(k, f"@{self.key[k]}{{{self.fmt}}}") for k in reversed(shown)]
        if self.line_label and line is not None:
            tips.append((self.line_label, "@line{0,0.00}"))
        self.hover.tooltips = tips
        for k, item in self.items.items():
            item.visible = k in shown
        if self.line_label:
            self.line_item.visible = line is not None
        self._shown(title)
