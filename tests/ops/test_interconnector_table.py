"""MMSDM INTERCONNECTOR table: landed as `market_config_interconnector`, planned by backfill for MMSDM
months, and the from/to regions `interconnector_flow` uses when a month has no DispatchIS files.

Data (tests/data/ops, see README.md): the real `PUBLIC_DVD_INTERCONNECTOR_202006010000.CSV`; an edited
copy with V-SA and Basslink reversed (newer LASTCHANGED), so a view that followed the shipped reference
CSV or the ids would show the wrong direction; three real DispatchIS files of 2018-03-05, whose
INTERCONNECTORRES rows are re-serialised here as an MMSDM monthly DISPATCHINTERCONNECTORRES file.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest

from aemo_wh import views
from aemo_wh.ingest.backfill import build_plan, mmsdm_dir, run_backfill
from aemo_wh.ingest.sources import SOURCES
from aemo_wh.nemweb.mms_csv import parse_csv
from aemo_wh.nemweb.server import NemwebServer
from aemo_wh.warehouse import Warehouse, manifest_version
from aemo_wh.warehouse.reader import connect_raw
from aemo_wh.warehouse.tables import MARKET_CONFIG_INTERCONNECTOR

from .conftest import OPS_DATA

D = dt.date
REAL = OPS_DATA / "PUBLIC_DVD_INTERCONNECTOR_202006010000.CSV"
EDITED = OPS_DATA / "INTERCONNECTOR_edited.CSV"
DISPATCHIS = sorted(OPS_DATA.glob("PUBLIC_DISPATCHIS_20180305*.zip"))
MARCH = D(2018, 3, 1)


def _names(naming: str, ym: str) -> tuple[str, str]:
    """(INTERCONNECTOR file, DISPATCHINTERCONNECTORRES file) of month `ym` in one MMSDM naming."""
    if naming == "PUBLIC_DVD":
        return (
            f"PUBLIC_DVD_INTERCONNECTOR_{ym}010000.zip",
            f"PUBLIC_DVD_DISPATCHINTERCONNECTORRES_{ym}010000.zip",
        )
    return (
        f"PUBLIC_ARCHIVE#INTERCONNECTOR#FILE01#{ym}010000.zip",
        f"PUBLIC_ARCHIVE#DISPATCHINTERCONNECTORRES#FILE01#{ym}010000.zip",
    )


def _zip(dest: Path, member: str, data: bytes) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)
    return dest


def _csv_of(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(zf.namelist()[0]).decode()


def monthly_interconnectorres(files: list[Path]) -> bytes:
    """The INTERCONNECTORRES rows of real DispatchIS files as one MMSDM monthly file (C, I, D..., footer)."""
    header = i_row = None
    d_rows: list[str] = []
    for path in files:
        for line in _csv_of(path).splitlines():
            row = next(csv.reader([line]))
            if row[0] == "C" and header is None:
                header = ",".join(row[:2] + ["DVD_DISPATCHINTERCONNECTORRES"] + row[3:])
            elif row[:3] == ["I", "DISPATCH", "INTERCONNECTORRES"]:
                i_row = line
            elif row[:3] == ["D", "DISPATCH", "INTERCONNECTORRES"]:
                d_rows.append(line)
    assert header and i_row and d_rows
    lines = [header, i_row, *d_rows]
    lines.append(f'C,"END OF REPORT",{len(lines) + 1}')
    return ("\r\n".join(lines) + "\r\n").encode()


def build_month(root: Path, naming: str, interconnector_csv: Path = EDITED) -> tuple[Path, list[str]]:
    """A NEMWeb tree whose only dispatch data for March 2018 is the month's MMSDM files (no DispatchIS)."""
    ic_name, res_name = _names(naming, "201803")
    month = root / mmsdm_dir(MARCH)
    _zip(month / ic_name, "PUBLIC_DVD_INTERCONNECTOR_201803010000.CSV", interconnector_csv.read_bytes())
    _zip(
        month / res_name,
        "PUBLIC_DVD_DISPATCHINTERCONNECTORRES_201803010000.CSV",
        monthly_interconnectorres(DISPATCHIS),
    )
    return root, [ic_name, res_name]


def _on(settings, srv: NemwebServer):
    return settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01})


def _publish(wh: Warehouse, path: Path) -> dict[str, int]:
    """Parse and publish one file as ingest does, without the ledger (so a file can be landed twice)."""
    from aemo_wh.ingest.run import with_source_file

    parsed = parse_csv(path.read_bytes(), path.name)
    items = [(spec, with_source_file(t, path.name)) for spec, t in SOURCES["dispatch_is"].extract(parsed)]
    with wh.writer() as w:
        return w.publish_batch(items, source_file=path.name)


def _ic_rows(root: Path) -> list[tuple]:
    con = connect_raw(root)
    try:
        return con.execute(
            "select interconnectorid, regionfrom, regionto, description, lastchanged, _source_file "
            "from market_config_interconnector order by interconnectorid"
        ).fetchall()
    finally:
        con.close()


