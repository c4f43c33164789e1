"""curtailment, battery_flows, battery_summary and region_storage (issue 15) on real AEMO files.

- 2025-12-27 00:05 (tests/sql/data): REGIONSUM v9 with AEMO's solar / wind split and the BDU
  columns; 493 DUIDs of SCADA incl. today's bidirectional batteries. VIC1 was curtailing at a
  negative price: wind UIGF 1870.64196 vs cleared 1742.00754, solar 30.11963 vs 0.
- 2019-05-16 00:00 (tests/data/core): REGIONSUM v4, unsplit UIGF only (SA1 734.544 vs 733.122).
- 2019-05-22 04:05 (tests/data/core): SCADA of the old two-DUID batteries (GANNBL1 charging 9.9 MW,
  HPRL1 0.1 MW, DALNTHL1 0.21515 MW; their G units at 0).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from aemo_wh import views
from aemo_wh.config import Settings
from aemo_wh.registry.build import load_duid_info

from .conftest import DISPATCHIS_ZIP, SCADA_ZIP, d_rows, ingest_into

CORE = Path(__file__).parents[1] / "data" / "core"
SCADA_2019 = CORE / "dispatch_scada" / "PUBLIC_DISPATCHSCADA_201905220405_0000000308171094.CSV"
DISPATCHIS_2019 = CORE / "dispatchis" / "PUBLIC_DISPATCHIS_201905220405_0000000308171089.CSV"
UNSPLIT_2019 = CORE / "dispatchis" / "PUBLIC_DISPATCHIS_201905160000_0000000307931755.CSV"
T2025 = dt.datetime(2025, 12, 27, 0, 5)
T2019 = dt.datetime(2019, 5, 22, 4, 5)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return ingest_into(tmp_path_factory.mktemp("curtail"),
                       [SCADA_ZIP, DISPATCHIS_ZIP, SCADA_2019, DISPATCHIS_2019, UNSPLIT_2019])  # fmt: skip


@pytest.fixture()
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    c = views.connect(settings)
    yield c
    c.close()


def test_curtailment_split_era_hand_computed(con: duckdb.DuckDBPyConnection) -> None:
    got = {(r, f): (a, c, cu, mwh, p) for r, f, a, c, cu, mwh, p in con.execute(
        "select region_id, fuel, available_mw, cleared_mw, curtailed_mw, curtailed_mwh, rrp from curtailment "
        "where settlementdate = ?", [T2025]).fetchall()}  # fmt: skip
    # five regions x (Solar, Wind); no unsplit row beside a split one
    assert sorted(got) == sorted((r, f) for r in ("NSW1", "QLD1", "SA1", "TAS1", "VIC1") for f in ("Solar", "Wind"))
    a, c, cu, mwh, p = got[("VIC1", "Wind")]
    assert (a, c) == (1870.64196, 1742.00754)
    assert cu == pytest.approx(128.63442, abs=1e-9) and mwh == pytest.approx(128.63442 * 5 / 60)
    assert p == -2.69976  # curtailed at a negative price, as most curtailment is
    assert got[("VIC1", "Solar")][2] == pytest.approx(30.11963)
    assert got[("QLD1", "Solar")][:3] == (1.12, 1.12, 0.0)
    # every other region-fuel dispatched all it could: curtailed exactly 0, never negative
    assert {k: v[2] for k, v in got.items() if k[0] != "VIC1"} == {k: 0.0 for k in got if k[0] != "VIC1"}
    # the split adds up to AEMO's unsplit UIGF in every region
    for r in d_rows(DISPATCHIS_ZIP, "DISPATCH", "REGIONSUM"):
        if r["intervention"] == "0":
            both = got[(r["regionid"], "Solar")][0] + got[(r["regionid"], "Wind")][0]
            assert both == pytest.approx(float(r["uigf"]), abs=1e-6)


def test_curtailment_unsplit_era_is_one_fuel(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select region_id, fuel, available_mw, cleared_mw, curtailed_mw from curtailment "
        "where settlementdate = ? order by region_id", [dt.datetime(2019, 5, 16)]).fetchall()  # fmt: skip
    expected = {r["regionid"]: (float(r["uigf"]), float(r["semischedule_clearedmw"]))
                for r in d_rows(UNSPLIT_2019, "DISPATCH", "REGIONSUM") if r["intervention"] == "0"}  # fmt: skip
    assert [(r[0], r[1]) for r in rows] == [(k, "Wind and solar") for k in sorted(expected)]
    sa = next(r for r in rows if r[0] == "SA1")
    assert sa[2:4] == (734.544, 733.122) and sa[4] == pytest.approx(1.422, abs=1e-9)
    assert sum(r[4] for r in rows) == pytest.approx(1.422, abs=1e-9)


def expected_batteries(scada_path: Path, dispatch_path: Path) -> dict[str, tuple[float, float, float, float]]:
    """Per battery station, from the raw files and the registry in Python: charge MWh, discharge MWh,
    charging cost $, discharge revenue $."""
    info = {r["duid"]: r for r in load_duid_info().to_dicts()}
    import polars as pl

    hist = pl.read_csv(Path(views.data_file("duid_history.csv")), comment_prefix="#", infer_schema=False)
    for r in hist.to_dicts():
        info.setdefault(r["duid"], r)
    price = {r["regionid"]: float(r["rrp"]) for r in d_rows(dispatch_path, "DISPATCH", "PRICE")
             if r["intervention"] == "0"}  # fmt: skip
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for r in d_rows(scada_path, "DISPATCH", "UNIT_SCADA"):
        u = info.get(r["duid"])
        if not u or not (u["dispatch_type"] == "bidirectional" or u["fuel_class"] in ("Battery", "Battery Charging")):
            continue
        mw = float(r["scadavalue"])
        if u["dispatch_type"] == "bidirectional":
            ch, dis = max(-mw, 0.0), max(mw, 0.0)
        elif u["dispatch_type"] == "load" or u["fuel_class"] == "Battery Charging":
            ch, dis = max(mw, 0.0), 0.0
        else:
            ch, dis = 0.0, max(mw, 0.0)
        acc = out[u["station_name"] or r["duid"]]
        p = price[u["region_id"]]
        acc[0] += ch * 5 / 60
        acc[1] += dis * 5 / 60
        acc[2] += ch * p * 5 / 60
        acc[3] += dis * p * 5 / 60
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


@pytest.mark.parametrize(("when", "scada", "dispatch"), [(T2025, SCADA_ZIP, DISPATCHIS_ZIP),
                                                         (T2019, SCADA_2019, DISPATCHIS_2019)])  # fmt: skip
def test_battery_summary_equals_python_from_the_raw_files(
    con: duckdb.DuckDBPyConnection, when: dt.datetime, scada: Path, dispatch: Path
) -> None:
    expected = expected_batteries(scada, dispatch)
    rows = con.execute(
        "select battery, charged_mwh, discharged_mwh, charge_cost_aud, discharge_revenue_aud, arbitrage_aud "
        "from battery_summary(?, ?) where level = 'battery'", [when - dt.timedelta(minutes=5), when]).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert set(got) == set(expected) and len(got) >= 4
    for name, (ch, dis, cost, rev) in expected.items():
        assert got[name][:4] == pytest.approx((ch, dis, cost, rev), abs=1e-6), name
        assert got[name][4] == pytest.approx(rev - cost, abs=1e-6)


def test_two_duid_battery_is_one_battery_hand_computed(con: duckdb.DuckDBPyConnection) -> None:
    """Gannawarra 2019: GANNBL1 charges 9.9 MW (its G unit at 0) at VIC1's 82.88415 $/MWh."""
    row = con.execute(
        "select duids, charged_mwh, discharged_mwh, charge_price, charge_cost_aud, round_trip, peak_charge_mw "
        "from battery_summary(?, ?) where battery = 'Gannawarra'", [T2019 - dt.timedelta(minutes=5), T2019]).fetchone()
    assert row is not None
    duids, ch, dis, price, cost, rt, peak = row
    assert set(duids.split()) >= {"GANNBG1", "GANNBL1"}
    assert ch == pytest.approx(9.9 * 5 / 60) and dis == 0.0 and peak == 9.9
    assert price == 82.88415 and cost == pytest.approx(9.9 * 82.88415 * 5 / 60)
    assert rt == 0.0


