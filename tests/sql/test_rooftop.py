"""rooftop_5min: main regions only, best estimate type, the seed's interpolation, energy kept."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aemo_wh.views import SQL_DIR

REGIONS = ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"]


def test_only_the_five_main_regions(con: duckdb.DuckDBPyConnection) -> None:
    raw = {r[0] for r in con.execute("select distinct regionid from rooftop_pv_actual").fetchall()}
    assert {"QLDC", "QLDN", "QLDS", "TASN", "TASS"} <= raw  # the samples do carry sub-regions
    got = [r[0] for r in con.execute("select distinct region_id from rooftop_5min order by 1").fetchall()]
    assert got == REGIONS


def test_energy_is_preserved_over_whole_days(con: duckdb.DuckDBPyConnection) -> None:
    """Six whole days of the real March-2024 MEASUREMENT week; midnight rooftop output is 0 at both ends,
    so sum(5-min MW x 5/60) equals sum(30-min MW x 0.5) exactly (see the view header)."""
    start, end = dt.datetime(2024, 3, 14), dt.datetime(2024, 3, 20)
    for region in REGIONS:
        boundary = con.execute(
            "select power from rooftop_pv_actual where regionid = ? and interval_datetime in (?, ?)",
            [region, start, end],
        ).fetchall()
        assert boundary == [(0.0,), (0.0,)]
        five = con.execute(
            "select sum(mw) * 5 / 60, count(*) from rooftop_5min where region_id = ? "
            "and settlementdate > ? and settlementdate <= ?", [region, start, end]
        ).fetchall()[0]
        thirty = con.execute(
            "select sum(power) * 0.5, count(*) from rooftop_pv_actual where regionid = ? "
            "and interval_datetime > ? and interval_datetime <= ?", [region, start, end]
        ).fetchall()[0]
        assert five[1] == 6 * 288 and thirty[1] == 6 * 48
        assert thirty[0] > 1000  # real sunshine, not an empty comparison
        assert five[0] == pytest.approx(thirty[0], rel=1e-12)


def test_measurement_wins_over_satellite(con: duckdb.DuckDBPyConnection) -> None:
    both = con.execute(
        "select m.interval_datetime, m.regionid, m.power, s.power from rooftop_pv_actual m "
        "join rooftop_pv_actual s using (interval_datetime, regionid) "
        "where m.type = 'MEASUREMENT' and s.type = 'SATELLITE' and m.power <> s.power "
        "and m.regionid in ('NSW1', 'QLD1', 'SA1', 'TAS1', 'VIC1') order by 1, 2 limit 20"
    ).fetchall()
    assert len(both) == 20  # the Dec-2019 monthly file has both types for the same half hours
    for t, region, measurement, _satellite in both:
        got = con.execute(
            "select mw from rooftop_5min where settlementdate = ? and region_id = ?", [t, region]
        ).fetchall()
        assert got == [(measurement,)]


def _rooftop_con(values: list[float]) -> duckdb.DuckDBPyConnection:
    """A connection with a synthetic rooftop_pv_actual (one region) and only the rooftop view file."""
    con = duckdb.connect()
    con.execute(
        "create table rooftop_pv_actual (interval_datetime timestamp, regionid varchar, power double, "
        "qi double, type varchar, lastchanged timestamp)"
    )
    t0 = dt.datetime(2024, 1, 1, 0, 30)
    rows = [(t0 + dt.timedelta(minutes=30 * i), "SA1", v, 1.0, "MEASUREMENT", None) for i, v in enumerate(values)]
    rows += [(t0, "QLDN", 999.0, 1.0, "MEASUREMENT", None)]  # a sub-region never leaks in
    con.executemany("insert into rooftop_pv_actual values (?, ?, ?, ?, ?, ?)", rows)
    con.execute((SQL_DIR / "04_rooftop_5min.sql").read_text())
    return con


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), min_size=2, max_size=30))
def test_interpolation_rule_and_energy_identity(values: list[float]) -> None:
    con = _rooftop_con(values)
    t0 = dt.datetime(2024, 1, 1, 0, 30)
    mw = dict(con.execute("select settlementdate, mw from rooftop_5min").fetchall())
    assert len(mw) == 6 * len(values)
    for i, v in enumerate(values):
        nxt = values[i + 1] if i + 1 < len(values) else v  # the last half hour is carried forward
        for j in range(6):
            assert mw[t0 + dt.timedelta(minutes=30 * i + 5 * j)] == pytest.approx(((6 - j) * v + j * nxt) / 6)
    # energy over (first, last]: differs from the half-hourly energy only by the boundary term
    end = t0 + dt.timedelta(minutes=30 * (len(values) - 1))
    five = sum(m for t, m in mw.items() if t0 < t <= end) * 5 / 60
    thirty = sum(values[1:]) * 0.5
    assert five == pytest.approx(thirty + 2.5 * (values[0] - values[-1]) / 12, abs=1e-6)
    con.close()