def test_real_interconnector_file_lands_one_row_per_id(settings) -> None:
    from aemo_wh.ingest.run import ingest_files

    report = ingest_files([REAL], settings)  # the file is recognised by its MARKET_CONFIG,INTERCONNECTOR rows
    assert report.loaded == [REAL.name] and report.rows == {"market_config_interconnector": 8}
    wh = Warehouse(settings.warehouse_dir)
    ts = dt.datetime
    assert _ic_rows(wh.root) == [
        ("N-Q-MNSP1", "NSW1", "QLD1", "Directlink DC Interconnection", ts(2006, 3, 21, 9, 57, 54), REAL.name),
        (
            "NSW1-QLD1",
            "NSW1",
            "QLD1",
            "NSW to QLD AC Interconnection - QNI",
            ts(2004, 6, 11, 10, 43, 5),
            REAL.name,
        ),
        ("SNOWY1", "SNOWY1", "NSW1", "SNOWY1 TO NSW1", ts(2004, 6, 11, 10, 43, 5), REAL.name),
        (
            "T-V-MNSP1",
            "TAS1",
            "VIC1",
            "Basslink DC Interconnector (MNSP)",
            ts(2008, 9, 30, 14, 50, 56),
            REAL.name,
        ),
        (
            "V-S-MNSP1",
            "VIC1",
            "SA1",
            "MurrayLink DC Interconnector (MNSP)",
            ts(2004, 6, 11, 10, 43, 6),
            REAL.name,
        ),
        ("V-SA", "VIC1", "SA1", "VICTORIA TO SA", ts(2004, 6, 11, 10, 43, 6), REAL.name),
        ("V-SN", "VIC1", "SNOWY1", "VICTORIA TO SNOWY", ts(2004, 6, 11, 10, 43, 5), REAL.name),
        ("VIC1-NSW1", "VIC1", "NSW1", "VIC1-NSW1 Interconnection", ts(2008, 6, 18, 15, 53, 23), REAL.name),
    ]
    [entry] = wh.manifest(MARKET_CONFIG_INTERCONNECTOR.name).files
    assert (entry.level, entry.date, entry.min_ts, entry.rows) == ("ref", "", None, 8)


def test_newest_lastchanged_wins_per_interconnector_and_an_older_snapshot_changes_nothing(
    tmp_path: Path,
) -> None:
    wh = Warehouse(tmp_path / "wh")
    _publish(wh, REAL)
    _publish(wh, EDITED)  # V-SA and Basslink reversed, LASTCHANGED 2020-06-30
    after_edit = _ic_rows(wh.root)
    token = manifest_version(wh.root)
    _publish(wh, REAL)  # the older rows lose; every other row is unchanged: nothing is written
    assert manifest_version(wh.root) == token
    assert _ic_rows(wh.root) == after_edit
    by_id = {r[0]: r for r in after_edit}
    assert len(by_id) == 8
    assert by_id["V-SA"][1:3] == ("SA1", "VIC1") and by_id["V-SA"][5] == EDITED.name
    assert by_id["T-V-MNSP1"][1:3] == ("VIC1", "TAS1")
    assert by_id["V-S-MNSP1"][1:3] == ("VIC1", "SA1")
    assert len(wh.manifest(MARKET_CONFIG_INTERCONNECTOR.name).files) == 1


@pytest.mark.parametrize("naming", ["PUBLIC_DVD", "PUBLIC_ARCHIVE#"])
def test_backfill_plans_the_interconnector_file_of_each_mmsdm_month_in_both_namings(tmp_path, naming) -> None:
    from aemo_wh.nemweb.client import NemwebClient

    tree, names = build_month(tmp_path / "nemweb", naming)
    other = _names(naming, "201804")[0]  # the next month's file is outside the range
    _zip(tree / mmsdm_dir(D(2018, 4, 1)) / other, "x.CSV", REAL.read_bytes())
    with NemwebServer(tree) as srv, NemwebClient(_on_url(srv)) as client:
        plan = build_plan(client, [SOURCES["dispatch_is"]], D(2018, 3, 5), D(2018, 3, 5))
    assert sorted(f.name for f in plan.files) == sorted(names)
    assert {(f.kind, f.first_day, f.end_day) for f in plan.files} == {("mmsdm", MARCH, D(2018, 4, 1))}


def test_a_month_with_only_the_interconnector_file_is_still_reported_missing(tmp_path) -> None:
    """The snapshot brings no intervals, so it must not make a month look covered."""
    from aemo_wh.nemweb.client import NemwebClient

    name = _names("PUBLIC_DVD", "201803")[0]
    tree = tmp_path / "nemweb"
    _zip(tree / mmsdm_dir(MARCH) / name, "PUBLIC_DVD_INTERCONNECTOR_201803010000.CSV", REAL.read_bytes())
    with NemwebServer(tree) as srv, NemwebClient(_on_url(srv)) as client:
        plan = build_plan(client, [SOURCES["dispatch_is"]], D(2018, 3, 5), D(2018, 3, 5))
    assert [f.name for f in plan.files] == [name]
    assert plan.missing_months == [("dispatch_is", "2018-03")]


