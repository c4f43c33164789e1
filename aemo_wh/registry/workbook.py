"""Read AEMO's NEM Registration and Exemption List (sheet "PU and Scheduled Loads").

The sheet has one row per DUID (a few DUIDs repeat, e.g. a bidirectional unit listed once per
unit range), header names that drift between editions, numbers stored as text, and `-` or
blank for "not given". Rows without a DUID (`-`) are exemption-style entries and are skipped.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from aemo_wh.errors import AemoWhError
from aemo_wh.log import get_logger
from aemo_wh.registry.fuel import classify, normalise, normalise_dispatch_type

logger = get_logger(__name__)

SHEET_NAMES = ("PU and Scheduled Loads", "Generators and Scheduled Loads")  # new name, old name
WORKBOOK_NAME = "NEM-Registration-and-Exemption-List.xlsx"

# our column -> accepted (normalised) header spellings, first found wins
HEADERS: dict[str, tuple[str, ...]] = {
    "participant": ("participant",),
    "station_name": ("station name",),
    "region_id": ("region",),
    "dispatch_type": ("dispatch type",),
    "fuel_source_primary": ("fuel source - primary",),
    "fuel_source": ("fuel source - descriptor",),
    "technology": ("technology type - descriptor",),
    "duid": ("duid",),
    "registered_capacity_mw": ("reg cap generation (mw)", "reg cap (mw)"),
    "max_capacity_mw": ("max cap generation (mw)", "max cap (mw)"),
    "classification": ("classification",),  # Scheduled / Semi-Scheduled / Non-Scheduled (footnote marks kept)
    "storage_mwh": ("maximum storage capacity", "maximum storage capacity (mwh)"),  # batteries, MWh
}
REQUIRED = ("duid", "station_name", "region_id", "dispatch_type", "participant")

DUID_INFO_COLUMNS = (
    "duid",
    "station_name",
    "region_id",
    "participant",
    "dispatch_type",
    "fuel_source",
    "technology",
    "fuel_class",
    "registered_capacity_mw",
    "max_capacity_mw",
    "classification",
    "storage_mwh",
)


def shipped_workbook() -> Path:
    """The workbook copy shipped with the package (AEMO, March 2026)."""
    return Path(str(resources.files("aemo_wh") / "data" / WORKBOOK_NAME))


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None  # '-', '', 'TBA'


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text if text and text != "-" else None


def read_workbook(path: Path) -> list[dict[str, Any]]:
    """One dict per DUID with DUID_INFO_COLUMNS, in sheet order."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise AemoWhError(f"registration workbook not found: {path}") from None
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise AemoWhError(
            f"cannot read registration workbook {path}: {exc}",
            hint="Expected AEMO's NEM Registration and Exemption List (.xlsx).",
        ) from exc
    try:
        sheet = next((wb[n] for n in SHEET_NAMES if n in wb.sheetnames), None)
        if sheet is None:
            raise AemoWhError(
                f"{path}: no sheet named {' or '.join(repr(n) for n in SHEET_NAMES)}",
                hint=f"Sheets found: {', '.join(wb.sheetnames)}",
            )
        rows = sheet.iter_rows(values_only=True)
        header = [normalise(h) for h in next(rows, ())]
        index: dict[str, int] = {}
        for col, names in HEADERS.items():
            for name in names:
                if name in header:
                    index[col] = header.index(name)
                    break
        missing = [c for c in REQUIRED if c not in index]
        if missing:
            raise AemoWhError(f"{path}: sheet {sheet.title!r} lacks columns for {missing}", hint=f"Header: {header}")
        out: dict[str, dict[str, Any]] = {}
        for raw in rows:
            def get(col: str, raw: tuple = raw) -> Any:
                i = index.get(col)
                return raw[i] if i is not None and i < len(raw) else None

            duid = _text(get("duid"))
            if duid is None:
                continue
            duid = duid.upper()
            row = {
                "duid": duid,
                "station_name": _text(get("station_name")),
                "region_id": (_text(get("region_id")) or "").upper() or None,
                "participant": _text(get("participant")),
                "dispatch_type": normalise_dispatch_type(get("dispatch_type")) or None,
                "fuel_source": _text(get("fuel_source")),
                "technology": _text(get("technology")),
                "fuel_class": classify(
                    get("dispatch_type"), get("fuel_source_primary"), get("fuel_source"), get("technology")
                ),
                "registered_capacity_mw": _number(get("registered_capacity_mw")),
                "max_capacity_mw": _number(get("max_capacity_mw")),
                "classification": _text(get("classification")),
                "storage_mwh": _number(get("storage_mwh")),
            }
            if duid in out:
                _merge(out[duid], row)
            else:
                out[duid] = row
    finally:
        wb.close()
    if not out:
        raise AemoWhError(f"{path}: no DUID rows in sheet {sheet.title!r}")
    logger.debug("read %d DUIDs from %s", len(out), path)
    return list(out.values())


def _merge(first: dict[str, Any], again: dict[str, Any]) -> None:
    """A DUID listed twice: keep the first row's values, fill its gaps, keep the larger capacity."""
    for key, value in again.items():
        if first.get(key) is None:
            first[key] = value
    for key in ("registered_capacity_mw", "max_capacity_mw", "storage_mwh"):
        if again.get(key) is not None and first.get(key) is not None:
            first[key] = max(first[key], again[key])
