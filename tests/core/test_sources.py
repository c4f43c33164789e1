"""Source declarations against real names and real files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aemo_wh.errors import BadSourceFile
from aemo_wh.ingest.sources import SOURCES, source_for
from aemo_wh.ingest.sources.dispatch_is import regions_in_id
from aemo_wh.nemweb.listing import parse_listing
from aemo_wh.nemweb.mms_csv import parse_csv, read_file
from aemo_wh.warehouse.tables import TABLES

from .conftest import CORE

LISTINGS = CORE / "dirlisting"


def test_every_source_table_is_a_warehouse_table() -> None:
    for src in SOURCES.values():
        for spec in src.tables:
            assert TABLES[spec.name] is spec


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("testPage.htm", "dispatch_is"),  # 2012, .ZIP
        ("nemweb_dirlisting.html", "dispatch_is"),
        ("nemweb_dispatch_scada_dirlisting.html", "dispatch_scada"),
        ("listing_reports_current_unquoted.html", "trading_is"),  # 2026
    ],
)
def test_every_file_of_a_real_listing_matches_its_source(page: str, source: str) -> None:
    files = [e for e in parse_listing((LISTINGS / page).read_text()) if not e.is_dir]
    assert files
    assert {source_for(e.name).name for e in files} == {source}


def test_names_give_interval_and_archive_span() -> None:
    scada = SOURCES["dispatch_scada"]
    assert scada.interval_of("PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip") == (
        "", dt.datetime(2025, 12, 27, 0, 5))  # fmt: skip
    rooftop = SOURCES["rooftop_pv"]
    assert rooftop.archive_span("PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240314.zip") == (
        "MEASUREMENT", dt.date(2024, 3, 14), dt.date(2024, 3, 21))  # fmt: skip
    assert source_for("PUBLIC_TRADINGIS_20211219_20211225.zip").name == "trading_is"
    assert source_for("PUBLIC_ROOFTOP_PV_FORECAST_20240321203000_0000000414322812.zip") is None


def test_regions_named_by_interconnector_ids() -> None:
    assert regions_in_id("NSW1-QLD1") == ("NSW1", "QLD1")
    assert regions_in_id("V-S-MNSP1") == ("VIC1", "SA1")
    assert regions_in_id("T-V-MNSP1") == ("TAS1", "VIC1")
    assert regions_in_id("VIC1-NSW1") == ("VIC1", "NSW1")


DISPATCHIS = sorted(p for p in (CORE / "dispatchis").iterdir() if p.suffix.lower() in (".zip", ".csv"))


@pytest.mark.parametrize("path", DISPATCHIS, ids=lambda p: p.name)
def test_interconnection_rows_take_regions_from_the_pair_rows(path: Path) -> None:
    parsed = read_file(path)
    extracted = dict((spec.name, t) for spec, t in SOURCES["dispatch_is"].extract(parsed))
    pairs = parsed.table("DISPATCH", "INTERCONNECTION")
    if pairs is None:
        assert "dispatch_interconnection" not in extracted  # 2012: no such table yet
        return
    rows = extracted["dispatch_interconnection"].to_pylist()
    res = {
        r["interconnectorid"]: r["mwflow"] for r in parsed.table("DISPATCH", "INTERCONNECTORRES").to_pylist()
    }
    assert {r["interconnectorid"] for r in rows} == set(res)
    for p in pairs.to_pylist():
        members = [
            r
            for r in rows
            if (r["from_regionid"], r["to_regionid"]) == (p["from_regionid"], p["to_regionid"])
        ]
        assert members and all(r["region_source"] == "data" for r in members)
        assert sum(res[r["interconnectorid"]] for r in members) == pytest.approx(p["mwflow"], abs=0.01)
    basslink = next(r for r in rows if r["interconnectorid"] == "T-V-MNSP1")
    assert (basslink["from_regionid"], basslink["to_regionid"], basslink["region_source"]) == (
        "TAS1",
        "VIC1",
        "id",
    )


def test_malformed_timestamp_is_rejected() -> None:
    data = (CORE / "dispatch_scada" / "sample_dispatchscada.csv").read_bytes()
    bad = data.replace(b'"2025/12/27 00:05:00",BARCSF1', b'"2025-13-27 00:05",BARCSF1', 1)
    with pytest.raises(BadSourceFile, match="DISPATCH,UNIT_SCADA,1"):
        parse_csv(bad, "bad-ts")
