"""Chart builders shared by tabs (hvplot/HoloViews over frames that came from the views).

Stacked areas split positive and negative parts (HoloViews would otherwise add negatives into
the running total) and carry an invisible line for the hover, because hover on stacked areas
shows offsets (hvplot #86, panel_material.md A4).
"""

from __future__ import annotations

import datetime as dt

import holoviews as hv
import hvplot.pandas  # noqa: F401  (registers .hvplot)
import pandas as pd
import panel as pn

from dashboard import theme

TIME = "settlementdate"


def wide_on_grid(
    long: pd.DataFrame, column: str, value: str, start: dt.datetime, end: dt.datetime, bucket_min: int
) -> pd.DataFrame:
    """Long -> wide on the full time grid of the window, so missing intervals become gaps (NaN)."""
    wide = long.pivot_table(index=TIME, columns=column, values=value, aggfunc="first")
    first = pd.Timestamp(start).ceil(f"{bucket_min}min")
    if first <= pd.Timestamp(start):
        first += pd.Timedelta(minutes=bucket_min)
    grid = pd.date_range(first, pd.Timestamp(end), freq=f"{bucket_min}min", name=TIME)
    return wide.reindex(grid)


def empty(message: str, height: int = 300) -> hv.Element:
    return hv.Text(0.5, 0.5, message).opts(xaxis=None, yaxis=None, height=height, responsive=True, toolbar=None)


def fuel_stack(wide: pd.DataFrame, title: str, height: int = 420) -> hv.Overlay:
    """Stacked MW by fuel in the fixed order; Battery Charging, Pumps and exports below zero."""
    fuels = theme.order_fuels(list(wide.columns))
    wide = wide[fuels]
    positive = [f for f in fuels if f in theme.POSITIVE_FUELS or f not in theme.NEGATIVE_FUELS]
    negative = [f for f in fuels if f in theme.NEGATIVE_FUELS or f in theme.SIGNED_FUELS]
    area = dict(stacked=True, responsive=True, height=height, hover=False, line_width=0, fill_alpha=0.9)
    pos = wide[positive].clip(lower=0).hvplot.area(color=theme.fuel_colors(positive), **area)
    layers = [pos]
    if negative:
        neg = wide[negative].clip(upper=0)
        layers.append(neg.hvplot.area(color=theme.fuel_colors(negative), legend=False, **area))
    net = wide.sum(axis=1, min_count=1)
    hover_frame = wide.assign(Total=net).reset_index()
    # hover column names must be identifiers for the @field syntax
    safe = {f: f.replace(" ", "_") for f in fuels}
    hover_frame = hover_frame.rename(columns=safe)
    tooltips = [("Time", f"@{TIME}{{%F %H:%M}}"), ("Net", "@Total{0,0} MW")] + [
        (f, f"@{safe[f]}{{0,0}} MW") for f in reversed(fuels)
    ]
    hover = hover_frame.hvplot.line(
        TIME, "Total", hover_cols=list(safe.values()), hover="vline", alpha=0, legend=False,
        responsive=True, height=height, hover_tooltips=tooltips,
    )
    layers.append(hover)
    return hv.Overlay(layers).opts(
        title=title, ylabel="MW", xlabel="", legend_position="right", show_grid=True, height=height,
        responsive=True,
    )


def lines(wide: pd.DataFrame, ylabel: str, title: str, colors: dict[str, str], height: int = 220,
          fmt: str = "0,0.00") -> hv.Element:
    """One line per column (e.g. region) of a frame on the time grid; NaN rows show as gaps."""
    keys = [k for k in colors if k in wide.columns] + sorted(set(wide.columns) - set(colors))
    if wide.empty or not keys:
        return empty("No data in this window", height)
    frame = wide[keys].reset_index()
    safe = {k: str(k).replace(" ", "_").replace("-", "_") for k in keys}
    frame = frame.rename(columns=safe)
    curves = [
        frame.hvplot.line(
            TIME, safe[k], label=str(k), color=colors.get(k, "#9e9e9e"), responsive=True, height=height,
            hover_tooltips=[("Time", f"@{TIME}{{%F %H:%M}}"), (str(k), f"@{safe[k]}{{{fmt}}}")],
        )
        for k in keys
    ]
    return hv.Overlay(curves).opts(
        title=title, ylabel=ylabel, xlabel="", legend_position="right", show_grid=True, height=height,
        responsive=True,
    )


class ChartSlot(pn.viewable.Viewer):
    """A chart holder that shows text until its first chart arrives.

    The first chart is added (not swapped for a placeholder plot): replacing a bokeh plot the
    browser is still laying out in a freshly opened tab raises "reading 'top_panel'" in bokeh.
    Axes are not linked across slots: each tab has its own window.
    """

    def __init__(self, min_height: int) -> None:
        super().__init__()
        self._min_height = min_height
        self._pane: pn.pane.HoloViews | None = None
        self._holder = pn.Column(pn.pane.Markdown("Loading…"), sizing_mode="stretch_width", min_height=min_height)

    @property
    def object(self) -> object:
        return None if self._pane is None else self._pane.object

    @object.setter
    def object(self, value: object) -> None:
        if self._pane is None:
            self._pane = pn.pane.HoloViews(value, sizing_mode="stretch_width", min_height=self._min_height,
                                           linked_axes=False)
            self._holder.objects = [self._pane]
        else:
            self._pane.object = value

    def __panel__(self) -> pn.viewable.Viewable:
        return self._holder


def pane(min_height: int) -> ChartSlot:
    return ChartSlot(min_height)
