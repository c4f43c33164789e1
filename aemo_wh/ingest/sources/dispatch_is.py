"""DispatchIS_Reports: 5-minute dispatch prices, regional summary and interconnector flows.

Current: Reports/Current/DispatchIS_Reports/  (one zip per interval, up to 7 tables)
Archive: Reports/Archive/DispatchIS_Reports/  (daily zip of the Current zips)
Tables:  DISPATCH,PRICE -> dispatch_price; DISPATCH,REGIONSUM -> dispatch_regionsum;
         DISPATCH,INTERCONNECTORRES -> dispatch_interconnectorres;
         DISPATCH,INTERCONNECTION -> dispatch_interconnection (one row per interconnector, below);
         MARKET_CONFIG,INTERCONNECTOR -> market_config_interconnector (REGIONFROM / REGIONTO per id;
         only in the MMSDM monthly PUBLIC_DVD_INTERCONNECTOR file, which backfill plans for the
         months it loads from MMSDM, where there are no DispatchIS files to derive the regions from);
         MARKET_CONFIG,MARKET_PRICE_THRESHOLDS -> market_price_thresholds (market price cap, floor and
         cumulative price threshold per effective date; MMSDM monthly file only, like INTERCONNECTOR)

DISPATCH,INTERCONNECTION has one row per *region pair* (FROM_REGIONID, TO_REGIONID) and no
interconnector id; its MWFLOW is the sum of the pair's interconnectors' MWFLOW in
DISPATCH,INTERCONNECTORRES of the same file (NSW1->QLD1 = NSW1-QLD1 + N-Q-MNSP1). `transform`
assigns each interconnector to the pair whose regions its id names (N, Q, V, S, T initials) and
whose summed flow matches, so from/to regions and direction come from the data. Basslink
(T-V-MNSP1) has no pair row in any file seen; such interconnectors get their regions from the id
in its own order (`region_source = 'id'`). Region-pair numbers are kept as `pair_*` columns.
"""

from __future__ import annotations

import pyarrow as pa

from aemo_wh.ingest.sources.base import Source
from aemo_wh.log import get_logger
from aemo_wh.nemweb.mms_csv import TIMESTAMP_TYPE, ParsedFile
from aemo_wh.warehouse.tables import (
    DISPATCH_INTERCONNECTION,
    DISPATCH_INTERCONNECTORRES,
    DISPATCH_PRICE,
    DISPATCH_REGIONSUM,
    MARKET_CONFIG_INTERCONNECTOR,
    MARKET_PRICE_THRESHOLDS,
    TableSpec,
)

logger = get_logger(__name__)

REGION_BY_INITIAL = {"N": "NSW1", "Q": "QLD1", "V": "VIC1", "S": "SA1", "T": "TAS1"}
PAIR_COLUMNS = ("irlf", "mwflow", "meteredmwflow", "from_region_mw_losses", "to_region_mw_losses")
FLOW_TOLERANCE_MW = 0.01


def regions_in_id(interconnector_id: str) -> tuple[str, ...]:
    """Regions an interconnector id names, in order: "V-S-MNSP1" -> ("VIC1", "SA1")."""
    out = []
    for part in interconnector_id.upper().split("-"):
        if not part or part.startswith("MNSP"):
            continue
        region = REGION_BY_INITIAL.get(part[0])
        if region and region not in out:
            out.append(region)
    return tuple(out)