def _on_url(srv: NemwebServer):
    from aemo_wh.config import Settings

    return Settings().with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01}).nemweb


@pytest.mark.parametrize("naming", ["PUBLIC_DVD", "PUBLIC_ARCHIVE#"])
def test_mmsdm_month_without_dispatchis_takes_regions_from_the_landed_interconnector_table(
    settings, tmp_path, naming
) -> None:
    tree, names = build_month(tmp_path / "nemweb", naming)
    with NemwebServer(tree) as srv:
        s = _on(settings, srv)
        result = run_backfill(s, D(2018, 3, 5), D(2018, 3, 5), ["dispatch_is"])
        assert sorted(result.landed) == sorted(names) and result.failed == []
        assert result.rows == {"market_config_interconnector": 8, "dispatch_interconnectorres": 18}

        con = views.connect(s)
        try:
            assert con.execute("select count(*) from dispatch_interconnection").fetchall() == [(0,)]
            flow = con.execute(
                "select settlementdate, interconnector_id, from_region, to_region, metered_mw "
                "from interconnector_flow order by all"
            ).fetchall()
            ref = dict(
                (r[0], (r[1], r[2]))
                for r in con.execute(
                    "select interconnector_id, region_from, region_to from interconnectors"
                ).fetchall()
            )
        finally:
            con.close()
        assert len(flow) == 18  # 6 interconnectors x 3 intervals
        assert {r[0] for r in flow} == {dt.datetime(2018, 3, 5, 10, m) for m in (0, 5, 10)}
        regions = {r[1]: (r[2], r[3]) for r in flow}
        # every link follows the landed INTERCONNECTOR rows, including the two the edited copy reverses
        assert regions == {
            "N-Q-MNSP1": ("NSW1", "QLD1"), "NSW1-QLD1": ("NSW1", "QLD1"), "T-V-MNSP1": ("VIC1", "TAS1"),
            "V-S-MNSP1": ("VIC1", "SA1"), "V-SA": ("SA1", "VIC1"), "VIC1-NSW1": ("VIC1", "NSW1"),
        }  # fmt: skip
        assert ref["V-SA"] == ("VIC1", "SA1") and ref["T-V-MNSP1"] == ("TAS1", "VIC1")
        assert (dt.datetime(2018, 3, 5, 10, 0), "V-SA", "SA1", "VIC1", -276.61945) in flow

        token = manifest_version(s.warehouse_dir)
        again = run_backfill(s, D(2018, 3, 5), D(2018, 3, 5), ["dispatch_is"])
    assert again.plan.files == [] and sorted(f.name for f in again.plan.skipped_loaded) == sorted(names)
    assert again.landed == [] and again.rows_total == 0
    assert manifest_version(s.warehouse_dir) == token


def test_same_interval_dispatch_interconnection_beats_the_interconnector_table(settings, tmp_path) -> None:
    """10:00 also arrives as a real DispatchIS file: its region-pair rows decide that interval; its
    Basslink regions (read from the id, no pair row) do not outrank the INTERCONNECTOR table."""
    from aemo_wh.ingest.run import ingest_files

    tree, _names_ = build_month(tmp_path / "nemweb", "PUBLIC_DVD")
    with NemwebServer(tree) as srv:
        s = _on(settings, srv)
        run_backfill(s, D(2018, 3, 5), D(2018, 3, 5), ["dispatch_is"])
    report = ingest_files([DISPATCHIS[0]], s)
    assert report.rows["dispatch_interconnection"] == 6
    con = views.connect(s)
    try:
        got = con.execute(
            "select settlementdate, interconnector_id, from_region, to_region from interconnector_flow "
            "where interconnector_id in ('V-SA', 'T-V-MNSP1') order by all"
        ).fetchall()
        dupes = con.execute(
            "select count(*) - count(distinct (settlementdate, interconnector_id)) from interconnector_flow"
        ).fetchall()[0][0]
    finally:
        con.close()
    t = dt.datetime
    assert dupes == 0
    assert got == [
        (t(2018, 3, 5, 10, 0), "T-V-MNSP1", "VIC1", "TAS1"),  # MMSDM table over the id's order
        (t(2018, 3, 5, 10, 0), "V-SA", "VIC1", "SA1"),  # the file's VIC1->SA1 pair row
        (t(2018, 3, 5, 10, 5), "T-V-MNSP1", "VIC1", "TAS1"),
        (t(2018, 3, 5, 10, 5), "V-SA", "SA1", "VIC1"),  # no DispatchIS file: the MMSDM table
        (t(2018, 3, 5, 10, 10), "T-V-MNSP1", "VIC1", "TAS1"),
        (t(2018, 3, 5, 10, 10), "V-SA", "SA1", "VIC1"),
    ]