def test_fleet_rows_add_up_and_cycles_use_registered_storage(con: duckdb.DuckDBPyConnection) -> None:
    window = [T2025 - dt.timedelta(minutes=5), T2025]
    rows = con.execute("select level, region_id, battery, charged_mwh, discharged_mwh, arbitrage_aud, storage_mwh, "
                       "cycles, peak_discharge_mw from battery_summary(?, ?)", window).fetchall()  # fmt: skip
    batteries = [r for r in rows if r[0] == "battery"]
    regions = {r[1]: r for r in rows if r[0] == "region"}
    (nem,) = [r for r in rows if r[0] == "nem"]
    for reg, r in regions.items():
        mine = [b for b in batteries if b[1] == reg]
        assert r[3] == pytest.approx(sum(b[3] for b in mine)) and r[4] == pytest.approx(sum(b[4] for b in mine))
        assert r[5] == pytest.approx(sum(b[5] for b in mine))
    assert nem[4] == pytest.approx(sum(r[4] for r in regions.values()))
    assert nem[5] == pytest.approx(sum(r[5] for r in regions.values()))
    # a single interval: the fleet's peak is the fleet's output in it
    assert nem[8] == pytest.approx(nem[4] * 12)
    storage = {r["duid"]: r["storage_mwh"] for r in load_duid_info().to_dicts()}
    eraring = next(b for b in batteries if b[2].startswith("Eraring"))
    duids = con.execute("select duids from battery_summary(?, ?) where battery = ?", [*window, eraring[2]]).fetchone()
    expected_storage = sum(storage[d] for d in duids[0].split() if storage.get(d))
    assert eraring[6] == pytest.approx(expected_storage) and expected_storage > 0
    assert eraring[7] == pytest.approx(eraring[4] / expected_storage)


def test_region_storage_is_aemos_bdu_figures(con: duckdb.DuckDBPyConnection) -> None:
    got = {r[0]: r[1:] for r in con.execute(
        "select region_id, stored_mwh, initial_stored_mwh, cleared_gen_mw, cleared_load_mw from region_storage "
        "where settlementdate = ?", [T2025]).fetchall()}  # fmt: skip
    assert got["NSW1"] == (1697.97434, 1720.06188, 290.0, 0.0)
    assert "TAS1" not in got  # no bidirectional units: blank BDU fields, no row
    # the 2019 files predate the BDU columns: no rows at all
    assert con.execute("select count(*) from region_storage where settlementdate < '2020-01-01'").fetchone() == (0,)
