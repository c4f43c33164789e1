"""A simulated warehouse landed through the real HTTP path (NemwebServer + run_ingest) holds
consistent data: regions balance, metered flows net to zero, limits hold, irregularities arrive."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from aemo_wh.demo.fixture import mirror_meta
from aemo_wh.demo.model import UNKNOWN_DUID
from aemo_wh.registry import load_duid_info

BALANCE_SQL = """
with gen as (
    select s.settlementdate, r.region_id,
           sum(case when r.dispatch_type = 'load' then -s.scadavalue else s.scadavalue end) as gen_mw
    from unit_scada s join registry r on r.duid = s.duid
    group by all
), flows as (
    select f.settlementdate, c.to_regionid as region_id, f.meteredmwflow as mw, f.mwlosses / 2 as loss
    from dispatch_interconnectorres f join dispatch_interconnection c using (settlementdate, interconnectorid)
    union all
    select f.settlementdate, c.from_regionid, -f.meteredmwflow, f.mwlosses / 2
    from dispatch_interconnectorres f join dispatch_interconnection c using (settlementdate, interconnectorid)
), net as (
    select settlementdate, region_id, sum(mw) as import_mw, sum(loss) as loss_mw from flows group by all
)
select d.settlementdate, d.regionid, d.demand_and_nonschedgen, g.gen_mw, n.import_mw, n.loss_mw
from dispatch_regionsum d
join gen g on g.settlementdate = d.settlementdate and g.region_id = d.regionid
join net n on n.settlementdate = d.settlementdate and n.region_id = d.regionid
where d.intervention = 0
"""


def _registry(con) -> None:
    con.register("registry", load_duid_info().to_arrow())


def test_every_region_balances_within_a_few_percent(demo_con) -> None:
    _registry(demo_con)
    rows = demo_con.execute(BALANCE_SQL).fetchall()
    assert len(rows) > 5 * 200
    for ts, region, demand, gen, imp, loss in rows:
        residual = gen + imp - demand
        # exact up to rounding, except the re-published interval's SCADA corrections (3 x 2.5 MW)
        assert abs(residual - loss) < 8.0, (ts, region)
        assert abs(residual) / demand < 0.05, (ts, region, residual, demand)


def test_the_energy_balance_view_closes_on_aemos_footing(demo_root: Path) -> None:
    """The simulator publishes TOTALDEMAND as AEMO does (scheduled + semi-scheduled units + net import)
    and DEMAND_AND_NONSCHEDGEN with the non-scheduled units added: both residuals stay small."""
    from aemo_wh.views import connect

    con = connect(demo_root / "warehouse")
    try:
        worst = con.execute(
            "select max(abs(residual_pct)), max(abs(residual_nonsched_pct)), min(nonscheduled_mw), count(*) "
            "from energy_balance"
        ).fetchall()[0]
    finally:
        con.close()
    assert worst[3] > 5 * 200
    assert worst[0] < 3.5 and worst[1] < 3.5, worst
    assert worst[2] >= 0


def test_metered_flows_net_to_zero_and_respect_limits(demo_con) -> None:
    bad = demo_con.execute(
        """select count(*) from dispatch_interconnectorres
           where meteredmwflow > exportlimit + 1e-3 or meteredmwflow < importlimit - 1e-3
              or mwflow > exportlimit + 1e-3 or mwflow < importlimit - 1e-3"""
    ).fetchall()[0][0]
    assert bad == 0
    binding = demo_con.execute(
        """select count(*) from dispatch_interconnectorres
           where abs(meteredmwflow - exportlimit) < 1e-3 or abs(meteredmwflow - importlimit) < 1e-3"""
    ).fetchall()[0][0]
    assert binding > 0
    net = demo_con.execute(
        """with x as (
             select f.settlementdate, c.to_regionid r, f.meteredmwflow mw from dispatch_interconnectorres f
               join dispatch_interconnection c using (settlementdate, interconnectorid)
             union all
             select f.settlementdate, c.from_regionid, -f.meteredmwflow from dispatch_interconnectorres f
               join dispatch_interconnection c using (settlementdate, interconnectorid))
           select max(abs(s)) from (select settlementdate, sum(mw) s from x group by all)"""
    ).fetchall()[0][0]
    assert net < 1e-6


def test_irregularities_and_marker(demo_root: Path, demo_con) -> None:
    meta = mirror_meta(demo_root)
    missing = dt.datetime.fromisoformat(meta.missing_interval)
    republished = dt.datetime.fromisoformat(meta.republished_interval)
    q = "select count(*) from {} where settlementdate = ?"
    assert demo_con.execute(q.format("unit_scada"), [missing]).fetchall()[0][0] == 0
    assert demo_con.execute(q.format("dispatch_price"), [missing]).fetchall()[0][0] == 0
    # the re-published file wins: its rows carry the newer LASTCHANGED (one row per DUID, no dupes)
    rows = demo_con.execute(
        "select count(*), count(distinct duid), min(lastchanged) from unit_scada where settlementdate = ?",
        [republished],
    ).fetchall()[0]
    assert rows[0] == rows[1] > 400
    assert rows[2] > republished + dt.timedelta(minutes=30)
    known = set(load_duid_info()["duid"].to_list())
    seen = {r[0] for r in demo_con.execute("select distinct duid from unit_scada").fetchall()}
    assert seen - known == {UNKNOWN_DUID}
    with sqlite3.connect(demo_root / "warehouse/_ledger/ledger.sqlite") as led:
        publishers = {r[0] for r in led.execute("select distinct publisher from files where status = 'loaded'")}
    assert publishers == {"AEMO_WH_DEMO"}


def test_rooftop_and_prices_look_like_the_nem(demo_con) -> None:
    regions = {r[0] for r in demo_con.execute("select distinct regionid from rooftop_pv_actual").fetchall()}
    assert {"NSW1", "QLD1", "SA1", "TAS1", "VIC1", "QLDC", "TASN"} <= regions
    lo, hi, neg = demo_con.execute(
        "select min(rrp), max(rrp), avg((rrp < 0)::int) from dispatch_price where intervention = 0"
    ).fetchall()[0]
    assert -1000 <= lo < 0 < hi <= 20300 and 0 < neg < 0.8


def test_live_intervals_land_on_the_next_ingest(demo_root: Path) -> None:
    """`demo live` publishes new intervals; the next ordinary ingest picks them up (live refresh)."""
    from aemo_wh.demo import append_intervals, ingest_mirror
    from aemo_wh.warehouse.reader import connect_raw

    before = mirror_meta(demo_root).end_ts
    new = append_intervals(demo_root / "mirror", count=2)
    load = ingest_mirror(demo_root / "mirror", demo_root / "warehouse", compact=False)
    assert load.files_loaded >= 6 and not load.quarantined  # SCADA, DispatchIS, TradingIS x 2
    con = connect_raw(demo_root / "warehouse")
    try:
        latest = con.execute("select max(settlementdate) from dispatch_price").fetchall()[0][0]
        latest_trading = con.execute("select max(settlementdate) from trading_price").fetchall()[0][0]
    finally:
        con.close()
    assert latest == new[-1] == latest_trading == before + dt.timedelta(minutes=10)


def test_trading_price_is_the_dispatch_price_of_each_interval(demo_con) -> None:
    """Post-5MS TradingIS: one trading price per 5-minute interval and region, equal to the dispatch
    RRP (intervention 0) of that interval - so their 30-minute means agree too."""
    n_trading, n_dispatch = demo_con.execute(
        "select (select count(*) from trading_price), (select count(*) from dispatch_price where intervention = 0)"
    ).fetchall()[0]
    assert n_trading == n_dispatch > 5 * 200
    mismatched = demo_con.execute(
        """select count(*) from trading_price t
           full join (select * from dispatch_price where intervention = 0) d
             on d.settlementdate = t.settlementdate and d.regionid = t.regionid
           where t.rrp is distinct from d.rrp"""
    ).fetchall()[0][0]
    assert mismatched == 0
    bad_period = demo_con.execute(
        """select count(*) from trading_price
           where periodid <> (extract(hour from settlementdate - interval 5 minute) * 12
                              + extract(minute from settlementdate - interval 5 minute) // 5 + 1)"""
    ).fetchall()[0][0]
    assert bad_period == 0
    half_hourly = """select time_bucket(interval 30 minute, settlementdate - interval 5 minute) b, regionid,
                            avg(rrp) a, count(*) n from {} group by all"""
    diff = demo_con.execute(
        f"""select count(*), max(abs(t.a - d.a)) from ({half_hourly.format("trading_price")}) t
            join ({half_hourly.format("(select * from dispatch_price where intervention = 0)")}) d
            using (b, regionid) where t.n = 6 and d.n = 6"""
    ).fetchall()[0]
    assert diff[0] > 5 * 40 and diff[1] < 1e-9


