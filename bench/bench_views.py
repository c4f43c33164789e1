"""Benchmark the analytic views on a synthetic compacted year, against the old pandas way.

Builds (once; reused from --dir unless --rebuild) a warehouse holding one synthetic year in the
warehouse's own compaction layout: one month file per table and month, sorted by
`TableSpec.month_sort` (unit_scada by duid, time), zstd, 122,880-row groups, published through
the real Writer and manifests. ~500 real DUIDs from the shipped registry x 105,120 intervals
(~52.6 M unit_scada rows), 5 regions of prices, demand and rooftop PV, 6 interconnectors.
Generated month by month inside DuckDB, so memory stays bounded.

Then times, p50/p95 over --runs runs (after one warm-up), through `aemo_wh.views.connect`:
  1. 48 h fuel_stack for one region             (target <= 50 ms)
  2. 1 year of fuel_stack at daily resolution    (target <= 700 ms), through the table macro
     fuel_stack_range (what the dashboard runs); the same query on the plain fuel_stack view is
     printed below it as a reference (no target)
  3. one DUID over a year (unit_generation)      (target <= 50 ms)
  4. 30-day price_pivot                          (target <= 500 ms)
  5. the unknown-DUID alert query over 7 days (target <= 50 ms, it runs after every ingest) and the
     daily report's frozen-SCADA runs over one day (target <= 100 ms, once a day), with the
     whole-table views they replaced printed as references
and the same answers the way the old scripts did (pandas: read the whole parquet, merge with
the DUID table, group by), over --pandas-runs runs, and checks both give the same numbers.

    uv run --frozen python bench/bench_views.py [--dir /tmp/aemo-wh-bench] [--runs 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from aemo_wh import views
from aemo_wh.registry import load_duid_info
from aemo_wh.warehouse import Warehouse, duck, layout
from aemo_wh.warehouse.manifest import FileEntry
from aemo_wh.warehouse.tables import TABLES
from aemo_wh.warehouse.writer import DEFAULT_ROW_GROUP as ROW_GROUP

YEAR = 2025
N_DUIDS = 500
REGIONS = ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"]
INTERCONNECTORS = [
    ("NSW1-QLD1", "NSW1", "QLD1", 700), ("N-Q-MNSP1", "NSW1", "QLD1", 100), ("VIC1-NSW1", "VIC1", "NSW1", 1000),
    ("V-SA", "VIC1", "SA1", 600), ("V-S-MNSP1", "VIC1", "SA1", 200), ("T-V-MNSP1", "TAS1", "VIC1", 478),
]

# One SELECT per table for the month [m0, m1): 5-minute (or 30-minute) grid x entities, values from
# hashes and daily/seasonal shapes. `{m0}`/`{m1}` are bound as variables, not formatted.
GRID5 = "select unnest(generate_series(getvariable('m0') + interval 5 minute, getvariable('m1'), interval 5 minute)) as t"
GRID30 = "select unnest(generate_series(getvariable('m0') + interval 30 minute, getvariable('m1'), interval 30 minute)) as t"
SOLAR = "greatest(0, sin(pi() * (hour(t) + minute(t) / 60 - 6) / 12))"
HASH01 = "(hash({k}) % 100000) / 100000.0"
H_DAY = HASH01.format(k="d.duid || g.t::date")
H_HOUR = HASH01.format(k="d.duid || date_trunc('hour', g.t)")
H_IC = HASH01.format(k="i.id || date_trunc('hour', g.t)")
H_PRICE = HASH01.format(k="r.regionid || g.t")
SOLAR_G = SOLAR.replace("t)", "g.t)")

MONTH_SQL = {
    "unit_scada": f"""
        with g as ({GRID5}), d as (select * from bench_duids)
        select g.t as settlementdate, d.duid,
            round(d.cap * case d.fuel_class
                when 'Solar' then {SOLAR_G} * (0.8 + 0.2 * {H_DAY})
                when 'Wind' then 0.15 + 0.6 * {H_HOUR}
                when 'Coal' then 0.65 + 0.2 * {H_DAY}
                when 'Battery' then 0.4 * sin(2 * pi() * (hour(g.t) - 3) / 24)
                when 'Pumps' then case when hour(g.t) between 1 and 5 then 0.8 else 0 end
                when 'Hydro' then 0.3 * {SOLAR_G} + 0.1
                else 0.15 * {H_HOUR}
            end, 3) as scadavalue,
            g.t - interval 4 minute as lastchanged
        from g cross join d
    """,
    "dispatch_price": f"""
        with g as ({GRID5}), r as (select unnest(getvariable('regions')) as regionid)
        select g.t as settlementdate, 1.0 as runno, r.regionid, 0.0 as intervention,
            round(60 + 50 * sin(2 * pi() * (hour(g.t) - 12) / 24) + 80 * {H_PRICE} ^ 8, 5) as rrp,
            g.t - interval 4 minute as lastchanged
        from g cross join r
    """,
    "dispatch_regionsum": f"""
        with g as ({GRID5}), r as (select unnest(getvariable('regions')) as regionid)
        select g.t as settlementdate, 1.0 as runno, r.regionid, 0.0 as intervention,
            round(5000 + 1500 * sin(2 * pi() * (hour(g.t) - 12) / 24), 2) as totaldemand,
            round(5300 + 1500 * sin(2 * pi() * (hour(g.t) - 12) / 24), 2) as demand_and_nonschedgen,
            g.t - interval 4 minute as lastchanged
        from g cross join r
    """,
    "dispatch_interconnectorres": f"""
        with g as ({GRID5}), i as (select * from bench_ic)
        select g.t as settlementdate, 1.0 as runno, i.id as interconnectorid, 0.0 as intervention,
            round(i.cap * (2 * {H_IC} - 1) * 0.8, 3) as meteredmwflow,
            round(i.cap * (2 * {H_IC} - 1) * 0.8, 3) as mwflow,
            round(i.cap * 0.02, 3) as mwlosses, i.cap * 1.0 as exportlimit, -i.cap * 1.0 as importlimit,
            g.t - interval 4 minute as lastchanged
        from g cross join i
    """,
    "dispatch_interconnection": f"""
        with g as ({GRID5}), i as (select * from bench_ic)
        select g.t as settlementdate, 1.0 as runno, 0.0 as intervention, i.id as interconnectorid,
            i.f as from_regionid, i.to as to_regionid, g.t - interval 4 minute as lastchanged
        from g cross join i
    """,
    "rooftop_pv_actual": f"""
        with g as ({GRID30}), r as (select unnest(getvariable('regions')) as regionid)
        select g.t as interval_datetime, r.regionid, round(3000 * {SOLAR_G}, 3) as power,
            1.0 as qi, 'MEASUREMENT' as type, g.t as lastchanged
        from g cross join r
    """,
}


def build(root: Path) -> None:
    """Write the synthetic year as compacted month files and publish them through the Writer."""
    info = load_duid_info()
    duids = info.filter(info["registered_capacity_mw"] > 0).head(N_DUIDS)  # noqa: F841 (read by SQL below)
    con = duckdb.connect(config={"threads": 2, "memory_limit": "4GB", "preserve_insertion_order": False})
    con.execute("create table bench_duids as select duid, fuel_class, registered_capacity_mw as cap from duids")
    con.execute("create table bench_ic (id varchar, f varchar, \"to\" varchar, cap double)")
    con.executemany("insert into bench_ic values (?, ?, ?, ?)", INTERCONNECTORS)
    con.execute("set variable regions = ?::varchar[]", [REGIONS])
    wh = Warehouse(root)
    with wh.writer() as w:
        for month in range(1, 13):
            m0 = dt.datetime(YEAR, month, 1)
            m1 = dt.datetime(YEAR + (month == 12), month % 12 + 1, 1)
            con.execute("set variable m0 = ?::timestamp", [m0])
            con.execute("set variable m1 = ?::timestamp", [m1])
            key = f"{YEAR}-{month:02d}"
            for name, sql in MONTH_SQL.items():
                spec = TABLES[name]
                order = ", ".join(list(spec.month_sort) + [c for c in spec.primary_key if c not in spec.month_sort])
                staged = layout.staging_file(w.root, ".parquet")
                present = [r[0] for r in con.execute(f"describe {sql}").fetchall()]
                con.execute(
                    f"copy (select {duck.contract_select(spec, present)} from ({sql}) order by {order}) to '{staged}' "
                    f"(format parquet, compression zstd, row_group_size {ROW_GROUP})"
                )
                rows, lo, hi = con.execute(
                    f"select count(*), min({spec.time_column}), max({spec.time_column}) from read_parquet('{staged}')"
                ).fetchall()[0]
                rel = layout.month_path(name, key)
                w.install_file(staged, rel, spec)
                entry = FileEntry(rel, f"{key}-01", lo.isoformat(), hi.isoformat(), int(rows), "month")
                w.swap(name, [entry], [])
            print(f"  built {key}", file=sys.stderr)
    con.close()


def timed(fn: Callable[[], object], runs: int, warm_up: bool = True) -> tuple[list[float], object]:
    if warm_up:
        fn()  # file metadata, OS cache
    out, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, result


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/aemo-wh-bench"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--pandas-runs", type=int, default=3, help="0 = skip the pandas comparison")
    args = ap.parse_args()
    root = args.dir / "warehouse"
    if args.rebuild and args.dir.exists():
        shutil.rmtree(args.dir)
    if not (root / "_manifest" / "unit_scada.json").exists():
        t = time.perf_counter()
        build(root)
        print(f"built synthetic year in {time.perf_counter() - t:.0f} s", file=sys.stderr)

    con = views.connect(root)
    n_rows, n_duids = con.execute("select count(*), count(distinct duid) from unit_scada").fetchall()[0]
    files = con.execute("select getvariable('unit_scada_files')").fetchall()[0][0]
    scada_files = [str(f) for f in files]
    duid = con.execute("select duid from duid_info where fuel_class = 'Wind' and duid in "
                       "(select distinct duid from unit_scada) order by duid limit 1").fetchall()[0][0]
    end48 = dt.datetime(YEAR, 7, 15, 12, 0)
    start48 = end48 - dt.timedelta(hours=48)
    start30, end30 = dt.datetime(YEAR, 6, 1), dt.datetime(YEAR, 7, 1)
    info = load_duid_info().to_pandas()

    q_stack48 = ("select settlementdate, fuel_class, mw from fuel_stack where region_id = ? "
                 "and settlementdate > ? and settlementdate <= ?")
    q_daily = ("select (settlementdate - interval 1 day)::date as day, fuel_class, mw "
               "from fuel_stack_range(?, ?, ?, 1440)")
    q_daily_view = ("select (settlementdate - interval 5 minute)::date as day, fuel_class, avg(mw) as mw "
                    "from fuel_stack where region_id = ? group by all")
    year = [dt.datetime(YEAR, 1, 1), dt.datetime(YEAR + 1, 1, 1)]  # (start, end]: the whole synthetic year
    q_duid = "select settlementdate, mw from unit_generation where duid = ?"
    q_pivot = "select * from price_pivot(?, ?)"

    def pandas_scada() -> pd.DataFrame:
        return pd.read_parquet(scada_files, columns=["settlementdate", "duid", "scadavalue"])

    def pd_stack48() -> pd.DataFrame:
        df = pandas_scada().merge(info[["duid", "region_id", "fuel_class"]], on="duid")
        df = df[(df.region_id == "NSW1") & (df.settlementdate > start48) & (df.settlementdate <= end48)]
        return df.groupby(["settlementdate", "fuel_class"], as_index=False)["scadavalue"].sum()

    def pd_daily() -> pd.DataFrame:
        df = pandas_scada().merge(info[["duid", "region_id", "fuel_class"]], on="duid")
        df = df[df.region_id == "NSW1"]
        per5 = df.groupby(["settlementdate", "fuel_class"], as_index=False)["scadavalue"].sum()
        per5["day"] = (per5.settlementdate - pd.Timedelta(minutes=5)).dt.date
        return per5.groupby(["day", "fuel_class"], as_index=False)["scadavalue"].mean()

    def pd_duid() -> pd.DataFrame:
        df = pandas_scada()
        return df[df.duid == duid]

    def pd_pivot() -> pd.DataFrame:
        df = pandas_scada().merge(info, on="duid")
        df = df[(df.settlementdate > start30) & (df.settlementdate <= end30)]
        prices = pd.read_parquet([str(f) for f in con.execute(
            "select getvariable('dispatch_price_files')").fetchall()[0][0]],
            columns=["settlementdate", "regionid", "rrp", "intervention"])
        prices = prices[prices.intervention == 0].rename(columns={"regionid": "region_id"})
        df = df.merge(prices, on=["settlementdate", "region_id"])
        df.loc[df.dispatch_type == "load", "scadavalue"] *= -1  # consumption pays, as in unit_revenue
        # price_pivot splits a battery's charging intervals into a 'Battery Charging' row
        df.loc[(df.fuel_class == "Battery") & (df.scadavalue < 0), "fuel_class"] = "Battery Charging"
        df["energy"] = df.scadavalue * 5 / 60
        df["revenue"] = df.energy * df.rrp
        return df.groupby(["region_id", "fuel_class", "station_name", "duid"], as_index=False)[
            ["energy", "revenue"]].sum()

    def duck(q: str, params: list) -> Callable[[], object]:
        return lambda: con.sql(q, params=params).to_arrow_table()  # arrow: what the dashboard reads

    def coal(df: pd.DataFrame, col: str) -> float:
        return float(df.loc[df.fuel_class == "Coal", col].sum())

    cases = [
        ("48 h fuel_stack, one region", 50, duck(q_stack48, ["NSW1", start48, end48]), pd_stack48,
         lambda d, p: abs(coal(d, "mw") - coal(p, "scadavalue")) < 1e-6 * max(1.0, coal(p, "scadavalue"))),
        ("1 year fuel_stack, daily, one region", 700, duck(q_daily, ["NSW1", *year]), pd_daily,
         lambda d, p: abs(coal(d, "mw") - coal(p, "scadavalue")) < 1e-6 * max(1.0, coal(p, "scadavalue"))),
        ("  the same on the plain view (ref.)", None, duck(q_daily_view, ["NSW1"]), None, None),
        ("one DUID over a year", 50, duck(q_duid, [duid]), pd_duid,
         lambda d, p: len(d) == len(p) and abs(d.mw.sum() - p.scadavalue.sum()) < 1e-6 * max(1.0, abs(p.scadavalue.sum()))),
        ("30-day price_pivot", 500, duck(q_pivot, [start30, end30]), pd_pivot,
         lambda d, p: len(d) == len(p) and abs(d.revenue_musd.sum() * 1e6 - p.revenue.sum()) < 1e-6 * abs(p.revenue.sum())),
        # the checks run after every ingest / once a day: the window they report on, against the whole-table views
        ("unknown-DUID rule, last 7 days", 50,
         duck("select * from unknown_duids_since(?)", [year[1] - dt.timedelta(days=7)]), None, None),
        ("  unknown_duids, whole table (ref.)", None, duck("select * from unknown_duids", []), None, None),
        ("report: frozen SCADA runs, one day", 100,
         duck("select count(*) from stale_scada_runs(?, ?)", [end48 - dt.timedelta(days=1), end48]), None, None),
        ("  data_quality, whole tables (ref.)", None, duck("select * from data_quality", []), None, None),
    ]
    print(f"\nsynthetic year {YEAR}: {n_rows:,} unit_scada rows, {n_duids} DUIDs, {len(scada_files)} month files; "
          f"DuckDB {duckdb.__version__}, {args.runs} runs (pandas {args.pandas_runs}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    head = (f"{'query':38} {'target':>7} {'p50 ms':>8} {'p95 ms':>8} {'pandas p50':>11} {'pandas p95':>11} "
            f"{'ratio':>7}  {'<=target':>8}  same answer")
    print(head)
    print("-" * len(head))
    failed = 0
    for name, target, duck_fn, pand, check in cases:
        d_times, d_res = timed(duck_fn, args.runs)
        d50, d95 = pct(d_times, 0.5), pct(d_times, 0.95)
        ok = target is None or d95 <= target
        failed += not ok
        if args.pandas_runs > 0 and pand is not None:
            p_times, p_res = timed(pand, args.pandas_runs, warm_up=False)  # whole-file reads: nothing to warm
            p50, p95 = pct(p_times, 0.5), pct(p_times, 0.95)
            same = check(d_res.to_pandas(), p_res)  # type: ignore[union-attr]
            failed += not same
            pandas_cols = f"{p50:11.0f} {p95:11.0f} {p50 / d50:6.0f}x"
        else:
            pandas_cols, same = f"{'-':>11} {'-':>11} {'-':>7}", None
        verdict = "-" if target is None else "yes" if ok else "NO"
        print(f"{name:38} {target or '-':>7} {d50:8.1f} {d95:8.1f} {pandas_cols}  "
              f"{verdict:>8}  {'-' if same is None else 'yes' if same else 'NO'}")
    con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
