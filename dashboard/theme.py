"""Branding and colours: one place for the fuel order, fuel colours and the pmui theme.

The fuel order is the stack order bottom-up (docs/architecture.md "Fuel classes"); colours are
fixed so a fuel keeps its colour in every chart, in both themes. Rooftop Solar is a lighter yellow
band straight after Solar; the below-zero classes are lighter shades of their source.
"""

from __future__ import annotations

TITLE = "Nem Analysis"
FOOTER_CREDIT = "data:AEMO, design ITK"
DEMO_MARKER = "Demo data — simulated"

REGIONS = ("NSW1", "QLD1", "SA1", "TAS1", "VIC1")
REGION_CHOICES = ("NEM", *REGIONS)

POSITIVE_FUELS = (
    "Coal", "Gas", "Hydro", "Wind", "Solar", "Rooftop Solar", "Battery", "Bioenergy", "Distillate", "Other",
    "Transmission",
)
NEGATIVE_FUELS = ("Battery Charging", "Pumps")
FUEL_ORDER = POSITIVE_FUELS + NEGATIVE_FUELS
# Transmission appears on the negative side too (exports), in the same colour.
SIGNED_FUELS = ("Transmission",)

FUEL_COLORS = {
    "Coal": "#8d6e63",
    "Gas": "#fb8c00",
    "Hydro": "#1e88e5",
    "Wind": "#43a047",
    "Solar": "#fdd835",
    "Rooftop Solar": "#fff59d",
    "Battery": "#8e24aa",
    "Bioenergy": "#00897b",
    "Distillate": "#e53935",
    "Other": "#90a4ae",
    "Transmission": "#ec407a",
    "Battery Charging": "#ce93d8",
    "Pumps": "#81d4fa",
}

REGION_COLORS = {
    "NSW1": "#42a5f5",
    "QLD1": "#ef5350",
    "SA1": "#ffca28",
    "TAS1": "#66bb6a",
    "VIC1": "#ab47bc",
    "NEM": "#26c6da",
}
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
