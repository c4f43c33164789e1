"""The user's overrides CSV (settings.paths.overrides): add or correct DUIDs; it wins.

Format: a header row with `duid` and any of the duid_info columns; one row per DUID. A blank
cell keeps the workbook's value; a DUID not in the workbook is added (give at least region_id
and fuel_class). Lines starting with `#` are comments. Errors name the file and line.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from aemo_wh.errors import AemoWhError
from aemo_wh.registry.fuel import DISPATCH_TYPES, UNIT_FUEL_CLASSES, normalise_dispatch_type
from aemo_wh.registry.workbook import DUID_INFO_COLUMNS

REGIONS = ("NSW1", "QLD1", "SA1", "TAS1", "VIC1")
NUMERIC = ("registered_capacity_mw", "max_capacity_mw", "storage_mwh")
TEMPLATE_HEADER = ",".join(DUID_INFO_COLUMNS)


class OverridesError(AemoWhError):
    """The overrides CSV has a bad header or value."""


def read_overrides(path: Path) -> list[dict[str, Any]]:
    """Validated override rows (only the cells that were given). A missing file means none."""
    if not path.is_file():
        return []
    hint = f"Columns: {TEMPLATE_HEADER}. Blank cells keep the workbook value."
    with path.open(newline="", encoding="utf-8-sig") as fh:
        lines = (ln for ln in fh if not ln.lstrip().startswith("#"))
        reader = csv.DictReader(lines)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "duid" not in header:
            raise OverridesError(f"{path}: no 'duid' column", hint=hint)
        unknown = [h for h in header if h and h not in DUID_INFO_COLUMNS]
        if unknown:
            raise OverridesError(f"{path}: unknown column(s) {unknown}", hint=hint)
        out: dict[str, dict[str, Any]] = {}
        for n, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            duid = row.pop("duid", "").upper()
            if not duid:
                if any(row.values()):
                    raise OverridesError(f"{path}: row {n} has no duid", hint=hint)
                continue
            given: dict[str, Any] = {"duid": duid}
            for col, value in row.items():
                if value:
                    given[col] = _check(path, n, col, value)
            out[duid] = given  # a later row for the same DUID wins
    return list(out.values())


def _check(path: Path, line: int, col: str, value: str) -> Any:
    where = f"{path}: row {line}, {col}={value!r}"
    if col in NUMERIC:
        try:
            return float(value)
        except ValueError:
            raise OverridesError(f"{where} is not a number") from None
    if col == "fuel_class":
        match = {c.lower(): c for c in UNIT_FUEL_CLASSES}.get(value.lower())
        if match is None:
            raise OverridesError(f"{where} is not a fuel class", hint=f"One of: {', '.join(UNIT_FUEL_CLASSES)}")
        return match
    if col == "region_id":
        if value.upper() not in REGIONS:
            raise OverridesError(f"{where} is not a region", hint=f"One of: {', '.join(REGIONS)}")
        return value.upper()
    if col == "dispatch_type":
        dt = normalise_dispatch_type(value)
        if dt not in DISPATCH_TYPES:
            raise OverridesError(f"{where} is not a dispatch type", hint=f"One of: {', '.join(DISPATCH_TYPES)}")
        return dt
    return value


def apply_overrides(rows: list[dict[str, Any]], overrides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Workbook rows with the overrides laid over them (new DUIDs appended)."""
    by_duid = {r["duid"]: dict(r) for r in rows}
    for o in overrides:
        base = by_duid.setdefault(o["duid"], dict.fromkeys(DUID_INFO_COLUMNS))
        base.update(o)
        if base.get("fuel_class") is None:
            base["fuel_class"] = "Other"
    return list(by_duid.values())
