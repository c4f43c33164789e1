"""rooftop_5min: main regions only, best estimate type, AEMO's half-hourly means spread over their six
5-minute intervals with the energy of every half hour kept (issue 13)."""

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


def _half_hours(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(region, interval end T, AEMO's best MW, mean of the six 5-min values ending T-25 .. T, count)."""
    return con.execute(
        """with best as (
               select interval_datetime, regionid, power from rooftop_pv_actual
               where regionid in ('NSW1', 'QLD1', 'SA1', 'TAS1', 'VIC1') and power is not null
               qualify row_number() over (partition by interval_datetime, regionid order by
                   case upper(type) when 'DAILY' then 0 when 'MEASUREMENT' then 1 when 'SATELLITE' then 2 else 3 end,
                   lastchanged desc nulls last) = 1)
           select b.regionid, b.interval_datetime, b.power, avg(r.mw), count(r.mw)
           from best b join rooftop_5min r on r.region_id = b.regionid
               and r.settlementdate > b.interval_datetime - interval 30 minute
               and r.settlementdate <= b.interval_datetime
           group by all"""
    ).fetchall()


def test_every_half_hours_energy_is_aemos(con: duckdb.DuckDBPyConnection) -> None:
    """On every real sample: the six 5-minute intervals ending T-25 .. T hold AEMO's energy for the
    half hour ending T (POWER is the mean MW over it) within 0.01 MWh, and are never negative."""
    rows = _half_hours(con)
    assert len(rows) > 9_000  # the real files: the Dec-2019 month, 2024 days and a 2024 week
    worst = max(abs(mean - power) * 0.5 for _r, _t, power, mean, _n in rows)
    assert all(n == 6 for *_x, n in rows)
    assert worst < 0.01
    assert con.execute("select min(mw) from rooftop_5min").fetchall()[0][0] >= 0


def test_midday_peak_is_not_later_than_aemos(con: duckdb.DuckDBPyConnection) -> None:
    """The old rule ran ~15 minutes late (it read each half hour's mean as the MW at its end)."""
    days = con.execute(
        """with hh as (select regionid as region_id, interval_datetime as t, power from rooftop_pv_actual
                       where type = 'MEASUREMENT' and regionid in ('NSW1', 'QLD1', 'SA1', 'TAS1', 'VIC1')),
                peak30 as (select region_id, cast(t - interval 30 minute as date) as d, arg_max(t, power) as t30
                           from hh group by all having max(power) > 100),
                peak5 as (select region_id, cast(settlementdate - interval 5 minute as date) as d,
                                 arg_max(settlementdate, mw) as t5 from rooftop_5min group by all)
           select region_id, d, t30, t5 from peak30 join peak5 using (region_id, d)"""
    ).fetchall()
    assert len(days) >= 5 * 7
    late = [(r, d, t30, t5) for r, d, t30, t5 in days if t5 > t30]
    assert late == []


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
            "select avg(mw) from rooftop_5min where settlementdate > ? - interval 30 minute "
            "and settlementdate <= ? and region_id = ?", [t, t, region]
        ).fetchall()[0][0]
        assert got == pytest.approx(measurement, abs=1e-9)  # the half hour's mean is MEASUREMENT's


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


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), min_size=2, max_size=30))
def test_each_half_hour_keeps_its_mean_and_nothing_goes_negative(values: list[float]) -> None:
    con = _rooftop_con(values)
    t0 = dt.datetime(2024, 1, 1, 0, 30)  # the first half hour ENDS here
    mw = dict(con.execute("select settlementdate, mw from rooftop_5min").fetchall())
    assert len(mw) == 6 * len(values)
    for i, v in enumerate(values):
        end = t0 + dt.timedelta(minutes=30 * i)
        six = [mw[end - dt.timedelta(minutes=25 - 5 * j)] for j in range(6)]
        assert sum(six) / 6 == pytest.approx(v, rel=1e-9, abs=1e-9)
        assert min(six) >= 0
    last_end = t0 + dt.timedelta(minutes=30 * (len(values) - 1))
    assert {mw[last_end - dt.timedelta(minutes=5 * j)] for j in range(6)} == {values[-1]}  # live edge: flat
    con.close()


def test_a_steady_ramp_is_a_straight_line_not_a_staircase() -> None:
    """Half-hourly means on a line give 5-minute values on the same line (the quadratic's bump is 0)."""
    values = [0.0, 60.0, 120.0, 180.0, 240.0, 300.0]
    con = _rooftop_con(values)
    rows = con.execute("select settlementdate, mw from rooftop_5min order by 1").fetchall()
    con.close()
    inner = [mw for t, mw in rows if dt.datetime(2024, 1, 1, 0, 30) < t <= dt.datetime(2024, 1, 1, 2, 30)]
    steps = {round(b - a, 9) for a, b in zip(inner, inner[1:], strict=False)}
    assert steps == {10.0}  # 60 MW per half hour = 10 MW per 5 minutes, every step
