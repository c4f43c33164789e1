"""The registry's history layer: units AEMO's current registration list no longer names.

Retired plant (Liddell LD01-LD04, Torrens A, Northern, Hazelwood ...) and the pre-2025 two-DUID
batteries (HPRG1 / HPRL1 ...) report SCADA in every backfilled month but are absent from the
registration list, so without this layer their MW fell out of the fuel stacks (measured on the real
2019 and 2021 SCADA samples: 5-8 % of positive MW). `aemo_wh/data/duid_history.csv` is derived
from OpenNEM's unit list (MIT, ../shared/reference/nem_duid_reference_opennem.csv) by
`write_history_csv` and is read like the overrides file, beneath the registration list: a DUID the
list names keeps the list's values.

Regenerate after a new registration list or OpenNEM snapshot:

    uv run python -m aemo_wh.registry.history OPENNEM_CSV [DUDETAILSUMMARY_CSV] > aemo_wh/data/duid_history.csv
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from aemo_wh.registry.overrides import REGIONS
from aemo_wh.registry.workbook import DUID_INFO_COLUMNS

# OpenNEM fueltech -> (fuel class, dispatch type). OpenNEM types old battery charge units as
# generators; AEMO registered them as loads (positive SCADA = consumption), as are pumps.
FUELTECH_CLASSES: dict[str, tuple[str, str]] = {
    "coal_black": ("Coal", "generator"),
    "coal_brown": ("Coal", "generator"),
    "gas_ccgt": ("Gas", "generator"),
    "gas_ocgt": ("Gas", "generator"),
    "gas_recip": ("Gas", "generator"),
    "gas_steam": ("Gas", "generator"),
    "gas_wcmg": ("Gas", "generator"),
    "hydro": ("Hydro", "generator"),
    "wind": ("Wind", "generator"),
    "solar_utility": ("Solar", "generator"),
    "distillate": ("Distillate", "generator"),
    "bioenergy_biogas": ("Bioenergy", "generator"),
    "bioenergy_biomass": ("Bioenergy", "generator"),
    "battery_discharging": ("Battery", "generator"),
    "battery_charging": ("Battery Charging", "load"),
    "pumps": ("Pumps", "load"),
}
HEADER_COMMENT = """\
# Units the shipped registration list does not name (retired plant, pre-2025 two-DUID batteries),
# derived from OpenNEM's unit list (github.com/opennem/opennem, opennem/data/stations.json, MIT) by
# aemo_wh/registry/history.py; region and participant (PARTICIPANTID) from MMS DUDETAILSUMMARY where it names them.
# fuel_source / technology are OpenNEM's fueltech group / id. Read beneath the registration list."""


def history_path() -> Path:
    return Path(str(resources.files("aemo_wh") / "data" / "duid_history.csv"))


def _aemo_rows(dudetailsummary: Path | None) -> dict[str, dict[str, str]]:
    """DUID -> its row with the newest START_DATE in an MMS DUDETAILSUMMARY file (lower-case columns)."""
    if dudetailsummary is None:
        return {}
    newest: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    with dudetailsummary.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if row and row[0] == "I":
                header = [c.lower() for c in row]
            elif row and row[0] == "D" and header:
                rec = dict(zip(header, row, strict=False))
                if rec.get("duid") and rec.get("start_date", "") >= newest.get(rec["duid"], {}).get("start_date", ""):
                    newest[rec["duid"]] = rec
    return newest


def history_rows(opennem_csv: Path, listed: Iterable[str], dudetailsummary: Path | None = None) -> list[dict[str, str]]:
    """Rows (overrides columns) for OpenNEM NEM units not in `listed`, sorted by DUID.

    Interconnector pseudo-units and units without a known fueltech (VPP aggregates, unnamed loads)
    are left out: they carry no generation to classify.
    """
    listed = {d.upper() for d in listed}
    aemo = _aemo_rows(dudetailsummary)
    out = []
    with opennem_csv.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            duid = r["duid"].strip().upper()
            if not duid or duid in listed or r["is_interconnector"] == "True" or r["fueltech_id"] not in FUELTECH_CLASSES:
                continue
            fuel_class, dispatch_type = FUELTECH_CLASSES[r["fueltech_id"]]
            capacity = r["capacity_registered_mw"]
            registered = aemo.get(duid, {})
            # AEMO's own registration wins where it names a current region (SNOWYGJP is VIC1 there,
            # NSW1 in OpenNEM); the pre-2008 SNOWY1 region does not exist any more.
            region = registered.get("regionid", "")
            out.append({
                "duid": duid,
                "station_name": r["station_name"].strip(),
                "region_id": region if region in REGIONS else r["network_region"],
                "participant": registered.get("participantid", ""),
                "dispatch_type": dispatch_type,
                "fuel_source": r["fueltech_group_id"],
                "technology": r["fueltech_id"],
                "fuel_class": fuel_class,
                "registered_capacity_mw": capacity,
                "max_capacity_mw": capacity,
            })  # fmt: skip
    return sorted(out, key=lambda row: row["duid"])


def write_history_csv(rows: list[dict[str, str]], out: io.TextIOBase) -> None:
    out.write(HEADER_COMMENT + "\n")
    writer = csv.DictWriter(out, fieldnames=list(DUID_INFO_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    from aemo_wh.registry.workbook import read_workbook, shipped_workbook

    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    listed = [r["duid"] for r in read_workbook(shipped_workbook())]
    rows = history_rows(Path(args[0]), listed, Path(args[1]) if len(args) > 1 else None)
    write_history_csv(rows, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