def test_data_quality_sees_trading_price_at_five_minutes(demo_root: Path) -> None:
    """The views' data-quality check expects 5-minute trading prices after 2021: the demo's only gap
    is the deliberately missing interval, as for dispatch prices."""
    from aemo_wh.views import connect, refresh

    con = connect(demo_root / "warehouse")
    try:
        refresh(con)
        rows = dict(
            con.execute(
                "select table_name, missing_intervals from data_quality "
                "where table_name in ('trading_price', 'dispatch_price')"
            ).fetchall()
        )
    finally:
        con.close()
    assert rows == {"trading_price": 1, "dispatch_price": 1}


def test_rooftop_view_uses_measurement_rows_only(demo_root: Path) -> None:
    """SATELLITE rows land next to MEASUREMENT ones, but rooftop_5min (and so every dashboard
    number) comes from MEASUREMENT alone: the same half-hour means and the same energy."""
    from aemo_wh.views import connect, refresh

    con = connect(demo_root / "warehouse")
    try:
        refresh(con)
        raw = con.execute(
            """select interval_datetime, regionid, type, power from rooftop_pv_actual
               where regionid in ('NSW1', 'QLD1', 'SA1', 'TAS1', 'VIC1')"""
        ).fetchall()
        view = {(t, r): mw for t, r, mw in con.execute("select settlementdate, region_id, mw from rooftop_5min").fetchall()}
    finally:
        con.close()
    measured = {(t, r): p for t, r, kind, p in raw if kind == "MEASUREMENT"}
    satellite = {(t, r): p for t, r, kind, p in raw if kind == "SATELLITE"}
    assert satellite.keys() == measured.keys() and len(measured) > 5 * 40
    assert sum(satellite[k] != measured[k] for k in measured) > 5 * 10  # the test could tell them apart
    for (t, r), p in measured.items():  # each half hour's six 5-min values average to MEASUREMENT's
        six = [view[(t - dt.timedelta(minutes=25 - 5 * j), r)] for j in range(6)]
        assert abs(sum(six) / 6 - p) < 1e-6 * max(p, 1.0)
    energy = sum(measured.values()) / 2  # MWh: each half-hourly mean MW over half an hour
    assert len(view) == 6 * len(measured)
    assert abs(sum(view.values()) / 12 - energy) < 1e-6 * max(energy, 1.0)


