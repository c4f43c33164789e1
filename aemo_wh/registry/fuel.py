"""Fuel classes and the descriptor -> class mapping (the mapping itself is data).

`aemo_wh/data/fuel_class_map.csv` holds ordered rules over the workbook's dispatch type,
Fuel Source - Primary, Fuel Source - Descriptor and Technology Type - Descriptor. Values are
compared lower-cased with whitespace collapsed and `-` read as empty; a rule cell may be a
shell-style pattern (`*` matches anything, `battery*` a prefix). The first matching rule wins.
"""

from __future__ import annotations

import csv
import fnmatch
import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# One list, everywhere (docs/architecture.md): stack order bottom-up, then the negative series.
FUEL_CLASSES: tuple[str, ...] = (
    "Coal",
    "Gas",
    "Hydro",
    "Wind",
    "Solar",
    "Rooftop Solar",
    "Battery",
    "Bioenergy",
    "Distillate",
    "Other",
    "Transmission",
    "Battery Charging",
    "Pumps",
)
# Classes a DUID can have (Rooftop Solar and Transmission are not units).
UNIT_FUEL_CLASSES = tuple(c for c in FUEL_CLASSES if c not in ("Rooftop Solar", "Transmission"))
DISPATCH_TYPES = ("generator", "load", "bidirectional")

_DISPATCH_TYPE_WORDS = {
    "generating unit": "generator",
    "generator": "generator",
    "load": "load",
    "scheduled load": "load",
    "bidirectional unit": "bidirectional",
    "bidirectional": "bidirectional",
}


def normalise(value: object) -> str:
    """Lower-case, collapse whitespace, and read AEMO's `-` placeholder as empty."""
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip().lower()
    return "" if text in {"-", "nan", "none"} else text


def normalise_dispatch_type(value: object) -> str:
    """'Generating Unit' -> generator, 'Load' -> load, 'Bidirectional Unit' -> bidirectional."""
    text = normalise(value)
    return _DISPATCH_TYPE_WORDS.get(text, text)


@dataclass(frozen=True)
class FuelRule:
    dispatch_type: str
    fuel_source_primary: str
    fuel_source_descriptor: str
    technology_descriptor: str
    fuel_class: str

    def matches(self, values: tuple[str, str, str, str]) -> bool:
        pats = (self.dispatch_type, self.fuel_source_primary, self.fuel_source_descriptor, self.technology_descriptor)
        return all(fnmatch.fnmatchcase(v, p) for v, p in zip(values, pats, strict=True))


def default_map_path() -> Path:
    return Path(str(resources.files("aemo_wh") / "data" / "fuel_class_map.csv"))


@functools.cache
def load_fuel_rules(path: Path | None = None) -> tuple[FuelRule, ...]:
    """Read the ordered rules; every class must be one of FUEL_CLASSES."""
    path = path or default_map_path()
    rules = []
    with path.open(newline="", encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            fuel_class = row["fuel_class"].strip()
            if fuel_class not in UNIT_FUEL_CLASSES:
                raise ValueError(f"{path}:{line_no}: unknown fuel class {fuel_class!r}")
            rules.append(
                FuelRule(
                    normalise(row["dispatch_type"]) if row["dispatch_type"].strip() != "*" else "*",
                    _pattern(row["fuel_source_primary"]),
                    _pattern(row["fuel_source_descriptor"]),
                    _pattern(row["technology_descriptor"]),
                    fuel_class,
                )
            )
    return tuple(rules)


def _pattern(cell: str) -> str:
    cell = cell.strip()
    return "*" if cell == "*" else normalise(cell)


def classify(
    dispatch_type: object,
    fuel_source_primary: object,
    fuel_source_descriptor: object,
    technology_descriptor: object,
    rules: tuple[FuelRule, ...] | None = None,
) -> str:
    """The fuel class of one registry row (first matching rule; the map ends with a catch-all)."""
    values = (
        normalise_dispatch_type(dispatch_type),
        normalise(fuel_source_primary),
        normalise(fuel_source_descriptor),
        normalise(technology_descriptor),
    )
    for rule in rules or load_fuel_rules():
        if rule.matches(values):
            return rule.fuel_class
    return "Other"
