"""The latest-price card of a region (Today and Price Analysis): price with its status, demand and
the change over the last 30 minutes, from `queries.TODAY_CARDS` rows.

One HTML pane per card: five MUI Typographies per card cost 23 ms a card to build, this 6 ms.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import panel_material_ui as pmui

from dashboard.components.tables import NO_VALUE
from dashboard.theme import REGION_COLORS

STATUS_COLORS = {
    "administered": "#ef5350", "suspended": "#ef5350", "at cap": "#ef5350", "at floor": "#42a5f5",
    "high": "#ffa726", "negative": "#42a5f5", "normal": "#90a4ae",
}


def money_text(value: float | None) -> str:
    if value is None or pd.isna(value):
        return NO_VALUE
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def signed(value: float | None, unit: str, money_: bool = False) -> str:
    if value is None or pd.isna(value):
        return NO_VALUE
    sign = "+" if value >= 0 else "-"
    return f"{sign}${abs(value):,.2f}" if money_ else f"{sign}{abs(value):,.0f} {unit}"


STATUS_TEXT = {"normal": "normal", "negative": "NEGATIVE", "high": "HIGH (≥ $300)", "at cap": "AT MARKET PRICE CAP",
               "at floor": "AT MARKET FLOOR", "administered": "ADMINISTERED PRICING", "suspended": "MARKET SUSPENDED"}


def card_html(region: str, row: pd.Series | None) -> str:
    """A region card: latest price with its status, demand, and the change over the last 30 minutes."""
    head = f'<div class="today-region">{region}</div>'
    if row is None:
        return head + f'<div class="today-price">{NO_VALUE}</div>'
    status = row["status"] if isinstance(row["status"], str) else "normal"
    demand = NO_VALUE if pd.isna(row["demand_mw"]) else f"{row['demand_mw']:,.0f} MW"
    return (
        head
        + f'<div class="today-price">{money_text(row["rrp"])}</div>'
        + f'<div class="today-status" data-status="{status}" style="color:{STATUS_COLORS.get(status, "#90a4ae")}">'
        + f"{STATUS_TEXT.get(status, status)}</div>"
        + f'<div class="today-demand">Demand {demand}</div>'
        + f'<div class="today-change">30 min: {signed(row["rrp"] - row["rrp_before"], "", money_=True)} · '
        + f'{signed(row["demand_mw"] - row["demand_before_mw"], "MW")}</div>'
    )


CARD_CSS = """
.today-region {font-weight: 600; font-size: 0.9rem;}
.today-price {font-size: 1.55rem; font-weight: 500; margin: 4px 0 2px;}
.today-status {font-size: 0.75rem; font-weight: 600; letter-spacing: 0.03em;}
.today-demand {font-size: 0.85rem; margin-top: 6px;}
.today-change {font-size: 0.75rem; opacity: 0.8;}
"""


class PriceCards:
    """A row of region cards (`panes[region]` holds each card's HTML), refilled by `update`."""

    def __init__(self, regions: tuple[str, ...] | list[str]) -> None:
        self.panes = {
            r: pn.pane.HTML(card_html(r, None), css_classes=["today-card", f"today-card-{r}"],
                            stylesheets=[CARD_CSS], margin=0)
            for r in regions
        }
        self.row = pn.Row(
            *(pmui.Paper(pane, elevation=2, width=190, margin=(5, 8),
                         sx={"padding": "10px", "borderTop": f"4px solid {REGION_COLORS.get(r, '#9e9e9e')}"})
              for r, pane in self.panes.items()),
            sizing_mode="stretch_width",
        )

    def update(self, cards: pd.DataFrame) -> None:
        """`cards`: `queries.TODAY_CARDS` rows (one per region)."""
        for region, pane in self.panes.items():
            row = cards[cards["region_id"] == region]
            pane.object = card_html(region, row.iloc[0] if not row.empty else None)


def stat_html(title: str, value: str, note: str) -> str:
    """A figure card: title, the value large, a one-line note."""
    return (f'<div class="today-region">{title}</div><div class="today-price">{value}</div>'
            f'<div class="today-change">{note}</div>')


class StatCards:
    """A row of figure cards with fixed titles (`panes[title]`), refilled by `update`."""

    def __init__(self, titles: tuple[str, ...] | list[str], css_class: str, color: str = "#42a5f5") -> None:
        self.panes = {t: pn.pane.HTML(stat_html(t, NO_VALUE, ""), css_classes=[css_class], stylesheets=[CARD_CSS],
                                      margin=0) for t in titles}  # fmt: skip
        self.row = pn.Row(
            *(pmui.Paper(pane, elevation=2, width=170, margin=(5, 8),
                         sx={"padding": "10px", "borderTop": f"4px solid {color}"}) for pane in self.panes.values()),
            sizing_mode="stretch_width",
        )

    def update(self, values: dict[str, tuple[str, str]]) -> None:
        """title -> (value, note); a title not given shows no value."""
        for title, pane in self.panes.items():
            value, note = values.get(title, (NO_VALUE, ""))
            pane.object = stat_html(title, value, note)