def interconnection_per_interconnector(spec: TableSpec, pairs: pa.Table, parsed: ParsedFile) -> pa.Table:
    """One row per (settlementdate, interconnectorid) with from/to regions taken from the pair rows."""
    res = parsed.table("DISPATCH", "INTERCONNECTORRES")
    rows: dict[tuple, dict] = {}
    if res is not None:
        pair_rows = pairs.to_pylist()
        by_time: dict[tuple, list[dict]] = {}
        for p in pair_rows:
            by_time.setdefault((p.get("settlementdate"), p.get("intervention")), []).append(p)
        for r in sorted(res.to_pylist(), key=lambda r: r.get("intervention") or 0):
            icid = r.get("interconnectorid")
            ts = r.get("settlementdate")
            if icid is None or ts is None or (ts, icid) in rows:
                continue  # intervention 0 first; regions do not depend on the intervention run
            named = set(regions_in_id(icid))
            match = next(
                (p for p in by_time.get((ts, r.get("intervention")), [])
                 if {p.get("from_regionid"), p.get("to_regionid")} == named),
                None,
            )  # fmt: skip
            row = {
                "settlementdate": ts,
                "runno": r.get("runno"),
                "intervention": r.get("intervention"),
                "interconnectorid": icid,
                "dispatchinterval": r.get("dispatchinterval"),
                "lastchanged": r.get("lastchanged"),
            }
            if match is not None:
                row |= {
                    "from_regionid": match["from_regionid"],
                    "to_regionid": match["to_regionid"],
                    "region_source": "data",
                    "lastchanged": match.get("lastchanged") or row["lastchanged"],
                }
                row |= {f"pair_{c}": match.get(c) for c in PAIR_COLUMNS}
            else:
                ordered = regions_in_id(icid)
                row |= {
                    "from_regionid": ordered[0] if ordered else None,
                    "to_regionid": ordered[1] if len(ordered) > 1 else None,
                    "region_source": "id",
                }
                row |= {f"pair_{c}": None for c in PAIR_COLUMNS}
            rows[(ts, icid)] = row  # fmt: skip
        _check_pair_sums(res, pairs, rows, parsed.header.name)
    schema = pa.schema(
        [("settlementdate", TIMESTAMP_TYPE), ("runno", pa.float64()), ("intervention", pa.float64()),
         ("interconnectorid", pa.string()), ("from_regionid", pa.string()), ("to_regionid", pa.string()),
         ("dispatchinterval", pa.string()), ("lastchanged", TIMESTAMP_TYPE), ("region_source", pa.string())]
        + [(f"pair_{c}", pa.float64()) for c in PAIR_COLUMNS]
    )  # fmt: skip
    return pa.Table.from_pylist(list(rows.values()), schema=schema)


def _check_pair_sums(res: pa.Table, pairs: pa.Table, rows: dict[tuple, dict], name: str) -> None:
    """Warn when a pair's MWFLOW is not the sum of its interconnectors' (the mapping would be wrong)."""
    flows = {
        (r["settlementdate"], r["interconnectorid"]): r.get("mwflow")
        for r in res.to_pylist()
        if (r.get("intervention") or 0) == 0
    }
    for p in pairs.to_pylist():
        if (p.get("intervention") or 0) != 0 or p.get("mwflow") is None:
            continue
        members = [
            k for k, row in rows.items()
            if k[0] == p["settlementdate"] and row["region_source"] == "data"
            and (row["from_regionid"], row["to_regionid"]) == (p["from_regionid"], p["to_regionid"])
        ]  # fmt: skip
        total = sum(flows.get(k) or 0.0 for k in members)
        if abs(total - p["mwflow"]) > FLOW_TOLERANCE_MW:
            logger.warning(
                "%s: %s->%s MWFLOW %.3f != sum of %s (%.3f)",
                name, p["from_regionid"], p["to_regionid"], p["mwflow"], [k[1] for k in members], total,
            )  # fmt: skip


SOURCE = Source(
    name="dispatch_is",
    current_dir="Reports/Current/DispatchIS_Reports/",
    archive_dir="Reports/Archive/DispatchIS_Reports/",
    file_pattern=r"PUBLIC_DISPATCHIS_(?P<interval>\d{12})_\d{16}\.zip",
    archive_pattern=r"PUBLIC_DISPATCHIS_(?P<start>\d{8})\.zip",
    tables=(
        DISPATCH_PRICE,
        DISPATCH_REGIONSUM,
        DISPATCH_INTERCONNECTORRES,
        DISPATCH_INTERCONNECTION,
        MARKET_CONFIG_INTERCONNECTOR,
        MARKET_PRICE_THRESHOLDS,
    ),
    transforms={DISPATCH_INTERCONNECTION.name: interconnection_per_interconnector},
)
