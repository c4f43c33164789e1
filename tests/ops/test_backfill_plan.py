"""Backfill planning: Archive bundles for covered days, MMSDM monthly files (both namings) otherwise."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from aemo_wh.ingest.backfill import build_plan, parse_mmsdm_name, print_plan
from aemo_wh.ingest.sources import SOURCES
from aemo_wh.nemweb.client import NemwebClient

from .conftest import ARCHIVE_BUNDLE, MONTHLY_OLD

D = dt.date


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PUBLIC_DVD_DISPATCH_UNIT_SCADA_201706010000.zip", ("DISPATCH_UNIT_SCADA", 1, "201706")),
        ("PUBLIC_DVD_DISPATCHPRICE_202407010000.zip", ("DISPATCHPRICE", 1, "202407")),
        ("PUBLIC_ARCHIVE#DISPATCHPRICE#FILE01#202605010000.zip", ("DISPATCHPRICE", 1, "202605")),
        ("PUBLIC_ARCHIVE#DISPATCH_UNIT_SCADA#FILE02#202409010000.zip", ("DISPATCH_UNIT_SCADA", 2, "202409")),
        ("PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip", ("ROOFTOP_PV_ACTUAL", 1, "201912")),
        ("PUBLIC_DISPATCHSCADA_202109021255_0000000348376188.zip", None),
        ("PUBLIC_ARCHIVE%23DISPATCHPRICE%23FILE01%23202605010000.zip", None),
    ],
)
def test_parse_mmsdm_name_both_namings(name, expected):
    assert parse_mmsdm_name(name) == expected


def _client(settings, srv):
    return NemwebClient(settings.with_overrides(nemweb={"base_url": srv.url}).nemweb)


def test_days_covered_by_an_archive_bundle_need_no_mmsdm_listing(settings, nemweb):
    with _client(settings, nemweb) as client:
        plan = build_plan(client, [SOURCES["rooftop_pv"]], D(2024, 3, 14), D(2024, 3, 20))
    assert [(f.kind, f.name) for f in plan.files] == [("archive", ARCHIVE_BUNDLE)]
    assert plan.files[0].size == 206100 and plan.files[0].end_day == D(2024, 3, 21)
    assert plan.missing_months == []
    assert nemweb.count("/Data_Archive/") == 0  # one Archive listing, nothing else


def test_older_months_come_from_mmsdm_and_unknown_tables_are_ignored(settings, nemweb):
    with _client(settings, nemweb) as client:
        plan = build_plan(client, [SOURCES["rooftop_pv"]], D(2019, 12, 1), D(2020, 1, 31))
    assert [(f.kind, f.name, f.first_day) for f in plan.files] == [("mmsdm", MONTHLY_OLD, D(2019, 12, 1))]
    assert plan.missing_months == [("rooftop_pv", "2020-01")]
    out = io.StringIO()
    print_plan(plan, out)
    text = out.getvalue()
    assert MONTHLY_OLD in text and "1 files to download, 0.2 MB" in text and "2020-01" in text


def test_done_files_are_reported_not_planned(settings, nemweb):
    with _client(settings, nemweb) as client:
        plan = build_plan(
            client,
            [SOURCES["rooftop_pv"]],
            D(2024, 3, 14),
            D(2024, 3, 20),
            is_done=lambda n: n == ARCHIVE_BUNDLE,
        )
    assert plan.files == [] and [f.name for f in plan.skipped_loaded] == [ARCHIVE_BUNDLE]


def test_daytrack_in_both_namings_is_not_a_warehouse_table(settings, nemweb):
    with _client(settings, nemweb) as client:
        plan = build_plan(client, list(SOURCES.values()), D(2024, 7, 1), D(2024, 7, 31))
    assert plan.files == []
    assert {s for s, _m in plan.missing_months} == set(SOURCES)


def test_mmsdm_tables_of_a_source_both_namings_and_transform_tables_skipped(settings, tmp_path):
    """DispatchIS: PRICE/REGIONSUM/INTERCONNECTORRES from MMSDM; DISPATCH_INTERCONNECTION (built by a
    whole-file transform) is not planned. Listing entries only; no data is read."""
    from aemo_wh.ingest.backfill import _mmsdm_files
    from aemo_wh.nemweb.listing import ListingEntry

    names = [
        "PUBLIC_ARCHIVE#DISPATCHPRICE#FILE01#202409010000.zip",
        "PUBLIC_ARCHIVE#DISPATCHREGIONSUM#FILE01#202409010000.zip",
        "PUBLIC_ARCHIVE#DISPATCHINTERCONNECTORRES#FILE01#202409010000.zip",
        "PUBLIC_ARCHIVE#DISPATCH_INTERCONNECTION#FILE01#202409010000.zip",
        "PUBLIC_ARCHIVE#DISPATCHPRICE#FILE01#202408010000.zip",  # other month
        "PUBLIC_ARCHIVE#DISPATCHLOAD#FILE01#202409010000.zip",  # not a warehouse table
    ]
    entries = [ListingEntry(n, n, "http://x/" + n, 10, dt.datetime(2024, 10, 8), False) for n in names]
    got = {f.name for f in _mmsdm_files(SOURCES["dispatch_is"], D(2024, 9, 1), entries)}
    assert got == set(names[:3])
