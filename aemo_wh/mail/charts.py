"""Server-side PNG charts for the daily report (matplotlib Agg, no browser, no pyplot state).

Colours come from `aemo_wh.fuels`, the same table the dashboard uses, so a fuel looks the
same in the email as on screen.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, HourLocator
from matplotlib.figure import Figure

from aemo_wh.fuels import FUEL_COLORS, REGION_COLORS

TEXT = "#1f2933"
GRID = "#d9dee5"
DPI = 110


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _style(ax, title: str, ylabel: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    ax.set_title(title, loc="left", fontsize=11, color=TEXT, fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=9, color=TEXT)
    ax.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=TEXT)
    start = dt.datetime.combine(day, dt.time())
    ax.set_xlim(start, start + dt.timedelta(days=1))
    ax.xaxis.set_major_locator(HourLocator(byhour=range(0, 24, 3)))
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))


def _gw(mw: float, sign: int) -> float:
    """MW -> GW on one side of zero; NaN (a gap) stays NaN so the chart shows the gap."""
    if math.isnan(mw):
        return math.nan
    return max(mw, 0.0) / 1000 if sign > 0 else min(mw, 0.0) / 1000


def fuel_stack_png(
    day: dt.date, times: Sequence[dt.datetime], series: dict[str, Sequence[float]], order: Sequence[str]
) -> bytes:
    """Stacked area of the NEM fuel mix (MW); Battery Charging / Pumps stack below zero."""
    fig = Figure(figsize=(6.6, 3.0))
    ax = fig.add_subplot()
    pos = [f for f in order if f in series and max((v for v in series[f] if not math.isnan(v)), default=0) > 0.05]
    neg = [f for f in order if f in series and min((v for v in series[f] if not math.isnan(v)), default=0) < -0.05]
    if pos:
        ax.stackplot(times, [[_gw(v, 1) for v in series[f]] for f in pos],
                     labels=pos, colors=[FUEL_COLORS.get(f, "#999999") for f in pos], linewidth=0)
    if neg:
        ax.stackplot(times, [[_gw(v, -1) for v in series[f]] for f in neg],
                     labels=neg, colors=[FUEL_COLORS.get(f, "#999999") for f in neg], linewidth=0)
    ax.axhline(0, color=TEXT, linewidth=0.6)
    _style(ax, "NEM generation by fuel", "GW", day)
    handles, labels = ax.get_legend_handles_labels()
    # legend top-down as the stack reads: the top positive band first, the loads last
    fig.legend(handles[: len(pos)][::-1] + handles[len(pos):], labels[: len(pos)][::-1] + labels[len(pos):],
               loc="center left", bbox_to_anchor=(0.80, 0.5), fontsize=7.5, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.79, top=0.88, bottom=0.12)
    return _png(fig)


def prices_png(day: dt.date, prices: dict[str, tuple[Sequence[dt.datetime], Sequence[float]]]) -> bytes:
    """5-minute regional prices ($/MWh); a symmetric-log axis when spikes would flatten the rest."""
    fig = Figure(figsize=(6.6, 2.6))
    ax = fig.add_subplot()
    values = sorted(v for _t, vs in prices.values() for v in vs)
    for region, (times, vs) in sorted(prices.items()):
        ax.plot(times, vs, label=region, color=REGION_COLORS.get(region, "#555555"), linewidth=1.1)
    if values:
        p95 = values[int(0.95 * (len(values) - 1))]
        if values[-1] > max(1000.0, 4 * abs(p95)) or values[0] < -300:
            ax.set_yscale("symlog", linthresh=300)
    ax.axhline(0, color=TEXT, linewidth=0.6)
    _style(ax, "Regional price (5-minute)", "$/MWh", day)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7.5, frameon=False)
    fig.subplots_adjust(left=0.1, right=0.86, top=0.86, bottom=0.13)
    return _png(fig)
