"""Weekly Archive bundles - TradingIS Sunday..Saturday, rooftop MEASUREMENT and SATELLITE Thursday..
Wednesday - are shaped like the real ones and named as the ingest sources expect, and `demo live`
only ever adds files: a Current file leaves only into a bundle, byte for byte; nothing is rewritten."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from aemo_wh.demo.mirror import append_intervals, build_mirror
from aemo_wh.ingest.sources.rooftop_pv import SOURCE as ROOFTOP_SOURCE
from aemo_wh.ingest.sources.trading_is import SOURCE as TRADING_SOURCE
from aemo_wh.nemweb.mms_csv import read_file

DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
END = dt.datetime(2026, 3, 6, 0, 10)  # a Friday; 13 days back the mirror starts on Saturday 02-21
ROOFTOP = "Reports/Archive/ROOFTOP_PV/ACTUAL"
TRADING = "Reports/Archive/TradingIS_Reports"


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weeks")
    build_mirror(root, days=13, seed=5, end=END)
    return root


def _members(bundle: Path) -> list[str]:
    with zipfile.ZipFile(bundle) as zf:
        return zf.namelist()


@pytest.mark.parametrize("kind", ["SATELLITE", "MEASUREMENT"])
def test_rooftop_week_bundles_are_shaped_like_the_real_one(weeks: Path, kind: str) -> None:
    real = DATA / "PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_20230223.zip"  # a real Reports/Archive bundle
    ours = weeks / ROOFTOP / f"PUBLIC_ROOFTOP_PV_ACTUAL_{kind}_20260226.zip"
    for bundle, first in ((real, dt.datetime(2023, 2, 23)), (ours, dt.datetime(2026, 2, 26))):
        names = _members(bundle)
        labels = [dt.datetime.strptime(n.split("_")[5], "%Y%m%d%H%M%S") for n in names]
        assert labels == [first + dt.timedelta(minutes=30 * i) for i in range(336)]  # Thu 00:00 .. Wed 23:30
        assert all(ROOFTOP_SOURCE.file_rx.fullmatch(n) for n in names)
        assert ROOFTOP_SOURCE.archive_span(bundle.name)[1:] == (first.date(), first.date() + dt.timedelta(days=7))
        with zipfile.ZipFile(bundle) as zf:
            inner = zipfile.ZipFile(io.BytesIO(zf.read(names[0])))
        assert inner.namelist() == [names[0].replace(".zip", ".csv")]
    table = read_file(ours).tables[("ROOFTOP", "ACTUAL", "2")]
    assert table.num_rows == 336 * 10 and set(table.column("type").to_pylist()) == {kind}
    assert sorted(p.name for p in (weeks / ROOFTOP).iterdir()) == [
        "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20260219.zip",  # the mirror's first (partial) week
        "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20260226.zip",
        "PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_20260219.zip",
        "PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_20260226.zip",
    ]


def test_tradingis_week_bundle_is_sunday_to_saturday_by_file_time(weeks: Path) -> None:
    assert sorted(p.name for p in (weeks / TRADING).iterdir()) == [
        "PUBLIC_TRADINGIS_20260215_20260221.zip",  # the mirror starts on Saturday 02-21: a partial week
        "PUBLIC_TRADINGIS_20260222_20260228.zip",
    ]
    bundle = weeks / TRADING / "PUBLIC_TRADINGIS_20260222_20260228.zip"
    assert TRADING_SOURCE.archive_span(bundle.name) == ("", dt.date(2026, 2, 22), dt.date(2026, 3, 1))
    names = _members(bundle)
    stamps = [TRADING_SOURCE.interval_of(n)[1] for n in names]
    first = dt.datetime(2026, 2, 22)  # Sunday 00:00 (Saturday's last interval) .. Saturday 23:55
    assert stamps == [first + dt.timedelta(minutes=5 * i) for i in range(7 * 288)]
    parsed = read_file(bundle)
    assert parsed.tables[("TRADING", "PRICE", "3")].num_rows == 7 * 288 * 5
    assert parsed.tables[("TRADING", "INTERCONNECTORRES", "2")].num_rows == 7 * 288 * 6
    # the open week (from Sunday 03-01) stays in Current, so every interval is in exactly one place
    current = sorted(TRADING_SOURCE.interval_of(p.name)[1] for p in (weeks / "Reports/Current/TradingIS_Reports").iterdir())
    missing = dt.datetime(2026, 3, 5, 14, 35)  # the mirror's deliberately missing interval
    expected = [dt.datetime(2026, 3, 1) + dt.timedelta(minutes=5 * i) for i in range(5 * 288 + 3)]
    assert current == [t for t in expected if t != missing]


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*.zip")}


def test_live_only_adds_files_and_rolls_closed_weeks(weeks: Path, tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    shutil.copytree(weeks, root)
    before = _snapshot(root)
    new = append_intervals(root, until=dt.datetime(2026, 3, 9, 0, 10))  # Monday: the week to 03-07 closes
    assert new[0] == END + dt.timedelta(minutes=5) and new[-1] == dt.datetime(2026, 3, 9, 0, 10)
    after = _snapshot(root)
    bundled: dict[str, bytes] = {}
    for rel in after:
        if rel.parts[1] == "Archive":
            with zipfile.ZipFile(root / rel) as zf:
                bundled.update((n, zf.read(n)) for n in zf.namelist())
    for rel, data in before.items():
        if rel in after:
            assert after[rel] == data, rel  # nothing published is ever rewritten
        else:
            assert rel.parts[1] == "Current" and bundled[rel.name] == data, rel  # moved into a bundle intact
    added = {rel.name for rel in after.keys() - before.keys()}
    assert "PUBLIC_TRADINGIS_20260301_20260307.zip" in added
    assert "PUBLIC_DISPATCHIS_20260307.zip" in added
    for prefix in ("PUBLIC_TRADINGIS_20260309", "PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_20260309",
                   "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20260309", "PUBLIC_DISPATCHIS_20260309"):  # fmt: skip
        assert any(n.startswith(prefix) for n in added), prefix
    assert not any(re.match(r"PUBLIC_TRADINGIS_2026030[1-7]", p.name) for p in (root / "Reports/Current/TradingIS_Reports").iterdir())


@pytest.mark.parametrize(("folder", "prefix"), [("Dispatch_SCADA", "PUBLIC_DISPATCHSCADA"),
                                                ("DispatchIS_Reports", "PUBLIC_DISPATCHIS")])  # fmt: skip
def test_daily_dispatch_bundles_are_cut_by_the_time_in_the_file_name(weeks: Path, folder: str, prefix: str) -> None:
    """AEMO cuts daily bundles by the file-name time (the interval end): the file named D 00:00 -
    the last interval of D-1 - opens bundle D (nem_domain.md §6). Every interval of the mirror is in
    exactly one place: one bundle or Current."""
    seen: list[str] = []
    bundles = sorted((weeks / "Reports/Archive" / folder).iterdir())
    assert len(bundles) == 12  # 02-21 .. 03-04; Current keeps 03-05 (yesterday) and today
    for i, bundle in enumerate(bundles):
        day = re.fullmatch(prefix + r"_(\d{8})\.zip", bundle.name).group(1)
        stamps = [n.split("_")[2] for n in _members(bundle)]
        assert {s[:8] for s in stamps} == {day}, bundle.name
        assert stamps[0] == day + ("0005" if i == 0 else "0000") and stamps[-1] == day + "2355", bundle.name
        seen += stamps
    current = sorted(p.name.split("_")[2] for p in (weeks / "Reports/Current" / folder).iterdir())
    assert current[0] == "202603050000"
    seen += current
    expected = [dt.datetime(2026, 2, 21, 0, 5) + dt.timedelta(minutes=5 * i) for i in range(13 * 288 + 2)]
    expected = [t.strftime("%Y%m%d%H%M") for t in expected if t != dt.datetime(2026, 3, 5, 14, 35)]  # the missing one
    if prefix == "PUBLIC_DISPATCHSCADA":
        expected.append("202603051100")  # the re-published one
    assert sorted(seen) == sorted(expected)
