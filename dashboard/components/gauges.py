"""A row of semicircular gauges in one Bokeh figure (renewable share of the NEM and each region).

One figure rather than Panel's Gauge (ECharts): the brief keeps one charting stack, and one canvas
for six gauges is cheaper than six. Radii are in screen pixels so the gauges stay round whatever
the page width; the centres are in data units (one per gauge), so they spread across the width.
0 % is at the left end of the arc, 100 % at the right; a value above 100 % (a region exporting
renewables) fills the arc and prints its real figure. Two ticks mark today's high (amber) and the
record before today (purple).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bokeh.models import ColumnDataSource, Range1d
from bokeh.plotting import figure

OUTER_PX, INNER_PX = 60, 42
TICK_RAD = 0.025  # half-width of a record tick
CENTRE_Y = -0.25
TODAY_COLOR, RECORD_COLOR = "#ffb300", "#ab47bc"  # readable on the dark and the light theme
LABEL_COLOR = "#90a4ae"


def _angle(pct: float) -> float:
    """The arc angle of a percentage: pi at 0 %, 0 at 100 % (clipped to the arc)."""
    return math.pi * (1 - min(max(pct, 0.0), 100.0) / 100)


class GaugeRow:
    """Gauges for `keys`, refilled with `update(values)`; missing values show an empty arc and "—"."""

    def __init__(self, keys: Sequence[str], colors: dict[str, str], height: int = 140) -> None:
        self.keys = list(keys)
        self.colors = colors
        n = len(self.keys)
        p = figure(height=height, sizing_mode="stretch_width", tools="", toolbar_location=None,
                   x_range=Range1d(-0.5, n - 0.5), y_range=Range1d(-1.0, 1.0))
        p.axis.visible = False
        p.grid.visible = False
        p.outline_line_color = None
        p.min_border = 0
        self.figure = p
        xs = list(range(n))
        ys = [CENTRE_Y] * n
        p.annular_wedge(x=xs, y=ys, inner_radius=INNER_PX, outer_radius=OUTER_PX, inner_radius_units="screen",
                        outer_radius_units="screen", start_angle=0, end_angle=math.pi,
                        color="#90a4ae", alpha=0.25)
        self.value = ColumnDataSource({"x": xs, "y": ys, "start": [math.pi] * n, "color": [colors.get(k, "#66bb6a")
                                                                                          for k in self.keys]})
        p.annular_wedge(x="x", y="y", inner_radius=INNER_PX, outer_radius=OUTER_PX + 0.5, inner_radius_units="screen",
                        outer_radius_units="screen", start_angle="start", end_angle=math.pi, color="color",
                        source=self.value)
        self.ticks = ColumnDataSource({"x": [], "y": [], "a0": [], "a1": [], "color": []})
        p.annular_wedge(x="x", y="y", inner_radius=INNER_PX - 4, outer_radius=OUTER_PX + 5, inner_radius_units="screen",
                        outer_radius_units="screen", start_angle="a0", end_angle="a1", color="color",
                        source=self.ticks)
        self.text = ColumnDataSource({"x": xs, "y": ys, "pct": ["—"] * n, "name": self.keys, "note": [""] * n,
                                      "color": [colors.get(k, LABEL_COLOR) for k in self.keys]})
        common = {"x": "x", "y": "y", "source": self.text, "text_align": "center"}
        p.text(text="pct", text_baseline="bottom", text_font_size="18px", text_font_style="bold", y_offset=-2,
               text_color="color", **common)
        p.text(text="name", text_baseline="top", text_font_size="13px", y_offset=6, text_color=LABEL_COLOR, **common)
        p.text(text="note", text_baseline="top", text_font_size="10px", y_offset=24, text_color=LABEL_COLOR, **common)

    def update(self, values: dict[str, float | None], today_high: dict[str, float | None],
               record: dict[str, float | None], notes: dict[str, str]) -> None:
        """Percentages per key (None = no data); ticks for today's high and the record before today."""
        starts, pcts = [], []
        for key in self.keys:
            v = values.get(key)
            missing = v is None or v != v
            starts.append(math.pi if missing else _angle(v))
            pcts.append("—" if missing else f"{v:.0f}%")
        ticks: dict[str, list] = {"x": [], "y": [], "a0": [], "a1": [], "color": []}
        for i, key in enumerate(self.keys):
            for marks, color in ((record, RECORD_COLOR), (today_high, TODAY_COLOR)):
                v = marks.get(key)
                if v is None or v != v:
                    continue
                a = _angle(v)
                ticks["x"].append(i)
                ticks["y"].append(CENTRE_Y)
                ticks["a0"].append(a - TICK_RAD)
                ticks["a1"].append(a + TICK_RAD)
                ticks["color"].append(color)
        self.value.data = {**self.value.data, "start": starts}
        self.ticks.data = ticks
        self.text.data = {**self.text.data, "pct": pcts, "note": [notes.get(k, "") for k in self.keys]}
