"""Fuel classes and regions as every chart shows them: one order and one colour per fuel.

The order is the stack order bottom-up (docs/architecture.md "Fuel classes"). The dashboard
and the email report both draw from here, so a fuel looks the same on screen and in a mail.
Rooftop Solar is a lighter yellow straight after Solar; the below-zero classes are lighter
shades of their source.
"""

from __future__ import annotations

REGIONS = ("NSW1", "QLD1", "SA1", "TAS1", "VIC1")

POSITIVE_FUELS = (
    "Coal", "Gas", "Hydro", "Wind", "Solar", "Rooftop Solar", "Battery", "Bioenergy", "Distillate", "Other",
    "Transmission",
)  # fmt: skip
NEGATIVE_FUELS = ("Battery Charging", "Pumps")
FUEL_ORDER = POSITIVE_FUELS + NEGATIVE_FUELS

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
