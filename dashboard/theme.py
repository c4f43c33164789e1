"""Branding and the pmui theme; fuel order and colours come from `aemo_wh.fuels` (shared with email)."""

from __future__ import annotations

from aemo_wh.fuels import FUEL_COLORS, FUEL_ORDER, NEGATIVE_FUELS, POSITIVE_FUELS, REGION_COLORS, REGIONS

TITLE = "Nem Analysis"
FOOTER_CREDIT = "data:AEMO, design ITK"
DEMO_MARKER = "Demo data — simulated"

__all__ = ["FUEL_COLORS", "FUEL_ORDER", "NEGATIVE_FUELS", "POSITIVE_FUELS", "REGION_COLORS", "REGIONS"]

REGION_CHOICES = ("NEM", *REGIONS)
# Transmission appears on the negative side too (exports), in the same colour.
SIGNED_FUELS = ("Transmission",)
PRICE_COLOR = "#26c6da"
LIMIT_BAND_COLOR = "#78909c"

THEME_CONFIG = {
    "palette": {"primary": {"main": "#0277bd"}, "secondary": {"main": "#f9a825"}},
    "chart_style": "classic",  # keep axis lines: legible in the dark theme
}

# The hierarchical Tabulator puts the tree label on its own line without this (panel_material.md B5.1).
TREE_TABLE_CSS = ":host .tabulator-data-tree-control + div {display:inline-block;}"


def fuel_colors(fuels: list[str] | tuple[str, ...]) -> list[str]:
    """Colours for fuels in the given order (unknown classes fall back to 'Other')."""
    return [FUEL_COLORS.get(f, FUEL_COLORS["Other"]) for f in fuels]


def order_fuels(fuels: list[str] | set[str]) -> list[str]:
    """The given fuel classes in the fixed stack order; unknown ones at the end, sorted."""
    known = [f for f in FUEL_ORDER if f in fuels]
    return known + sorted(set(fuels) - set(FUEL_ORDER))