def test_curtailment_and_batteries_look_like_the_nem(demo_root: Path) -> None:
    """REGIONSUM carries the model's per-fuel UIGF / cleared MW and BDU figures (issue 15)."""
    import polars as pl

    from aemo_wh import views
    from aemo_wh.demo.mirror import load_units

    con = views.connect(demo_root / "warehouse")
    try:
        total, low, worst = con.execute(
            "select sum(curtailed_mwh), sum(curtailed_mwh) filter (where rrp < 20), max(cleared_mw - available_mw) "
            "from curtailment"
        ).fetchone()
        assert total > 100 and worst <= 1e-6  # curtails, and never clears more than it could run
        assert low / total > 0.6, "curtailment happens mostly at low or negative prices"
        fuels = {r[0] for r in con.execute("select distinct fuel from curtailment").fetchall()}
        assert fuels == {"Solar", "Wind"}  # the split era: no unsplit rows
        # the split adds up to the unsplit UIGF AEMO also publishes
        assert con.execute(
            "select max(abs(ss_solar_uigf + ss_wind_uigf - uigf)) from dispatch_regionsum where intervention = 0"
        ).fetchone()[0] < 1e-4
        units = load_units()
        bdu = units.filter(pl.col("role") == "bdu")
        storage = dict(bdu.group_by("region_id").agg(pl.col("storage_mwh").sum()).iter_rows())
        rows = con.execute(
            "select region_id, min(stored_mwh), max(stored_mwh), max(abs(stored_mwh - initial_stored_mwh "
            "- (cleared_load_mw * sqrt(0.85) - cleared_gen_mw / sqrt(0.85)) * 5 / 60)) "
            "filter (where stored_mwh > 1 and stored_mwh < 0.99 * ?) from region_storage group by region_id",
            [min(storage.values())],
        ).fetchall()
        assert {r[0] for r in rows} == set(storage) and "TAS1" not in storage
        for region, lo, hi, step_error in rows:
            assert 0 <= lo <= hi <= storage[region] + 1e-6, region
            assert step_error is None or step_error < 1e-3, region  # energy follows the flows
        nem = con.execute(
            "select charge_price, discharge_price, discharged_mwh from battery_summary(?, ?) where level = 'nem'",
            ["2000-01-01", "2100-01-01"],
        ).fetchone()
        assert nem[2] > 0 and nem[1] > nem[0]  # batteries buy low and sell high
    finally:
        con.close()
