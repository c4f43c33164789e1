"""fuel_stack_range(region, start, end, bucket) gives exactly the bucketed fuel_stack.

On the real 2025-12-27 00:05 SCADA file re-stamped for 00:05 .. 01:05 (00:35 missing; SA1's
batteries left out of three intervals, so one fuel has fewer intervals than the others) with the
real DispatchIS of 00:05, and on the real rooftop samples (half-hourly 2019-12 and 2024-03).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from aemo_wh import views
from aemo_wh.registry import load_duid_info

from .conftest import DISPATCHIS_ZIP, SCADA_ZIP, ingest_into, zip_text

START = dt.datetime(2025, 12, 27, 0, 5)
STAMPS = [START + dt.timedelta(minutes=5 * k) for k in range(13) if k != 6]  # 00:35 missing
NO_SA_BATTERY = set(STAMPS[2:5])

REFERENCE = """
select time_bucket(to_minutes($bucket), settlementdate - interval 5 minute) + to_minutes($bucket) as settlementdate,
       fuel_class, avg(mw) as mw, count(*) as intervals, sum(mw) * 5 / 60 as energy_mwh
from fuel_stack
where region_id = $region and settlementdate > $start and settlementdate <= $end
group by all
"""
RANGE = """
select settlementdate, fuel_class, mw, intervals, energy_mwh, region_id
from fuel_stack_range($region, $start, $end, $bucket)
"""


def _restamped_scada(tmp_path: Path) -> list[Path]:
    text = zip_text(SCADA_ZIP)
    info = load_duid_info()
    sa_batteries = set(info.filter((info["region_id"] == "SA1") & (info["fuel_class"] == "Battery"))["duid"])
    files = []
    for t in STAMPS:
        body = text.replace('"2025/12/27 00:05:00"', t.strftime('"%Y/%m/%d %H:%M:%S"'))
        if t in NO_SA_BATTERY:
            lines = body.split("\r\n")
            kept = [ln for ln in lines if not (ln.startswith("D,DISPATCH,UNIT_SCADA,")
                                               and ln.split(",")[5].strip('"') in sa_batteries)]
            dropped = len(lines) - len(kept)
            assert dropped > 0
            body = "\r\n".join(kept)
            footer = re.search(r'C,"END OF REPORT",(\d+)', body)
            assert footer is not None
            body = body.replace(footer.group(0), f'C,"END OF REPORT",{int(footer.group(1)) - dropped}')
        name = SCADA_ZIP.name.replace("202512270005", t.strftime("%Y%m%d%H%M"))
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr(name.replace(".zip", ".CSV"), body)
        files.append(tmp_path / name)
    return files


@pytest.fixture(scope="module")
def hour_con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("fsr")
    c = views.connect(ingest_into(tmp / "wh", [*_restamped_scada(tmp), DISPATCHIS_ZIP]))
    yield c
    c.close()


def _assert_same(con: duckdb.DuckDBPyConnection, params: dict) -> dict:
    want = {(r[0], r[1]): r[2:] for r in con.execute(REFERENCE, params).fetchall()}
    got = {(r[0], r[1]): r[2:] for r in con.execute(RANGE, params).fetchall()}
    assert got.keys() == want.keys()
    for key, (mw, n, energy) in want.items():
        g_mw, g_n, g_energy, g_region = got[key]
        assert (g_n, g_region) == (n, params["region"]), key
        assert g_mw == pytest.approx(mw, rel=1e-12, abs=1e-9), key
        assert g_energy == pytest.approx(energy, rel=1e-12, abs=1e-9), key
    return got


@pytest.mark.parametrize("bucket", [5, 15, 30, 60, 90, 1440])
@pytest.mark.parametrize("region", ["SA1", "NSW1", "NEM"])
def test_equals_bucketed_fuel_stack(hour_con: duckdb.DuckDBPyConnection, region: str, bucket: int) -> None:
    params = {"region": region, "start": START - dt.timedelta(minutes=5), "end": STAMPS[-1], "bucket": bucket}
    got = _assert_same(hour_con, params)
    assert got and (("Transmission" in {f for _, f in got}) == (region != "NEM"))


def test_missing_rows_shrink_only_their_fuels_denominator(hour_con: duckdb.DuckDBPyConnection) -> None:
    params = {"region": "SA1", "start": START - dt.timedelta(minutes=5), "end": STAMPS[-1], "bucket": 60}
    got = _assert_same(hour_con, params)
    first_hour = dt.datetime(2025, 12, 27, 1)  # the bucket 00:05 .. 01:00, labelled by its end
    n = {fuel: v[1] for (t, fuel), v in got.items() if t == first_hour}
    assert n["Wind"] == len([t for t in STAMPS if t <= first_hour]) == 11  # 00:35 is missing
    assert n["Battery Charging"] == n["Wind"] - len(NO_SA_BATTERY)


def test_window_is_open_at_start_and_closed_at_end(hour_con: duckdb.DuckDBPyConnection) -> None:
    params = {"region": "NSW1", "start": STAMPS[3], "end": STAMPS[7], "bucket": 5}
    got = _assert_same(hour_con, params)
    assert {t for t, _ in got} == set(STAMPS[4:8])


@pytest.mark.parametrize(("region", "start", "end"), [
    ("NSW1", dt.datetime(2024, 3, 7, 11, 40), dt.datetime(2024, 3, 14, 3, 5)),
    ("NEM", dt.datetime(2024, 3, 7, 11, 40), dt.datetime(2024, 3, 14, 3, 5)),
    ("TAS1", dt.datetime(2019, 12, 1), dt.datetime(2020, 1, 1)),
])
@pytest.mark.parametrize("bucket", [30, 60, 1440])
def test_rooftop_buckets(con: duckdb.DuckDBPyConnection, region: str, start: dt.datetime, end: dt.datetime,
                         bucket: int) -> None:
    got = _assert_same(con, {"region": region, "start": start, "end": end, "bucket": bucket})
    assert {f for _, f in got} == {"Rooftop Solar"}


def test_unknown_region_is_empty_and_region_is_bound(hour_con: duckdb.DuckDBPyConnection) -> None:
    params = {"region": "NSW1'; drop view fuel_stack; --", "start": START, "end": STAMPS[-1], "bucket": 60}
    assert hour_con.execute(RANGE, params).fetchall() == []
    assert hour_con.execute("select count(*) from fuel_stack").fetchall()[0][0] > 0


def test_binds_on_an_empty_warehouse(tmp_path: Path) -> None:
    con = views.connect(tmp_path / "warehouse")
    for region in ("NSW1", "NEM"):
        assert con.execute(RANGE, {"region": region, "start": START, "end": STAMPS[-1], "bucket": 60}).fetchall() == []
    con.close()
