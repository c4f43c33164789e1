"""The warehouse tables: name, AEMO source table, primary key, time grain and typed contract.

This is the single list both the ingest sources and the warehouse writer use. Column names are
AEMO's, lower-cased (see docs/architecture.md).

The contract (`TableSpec.columns`) is the warehouse's own schema: the reader parses each landed
table with these types (never inferring one from a file's values) and the writer refuses a file
whose schema differs. Types follow AEMO's MMS Data Model: DATE -> `timestamp[us]` (naive, NEM
time), NUMBER -> `float64`, VARCHAR2 -> `string`. The lists hold every column of every era seen in
real files, with the type earlier versions gave it, so warehouses they landed still conform. A
column the contract does not know (AEMO adds columns without notice) is kept as `string` in every
file: one fixed type, so it can neither poison a view nor quarantine a file. Bump CONTRACT_VERSION
when a declared type changes; the manifest records the version each file was written under.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

CONTRACT_VERSION = 1
TS, NUM, TEXT = pa.timestamp("us"), pa.float64(), pa.string()
UNKNOWN_COLUMN_TYPE = TEXT  # a column the contract does not declare
SOURCE_FILE = "_source_file"  # every row landed from a file says which (docs/architecture.md)

Columns = tuple[tuple[str, pa.DataType], ...]


def columns(*, ts: str = "", num: str = "", text: str = "", source_file: bool = True) -> Columns:
    """Declared columns from space-separated names per type, `_source_file` last."""
    out: list[tuple[str, pa.DataType]] = []
    for names, typ in ((ts, TS), (num, NUM), (text, TEXT)):
        out += [(n, typ) for n in names.split()]
    if source_file:
        out.append((SOURCE_FILE, TEXT))
    return tuple(out)


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
    columns: Columns = ()  # the contract: declared columns and their Arrow types
    # What the file's table holds when a source transforms it before landing (DISPATCH,INTERCONNECTION);
    # by default the file's table is the landed table and is parsed with `columns`.
    file_columns: Columns | None = field(default=None, compare=False)
    # Key columns that may be null (every other key column must be set in every row)
    nullable_keys: tuple[str, ...] = ()

    @property
    def types(self) -> dict[str, pa.DataType]:
        """Declared column -> Arrow type."""
        return dict(self.columns)

    @property
    def parse_types(self) -> dict[str, pa.DataType]:
        """Column -> type the reader parses the AEMO table with (`file_columns` when transformed)."""
        return dict(self.file_columns if self.file_columns is not None else self.columns)

    @property
    def month_sort(self) -> tuple[str, ...]:
        if self.sort_by:
            return self.sort_by
        others = [c for c in self.primary_key if c != self.time_column]
        return tuple(others[:1]) + ((self.time_column,) if self.time_column else ())


UNIT_SCADA = TableSpec(
    "unit_scada", ("DISPATCH", "UNIT_SCADA"), ("settlementdate", "duid"), "settlementdate",
    columns=columns(
        ts="settlementdate lastchanged",
        num="scadavalue",
        text="duid",
    ),
)
DISPATCH_PRICE = TableSpec(
    "dispatch_price", ("DISPATCH", "PRICE"), ("settlementdate", "regionid", "intervention"), "settlementdate",
    columns=columns(
        ts="settlementdate lastchanged",
        num=(
            "runno intervention rrp eep rop apcflag marketsuspendedflag raise6secrrp raise6secrop "
            "raise6secapcflag raise60secrrp raise60secrop raise60secapcflag raise5minrrp raise5minrop "
            "raise5minapcflag raiseregrrp raiseregrop raiseregapcflag lower6secrrp lower6secrop lower6secapcflag "
            "lower60secrrp lower60secrop lower60secapcflag lower5minrrp lower5minrop lower5minapcflag lowerregrrp "
            "lowerregrop lowerregapcflag pre_ap_energy_price pre_ap_raise6_price pre_ap_raise60_price "
            "pre_ap_raise5min_price pre_ap_raisereg_price pre_ap_lower6_price pre_ap_lower60_price "
            "pre_ap_lower5min_price pre_ap_lowerreg_price cumul_pre_ap_energy_price cumul_pre_ap_raise6_price "
            "cumul_pre_ap_raise60_price cumul_pre_ap_raise5min_price cumul_pre_ap_raisereg_price "
            "cumul_pre_ap_lower6_price cumul_pre_ap_lower60_price cumul_pre_ap_lower5min_price "
            "cumul_pre_ap_lowerreg_price raise1secrrp raise1secrop raise1secapcflag lower1secrrp lower1secrop "
            "lower1secapcflag pre_ap_raise1_price pre_ap_lower1_price cumul_pre_ap_raise1_price "
            "cumul_pre_ap_lower1_price"
        ),
        text="regionid dispatchinterval price_status ocd_status mii_status",
    ),
)
DISPATCH_REGIONSUM = TableSpec(
    "dispatch_regionsum", ("DISPATCH", "REGIONSUM"), ("settlementdate", "regionid", "intervention"), "settlementdate",
    columns=columns(
        ts="settlementdate lastchanged",
        num=(
            "runno intervention totaldemand availablegeneration availableload demandforecast "
            "dispatchablegeneration dispatchableload netinterchange excessgeneration lower5mindispatch "
            "lower5minimport lower5minlocaldispatch lower5minlocalprice lower5minlocalreq lower5minprice "
            "lower5minreq lower5minsupplyprice lower60secdispatch lower60secimport lower60seclocaldispatch "
            "lower60seclocalprice lower60seclocalreq lower60secprice lower60secreq lower60secsupplyprice "
            "lower6secdispatch lower6secimport lower6seclocaldispatch lower6seclocalprice lower6seclocalreq "
            "lower6secprice lower6secreq lower6secsupplyprice raise5mindispatch raise5minimport "
            "raise5minlocaldispatch raise5minlocalprice raise5minlocalreq raise5minprice raise5minreq "
            "raise5minsupplyprice raise60secdispatch raise60secimport raise60seclocaldispatch "
            "raise60seclocalprice raise60seclocalreq raise60secprice raise60secreq raise60secsupplyprice "
            "raise6secdispatch raise6secimport raise6seclocaldispatch raise6seclocalprice raise6seclocalreq "
            "raise6secprice raise6secreq raise6secsupplyprice aggegatedispatcherror aggregatedispatcherror "
            "initialsupply clearedsupply lowerregimport lowerreglocaldispatch lowerreglocalreq lowerregreq "
            "raiseregimport raisereglocaldispatch raisereglocalreq raiseregreq raise5minlocalviolation "
            "raisereglocalviolation raise60seclocalviolation raise6seclocalviolation lower5minlocalviolation "
            "lowerreglocalviolation lower60seclocalviolation lower6seclocalviolation raise5minviolation "
            "raiseregviolation raise60secviolation raise6secviolation lower5minviolation lowerregviolation "
            "lower60secviolation lower6secviolation raise6secactualavailability raise60secactualavailability "
            "raise5minactualavailability raiseregactualavailability lower6secactualavailability "
            "lower60secactualavailability lower5minactualavailability lowerregactualavailability lorsurplus "
            "lrcsurplus totalintermittentgeneration demand_and_nonschedgen uigf semischedule_clearedmw "
            "semischedule_compliancemw ss_solar_uigf ss_wind_uigf ss_solar_clearedmw ss_wind_clearedmw "
            "ss_solar_compliancemw ss_wind_compliancemw wdr_initialmw wdr_available wdr_dispatched "
            "raise1seclocaldispatch lower1seclocaldispatch raise1secactualavailability "
            "lower1secactualavailability ss_solar_availability ss_wind_availability bdu_energy_storage "
            "bdu_min_avail bdu_max_avail bdu_clearedmw_gen bdu_clearedmw_load bdu_initial_energy_storage"
        ),
        text="regionid dispatchinterval",
    ),
)
DISPATCH_INTERCONNECTORRES = TableSpec(
    "dispatch_interconnectorres",
    ("DISPATCH", "INTERCONNECTORRES"),
    ("settlementdate", "interconnectorid", "intervention"),
    "settlementdate",
    columns=columns(
        ts="settlementdate lastchanged",
        num=(
            "runno intervention meteredmwflow mwflow mwlosses marginalvalue violationdegree exportlimit "
            "importlimit marginalloss fcasexportlimit fcasimportlimit local_price_adjustment_export "
            "locally_constrained_export local_price_adjustment_import locally_constrained_import"
        ),
        text="interconnectorid dispatchinterval exportgenconid importgenconid",
    ),
)
DISPATCH_INTERCONNECTION = TableSpec(
    "dispatch_interconnection",
    ("DISPATCH", "INTERCONNECTION"),
    ("settlementdate", "interconnectorid", "from_regionid", "to_regionid"),
    "settlementdate",
    columns=columns(
        ts="settlementdate lastchanged",
        num=(
            "runno intervention pair_irlf pair_mwflow pair_meteredmwflow pair_from_region_mw_losses "
            "pair_to_region_mw_losses"
        ),
        text="interconnectorid from_regionid to_regionid dispatchinterval region_source",
    ),
    # an interconnector id no pair row or reference names (a new link) keeps null regions
    nullable_keys=("from_regionid", "to_regionid"),
    # the file's table: one row per region pair (ingest/sources/dispatch_is.py makes one per interconnector)
    file_columns=columns(
        ts="settlementdate lastchanged",
        num="runno intervention irlf mwflow meteredmwflow from_region_mw_losses to_region_mw_losses",
        text="from_regionid to_regionid dispatchinterval",
        source_file=False,
    ),
)
ROOFTOP_PV_ACTUAL = TableSpec(
    "rooftop_pv_actual", ("ROOFTOP", "ACTUAL"), ("interval_datetime", "regionid", "type"), "interval_datetime", 30,
    columns=columns(
        ts="interval_datetime lastchanged",
        num="power qi",
        text="regionid type",
    ),
)
TRADING_PRICE = TableSpec(
    "trading_price", ("TRADING", "PRICE"), ("settlementdate", "regionid", "runno"), "settlementdate", 30,
    columns=columns(
        ts="settlementdate lastchanged",
        num=(
            "runno rrp eep invalidflag rop raise6secrrp raise6secrop raise60secrrp raise60secrop raise5minrrp "
            "raise5minrop raiseregrrp raiseregrop lower6secrrp lower6secrop lower60secrrp lower60secrop "
            "lower5minrrp lower5minrop lowerregrrp lowerregrop raise1secrrp raise1secrop lower1secrrp "
            "lower1secrop"
        ),
        text="regionid periodid price_status",
    ),
)
# Built by aemo_wh/registry/ from AEMO's registration list (not parsed from a NEMWeb file).
DUID_INFO = TableSpec(
    "duid_info", ("REGISTRY", "DUID_INFO"), ("duid",), None, 0, replace_only=True,
    columns=columns(
        num="registered_capacity_mw max_capacity_mw storage_mwh",
        text="duid station_name region_id participant dispatch_type fuel_source technology fuel_class classification",
        source_file=False,
    ),
)
# MMSDM monthly INTERCONNECTOR table: REGIONFROM / REGIONTO per interconnector id (one row per id).
MARKET_CONFIG_INTERCONNECTOR = TableSpec(
    "market_config_interconnector", ("MARKET_CONFIG", "INTERCONNECTOR"), ("interconnectorid",), None, 0,
    columns=columns(
        ts="lastchanged",
        text="interconnectorid regionfrom rsoid regionto description",
    ),
)
# MMSDM monthly MARKET_PRICE_THRESHOLDS table: VOLL (the market price cap), MARKETPRICEFLOOR and
# ADMINISTERED_PRICE_THRESHOLD (the cumulative price threshold) per effective date and version.
MARKET_PRICE_THRESHOLDS = TableSpec(
    "market_price_thresholds", ("MARKET_CONFIG", "MARKET_PRICE_THRESHOLDS"), ("effectivedate", "versionno"), None, 0,
    columns=columns(
        ts="effectivedate authoriseddate lastchanged",
        num="versionno voll marketpricefloor administered_price_threshold",
        text="authorisedby",
    ),
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
        MARKET_PRICE_THRESHOLDS,
    )
}
