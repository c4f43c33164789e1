"""The warehouse tables: name, AEMO source table, primary key and time grain.

This is the single list both the ingest sources and the warehouse writer use. Column
names are AEMO's, lower-cased (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    name: str
    aemo: tuple[str, str]  # (report, sub-type) as in the file's I row
    primary_key: tuple[str, ...]
    time_column: str | None  # interval END (NEM time); None for reference tables
    interval_minutes: int = 5
    sort_by: tuple[str, ...] = ()  # monthly compaction order; default (first non-time key, time)
    latest_by: str = "lastchanged"  # newest wins per primary key
    # A reference table (no time column) is either merged by `Writer.publish` (newest wins per key)
    # or, with replace_only, written whole by `Writer.replace_table` and nothing else (duid_info).
    replace_only: bool = False

    @property
    def month_sort(self) -> tuple[str, ...]:
        if self.sort_by:
            return self.sort_by
        others = [c for c in self.primary_key if c != self.time_column]
        return tuple(others[:1]) + ((self.time_column,) if self.time_column else ())


UNIT_SCADA = TableSpec("unit_scada", ("DISPATCH", "UNIT_SCADA"), ("settlementdate", "duid"), "settlementdate")
DISPATCH_PRICE = TableSpec(
    "dispatch_price", ("DISPATCH", "PRICE"), ("settlementdate", "regionid", "intervention"), "settlementdate"
)
DISPATCH_REGIONSUM = TableSpec(
    "dispatch_regionsum", ("DISPATCH", "REGIONSUM"), ("settlementdate", "regionid", "intervention"), "settlementdate"
)
DISPATCH_INTERCONNECTORRES = TableSpec(
    "dispatch_interconnectorres",
    ("DISPATCH", "INTERCONNECTORRES"),
    ("settlementdate", "interconnectorid", "intervention"),
    "settlementdate",
)
DISPATCH_INTERCONNECTION = TableSpec(
    "dispatch_interconnection",
    ("DISPATCH", "INTERCONNECTION"),
    ("settlementdate", "interconnectorid", "from_regionid", "to_regionid"),
    "settlementdate",
)
ROOFTOP_PV_ACTUAL = TableSpec(
    "rooftop_pv_actual", ("ROOFTOP", "ACTUAL"), ("interval_datetime", "regionid", "type"), "interval_datetime", 30
)
TRADING_PRICE = TableSpec(
    "trading_price", ("TRADING", "PRICE"), ("settlementdate", "regionid", "runno"), "settlementdate", 30
)
DUID_INFO = TableSpec("duid_info", ("REGISTRY", "DUID_INFO"), ("duid",), None, 0, replace_only=True)
# MMSDM monthly INTERCONNECTOR table: REGIONFROM / REGIONTO per interconnector id (one row per id).
MARKET_CONFIG_INTERCONNECTOR = TableSpec(
    "market_config_interconnector", ("MARKET_CONFIG", "INTERCONNECTOR"), ("interconnectorid",), None, 0
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        UNIT_SCADA,
        DISPATCH_PRICE,
        DISPATCH_REGIONSUM,
        DISPATCH_INTERCONNECTORRES,
        DISPATCH_INTERCONNECTION,
        ROOFTOP_PV_ACTUAL,
        TRADING_PRICE,
        DUID_INFO,
        MARKET_CONFIG_INTERCONNECTOR,
    )
}
