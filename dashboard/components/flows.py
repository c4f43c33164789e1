"""The interconnectors now, drawn between the five regions on a fixed diagram (one Bokeh figure).

Nodes sit roughly where the regions are (QLD top right, SA left, TAS below VIC). Each arrow is one
interconnector of the data (`interconnector_flow` rows: from/to regions and metered MW), pointing
the way the power flows; interconnectors between the same two regions are drawn side by side.
An arrow is red when the flow is at its limit, and its label gives the MW and the % of the limit
in that direction. Only ColumnDataSource data changes on `update`; the figure is built once.

The figure has a fixed size so that data units map to known pixels: arrow heads are rotated in
screen space from that scale.
"""

from __future__ import annotations

import math

import pandas as pd
from bokeh.models import ColumnDataSource, HoverTool, Range1d
from bokeh.plotting import figure

NODES = {"QLD1": (3.2, 4.0), "NSW1": (3.2, 2.3), "VIC1": (2.0, 1.0), "SA1": (0.5, 2.1), "TAS1": (2.3, -0.6)}
X_RANGE, Y_RANGE = (-0.4, 4.6), (-1.3, 4.7)
WIDTH, HEIGHT = 460, 460
NODE_GAP = 0.42  # data units between a node's centre and an arrow's end
PARALLEL = 0.24  # data units between two interconnectors of the same pair
AT_LIMIT_COLOR, FLOW_COLOR = "#ef5350", "#78909c"


def _px(dx: float, dy: float) -> tuple[float, float]:
    """A data-unit vector in screen pixels (the figure's fixed scale)."""
    return dx * WIDTH / (X_RANGE[1] - X_RANGE[0]), dy * HEIGHT / (Y_RANGE[1] - Y_RANGE[0])


def arrows(flows: pd.DataFrame) -> dict[str, list]:
    """Segment, head and label columns for the flows of one interval (rows with both regions drawn)."""
    out: dict[str, list] = {k: [] for k in ("x0", "y0", "x1", "y1", "angle", "color", "width", "lx", "ly",
                                            "label", "id", "mw", "pct")}
    rows = flows[flows["from_region"].isin(NODES) & flows["to_region"].isin(NODES)]
    pairs: dict[frozenset, list] = {}
    for row in rows.itertuples(index=False):
        pairs.setdefault(frozenset((row.from_region, row.to_region)), []).append(row)
    for members in pairs.values():
        members.sort(key=lambda r: r.interconnector_id)
        for k, row in enumerate(members):
            a, b = NODES[row.from_region], NODES[row.to_region]
            if row.metered_mw < 0:  # power flows to -> from
                a, b = b, a
            dx, dy = b[0] - a[0], b[1] - a[1]
            length = math.hypot(dx, dy)
            ux, uy = dx / length, dy / length
            # a canonical perpendicular per pair, so both directions offset to the same side
            ref = sorted((row.from_region, row.to_region))
            px_, py_ = NODES[ref[1]][0] - NODES[ref[0]][0], NODES[ref[1]][1] - NODES[ref[0]][1]
            norm = math.hypot(px_, py_)
            nx, ny = -py_ / norm, px_ / norm
            shift = (k - (len(members) - 1) / 2) * PARALLEL
            x0, y0 = a[0] + ux * NODE_GAP + nx * shift, a[1] + uy * NODE_GAP + ny * shift
            x1, y1 = b[0] - ux * NODE_GAP + nx * shift, b[1] - uy * NODE_GAP + ny * shift
            sx, sy = _px(ux, uy)
            pct = row.pct_of_limit if row.pct_of_limit == row.pct_of_limit else None
            at_limit = bool(row.at_limit) if row.at_limit == row.at_limit else False
            side = 1 if shift >= 0 else -1
            out["x0"].append(x0)
            out["y0"].append(y0)
            out["x1"].append(x1)
            out["y1"].append(y1)
            out["angle"].append(math.atan2(sy, sx) - math.pi / 2)  # triangles point up at angle 0
            out["color"].append(AT_LIMIT_COLOR if at_limit else FLOW_COLOR)
            out["width"].append(2.0 + 4.0 * min(pct or 0.0, 100.0) / 100)
            out["lx"].append((x0 + x1) / 2 + nx * side * 0.5)
            out["ly"].append((y0 + y1) / 2 + ny * side * 0.5)
            pct_text = f" · {pct:.0f}%" if pct is not None else ""
            out["label"].append(f"{row.interconnector_id}\n{abs(row.metered_mw):,.0f} MW{pct_text}")
            out["id"].append(row.interconnector_id)
            out["mw"].append(float(row.metered_mw))
            out["pct"].append(pct)
    return out


class FlowDiagram:
    """Regions as nodes, interconnectors as arrows; `update(flows, title)` refills the arrows."""

    def __init__(self, colors: dict[str, str]) -> None:
        p = figure(width=WIDTH, height=HEIGHT, tools="", toolbar_location=None,
                   x_range=Range1d(*X_RANGE), y_range=Range1d(*Y_RANGE), title="Flows now")
        p.axis.visible = False
        p.grid.visible = False
        p.outline_line_color = None
        self.figure = p
        self.source = ColumnDataSource(arrows(pd.DataFrame(
            columns=["interconnector_id", "from_region", "to_region", "metered_mw", "pct_of_limit", "at_limit"])))
        seg = p.segment("x0", "y0", "x1", "y1", line_color="color", line_width="width", source=self.source)
        p.scatter("x1", "y1", marker="triangle", angle="angle", size=14, color="color", source=self.source)
        p.text("lx", "ly", text="label", text_align="center", text_baseline="middle", text_font_size="10px",
               text_color="#90a4ae", source=self.source)
        names = list(NODES)
        nodes = ColumnDataSource({"x": [NODES[n][0] for n in names], "y": [NODES[n][1] for n in names],
                                  "name": names, "color": [colors.get(n, "#9e9e9e") for n in names]})
        p.scatter("x", "y", size=52, color="color", alpha=0.9, source=nodes)
        p.text("x", "y", text="name", text_align="center", text_baseline="middle", text_font_size="12px",
               text_font_style="bold", text_color="#102027", source=nodes)
        p.add_tools(HoverTool(renderers=[seg], tooltips=[
            ("Interconnector", "@id"), ("Metered MW", "@mw{0,0}"), ("% of limit", "@pct{0.0}")]))

    def update(self, flows: pd.DataFrame, title: str) -> None:
        self.source.data = arrows(flows)
        self.figure.title.text = title
