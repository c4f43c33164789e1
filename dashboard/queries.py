"""Every SQL text the dashboard runs: constants over the views, parameters bound by name.

Resolution: windows up to 2 days stay at 5 minutes; longer ones are averaged into 30-minute
(up to 7 days) or hourly buckets in SQL. A bucket is labelled by its END, like AEMO's
SETTLEMENTDATE: `time_bucket(b, ts - 5 min) + b` keeps a 5-minute row on its own stamp.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.store import Store

_BUCKET = "time_bucket(to_minutes($bucket), settlementdate - INTERVAL 5 MINUTE) + to_minutes($bucket)"
_WINDOW = "settlementdate > $start AND settlementdate <= $end"


def bucket_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """5-min up to 2 days, 30-min up to 7 days, hourly beyond."""
    span = end - start
    if span <= dt.timedelta(days=2):
        return 5
    if span <= dt.timedelta(days=7):
        return 30
    return 60


def _window(start: dt.datetime, end: dt.datetime, bucket: int | None = None) -> dict:
    return {"start": start, "end": end, "bucket": bucket if bucket is not None else bucket_minutes(start, end)}


# One scan gives the bucketed stack and the window totals per fuel (rows with settlementdate NULL).
# fuel_stack_range buckets fuel_stack in SQL (same labels, exact means; ~2x faster over a year).
FUEL_STACK = """
SELECT CASE WHEN grouping(settlementdate) = 0 THEN settlementdate END AS settlementdate, fuel_class,
       sum(energy_mwh) * 12 / sum(intervals) AS mw, sum(energy_mwh) / 1000 AS energy_gwh
FROM fuel_stack_range($region, $start, $end, $bucket)
GROUP BY GROUPING SETS ((settlementdate, fuel_class), (fuel_class))
ORDER BY 1 NULLS FIRST
"""


def fuel_stack(store: Store, region: str, start: dt.datetime, end: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(stack rows per bucket and fuel, window totals per fuel: fuel, mean_mw, energy_gwh)."""
    both = store.query(FUEL_STACK, {"region": region, **_window(start, end)})
    totals = both["settlementdate"].isna()
    mix = both.loc[totals, ["fuel_class", "mw", "energy_gwh"]].rename(columns={"fuel_class": "fuel", "mw": "mean_mw"})
    return both.loc[~totals, ["settlementdate", "fuel_class", "mw"]], mix.reset_index(drop=True)


REGION_PRICE = f"""
SELECT {_BUCKET} AS settlementdate, region_id, avg(rrp) AS rrp
FROM region_price
WHERE list_contains($regions, region_id) AND {_WINDOW}
GROUP BY ALL ORDER BY 1, 2
"""


def region_price(store: Store, regions: list[str], start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(REGION_PRICE, {"regions": list(regions), **_window(start, end)})


LATEST_PRICES = """
SELECT region_id, settlementdate, rrp FROM region_price
WHERE settlementdate = (SELECT max(settlementdate) FROM region_price)
ORDER BY region_id
"""

RECENT_PRICES = """
SELECT settlementdate, region_id, rrp FROM region_price
WHERE settlementdate > $end - to_minutes($minutes) AND settlementdate <= $end
ORDER BY settlementdate DESC, region_id
"""


def latest_prices(store: Store) -> pd.DataFrame:
    return store.query(LATEST_PRICES)


def recent_prices(store: Store, end: dt.datetime, hours: int) -> pd.DataFrame:
    return store.query(RECENT_PRICES, {"end": end, "minutes": 60 * hours})


# Utilisation of a bucket (and of NEM) is sum(MW) / sum(capacity), never a mean of percentages.
UTILISATION = f"""
SELECT {_BUCKET} AS settlementdate, fuel_class,
       100 * sum(mw) / nullif(sum(capacity_mw), 0) AS utilisation_pct
FROM utilisation
WHERE region_id = $region AND {_WINDOW}
GROUP BY ALL ORDER BY 1
"""

CAPACITY_FACTOR = f"""
SELECT fuel_class,
       sum(mw) / count(DISTINCT settlementdate) AS mean_mw,
       sum(capacity_mw) / count(DISTINCT settlementdate) AS capacity_mw,
       sum(mw) * 5 / 60 / 1000 AS energy_gwh,
       100 * sum(mw) / nullif(sum(capacity_mw), 0) AS capacity_factor_pct,
       max(utilisation_pct) AS peak_utilisation_pct
FROM utilisation
WHERE region_id = $region AND {_WINDOW}
GROUP BY ALL ORDER BY energy_gwh DESC
"""


def utilisation(store: Store, region: str, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(UTILISATION, {"region": region, **_window(start, end)})


def capacity_factor(store: Store, region: str, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(CAPACITY_FACTOR, {"region": region, "start": start, "end": end})


INTERCONNECTOR_FLOW = f"""
SELECT {_BUCKET} AS settlementdate, interconnector_id, any_value(from_region) AS from_region,
       any_value(to_region) AS to_region, avg(metered_mw) AS metered_mw,
       avg(export_limit_mw) AS export_limit_mw, avg(import_limit_mw) AS import_limit_mw,
       avg(losses_mw) AS losses_mw, max(pct_of_limit) AS pct_of_limit
FROM interconnector_flow
WHERE {_WINDOW}
GROUP BY ALL ORDER BY 2, 1
"""

INTERCONNECTOR_SUMMARY = """
WITH f AS (
    SELECT f.*, pf.rrp AS from_rrp, pt.rrp AS to_rrp
    FROM interconnector_flow f
    LEFT JOIN region_price pf ON pf.settlementdate = f.settlementdate AND pf.region_id = f.from_region
    LEFT JOIN region_price pt ON pt.settlementdate = f.settlementdate AND pt.region_id = f.to_region
    WHERE f.settlementdate > $start AND f.settlementdate <= $end
)
SELECT interconnector_id AS interconnector, any_value(from_region) AS from_region, any_value(to_region) AS to_region,
       coalesce(avg(metered_mw) FILTER (WHERE metered_mw > 0), 0) AS mean_forward_mw,
       coalesce(max(metered_mw) FILTER (WHERE metered_mw > 0), 0) AS max_forward_mw,
       coalesce(avg(-metered_mw) FILTER (WHERE metered_mw < 0), 0) AS mean_reverse_mw,
       coalesce(max(-metered_mw) FILTER (WHERE metered_mw < 0), 0) AS max_reverse_mw,
       count(*) FILTER (WHERE at_limit) * 5 / 60 AS hours_binding,
       100 * count(*) FILTER (WHERE at_limit) / count(*) AS pct_time_binding,
       avg(to_rrp - from_rrp) FILTER (WHERE at_limit) AS price_diff_binding,
       sum(losses_mw) * 5 / 60 AS losses_mwh
FROM f GROUP BY ALL ORDER BY 1
"""

REGION_NET_FLOW = f"""
SELECT {_BUCKET} AS settlementdate, region_id, avg(net_import_mw) AS net_import_mw
FROM region_net_flow
WHERE {_WINDOW}
GROUP BY ALL ORDER BY 1, 2
"""


def interconnector_flow(store: Store, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(INTERCONNECTOR_FLOW, _window(start, end))


def interconnector_summary(store: Store, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(INTERCONNECTOR_SUMMARY, {"start": start, "end": end})


def region_net_flow(store: Store, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(REGION_NET_FLOW, _window(start, end))


# _capacity_gwh (hidden) lets a group row compute utilisation as sum(GWh) / sum(capacity GWh).
# A battery's charging half is its own row (price_pivot splits by sign); its leaf is labelled so a
# grouping without Fuel still shows two distinct leaves.
PRICE_PIVOT = """
SELECT region_id, fuel_class, station_name,
       CASE WHEN fuel_class = 'Battery Charging' AND count(*) OVER (PARTITION BY duid) > 1
            THEN duid || ' (charging)' ELSE duid END AS duid,
       participant,
       generation_gwh, revenue_musd, price_per_mwh, utilisation_pct, capacity_mw,
       CASE WHEN utilisation_pct > 0 THEN generation_gwh * 100 / utilisation_pct
            ELSE capacity_mw * $hours / 1000 END AS _capacity_gwh
FROM price_pivot($start, $end)
WHERE list_contains($regions, region_id) AND list_contains($fuels, fuel_class)
ORDER BY region_id, fuel_class, station_name, duid
"""


def price_pivot(
    store: Store, start: dt.datetime, end: dt.datetime, regions: list[str], fuels: list[str]
) -> pd.DataFrame:
    hours = (end - start).total_seconds() / 3600
    return store.query(
        PRICE_PIVOT, {"start": start, "end": end, "regions": list(regions), "fuels": list(fuels), "hours": hours}
    )


PIVOT_FUELS = "SELECT DISTINCT fuel_class FROM duid_info WHERE fuel_class IS NOT NULL"

DUIDS = """
SELECT duid, station_name, region_id, fuel_class, participant, registered_capacity_mw, dispatch_type, is_historical
FROM duid_info ORDER BY station_name, duid
"""


def pivot_fuels(store: Store) -> list[str]:
    return list(store.query(PIVOT_FUELS)["fuel_class"])


def duids(store: Store) -> pd.DataFrame:
    return store.query(DUIDS)


# capacity_mw: the generating units reporting that interval (pumps and battery charge units add
# none), so a pumped-hydro station is not counted twice and a retired unit only while it ran.
_STATION_INTERVALS = """
WITH u AS (
    SELECT r.settlementdate, sum(r.mw) AS mw, avg(r.rrp) AS rrp, sum(r.energy_mwh) AS energy_mwh,
           sum(r.revenue_aud) AS revenue_aud,
           sum(d.registered_capacity_mw) FILTER (WHERE d.dispatch_type IS DISTINCT FROM 'load') AS capacity_mw
    FROM unit_revenue AS r
    LEFT JOIN duid_info AS d ON d.duid = r.duid
    WHERE list_contains($duids, r.duid) AND r.settlementdate > $start AND r.settlementdate <= $end
    GROUP BY r.settlementdate
)"""

STATION_SERIES = (
    _STATION_INTERVALS
    + f"""
SELECT {_BUCKET} AS settlementdate, avg(mw) AS mw, avg(rrp) AS rrp FROM u GROUP BY 1 ORDER BY 1
"""
)

# Time of day by interval START (00:00 = the interval 00:00-00:05), in $bucket-minute slots.
STATION_TIME_OF_DAY = (
    _STATION_INTERVALS
    + """
SELECT strftime(time_bucket(to_minutes($bucket), settlementdate - INTERVAL 5 MINUTE), '%H:%M') AS time_of_day,
       avg(mw) AS mw, avg(rrp) AS rrp
FROM u GROUP BY 1 ORDER BY 1
"""
)

# Capacity factor over the intervals that have data (not the whole window, which may run past it).
STATION_SUMMARY = (
    _STATION_INTERVALS
    + """
SELECT sum(revenue_aud) AS revenue_aud, sum(energy_mwh) AS energy_mwh,
       sum(revenue_aud) / nullif(sum(energy_mwh), 0) AS price_per_mwh,
       100 * sum(energy_mwh) / nullif(sum(capacity_mw) * 5 / 60, 0) AS capacity_factor_pct,
       count(*) FILTER (WHERE mw > 0) * 5 / 60 AS hours_operating,
       max(mw) AS peak_mw, min(mw) AS min_mw, count(*) AS intervals
FROM u
"""
)


def station_bucket(start: dt.datetime, end: dt.datetime) -> int:
    """Station time series: 5-min up to 2 days, hourly beyond."""
    return 5 if end - start <= dt.timedelta(days=2) else 60


def station_series(store: Store, duid_list: list[str], start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(STATION_SERIES, {"duids": list(duid_list), **_window(start, end, station_bucket(start, end))})


def station_time_of_day(
    store: Store, duid_list: list[str], start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    bucket = 5 if end - start <= dt.timedelta(days=2) else 30
    return store.query(STATION_TIME_OF_DAY, {"duids": list(duid_list), **_window(start, end, bucket)})


def station_summary(store: Store, duid_list: list[str], start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    return store.query(STATION_SUMMARY, {"duids": list(duid_list), "start": start, "end": end})


# -- Today: the NEM day of the newest interval (midnight NEM time -> now) ----------------------------

# Price, status and demand now and 30 minutes earlier, per region.
TODAY_CARDS = """
WITH p AS (
    SELECT settlementdate, region_id, rrp, status FROM price_status
    WHERE settlementdate = $now OR settlementdate = $now - INTERVAL 30 MINUTE
), d AS (
    SELECT settlementdate, region_id, total_demand_mw FROM region_demand
    WHERE settlementdate = $now OR settlementdate = $now - INTERVAL 30 MINUTE
)
SELECT p.region_id,
       any_value(p.rrp) FILTER (WHERE p.settlementdate = $now) AS rrp,
       any_value(p.status) FILTER (WHERE p.settlementdate = $now) AS status,
       any_value(p.rrp) FILTER (WHERE p.settlementdate < $now) AS rrp_before,
       any_value(d.total_demand_mw) FILTER (WHERE p.settlementdate = $now) AS demand_mw,
       any_value(d.total_demand_mw) FILTER (WHERE p.settlementdate < $now) AS demand_before_mw
FROM p LEFT JOIN d USING (settlementdate, region_id)
GROUP BY p.region_id ORDER BY p.region_id
"""

# Renewable share now and today's high (with its time), NEM and regions.
TODAY_SHARE = """
SELECT region_id,
       any_value(share_pct) FILTER (WHERE settlementdate = $now) AS share_pct,
       max(share_pct) AS today_high_pct, arg_max(settlementdate, share_pct) AS today_high_at,
       100 * sum(renewable_mw) / nullif(sum(demand_mw), 0) AS today_share_pct
FROM renewable_share
WHERE settlementdate > $day_start AND settlementdate <= $now
GROUP BY region_id
"""

# Records before today: the highest renewable share, overall and per hour of day (by interval start).
SHARE_RECORDS = """
SELECT region_id, hour(settlementdate - INTERVAL 5 MINUTE) AS hour,
       max(share_pct) AS record_pct, arg_max(settlementdate, share_pct) AS record_at
FROM renewable_share
WHERE settlementdate <= $day_start
GROUP BY ALL ORDER BY 1, 2
"""

# The lowest operational demand (TOTALDEMAND; NEM = the five regions' sum) and the highest price
# over ($after, $until]: today so far, or the history before today (the records).
DEMAND_PRICE_EXTREMES = """
WITH d AS (
    SELECT settlementdate, region_id, total_demand_mw FROM region_demand
    WHERE settlementdate > $after AND settlementdate <= $until
    UNION ALL
    SELECT settlementdate, 'NEM', sum(total_demand_mw) FROM region_demand
    WHERE settlementdate > $after AND settlementdate <= $until GROUP BY settlementdate HAVING count(*) = 5
), p AS (
    SELECT region_id, max(rrp) AS max_rrp, arg_max(settlementdate, rrp) AS max_rrp_at
    FROM region_price WHERE settlementdate > $after AND settlementdate <= $until GROUP BY region_id
)
SELECT d.region_id, min(total_demand_mw) AS min_demand_mw, arg_min(settlementdate, total_demand_mw) AS min_demand_at,
       any_value(p.max_rrp) AS max_rrp, any_value(p.max_rrp_at) AS max_rrp_at
FROM d LEFT JOIN p USING (region_id)
GROUP BY d.region_id
"""
HISTORY_START = dt.datetime(1900, 1, 1)  # $after for "all the history before"

# Prices today per region and for the NEM (demand-weighted across regions); VWAP weights by TOTALDEMAND.
TODAY_PRICES = """
WITH x AS (
    SELECT p.settlementdate, p.region_id, p.rrp, d.total_demand_mw AS demand
    FROM region_price AS p
    LEFT JOIN region_demand AS d USING (settlementdate, region_id)
    WHERE p.settlementdate > $day_start AND p.settlementdate <= $now
), nem AS (
    SELECT settlementdate, 'NEM' AS region_id, sum(rrp * demand) / nullif(sum(demand), 0) AS rrp,
           sum(demand) AS demand
    FROM x GROUP BY settlementdate
), r AS (SELECT * FROM x UNION ALL SELECT * FROM nem)
SELECT region_id, avg(rrp) AS mean_rrp, min(rrp) AS min_rrp, max(rrp) AS max_rrp,
       sum(rrp * demand) / nullif(sum(demand), 0) AS vwap_rrp,
       count(*) FILTER (WHERE rrp < 0) * 5 / 60 AS negative_hours,
       sum(demand) * 5 / 60 / 1000 AS demand_gwh, count(*) AS intervals
FROM r GROUP BY region_id
"""

TODAY_FUEL_ENERGY = """
SELECT region_id, fuel_class, sum(mw) * 5 / 60 / 1000 AS energy_gwh
FROM fuel_stack
WHERE settlementdate > $day_start AND settlementdate <= $now
GROUP BY ALL
"""

FLOWS_NOW = """
SELECT interconnector_id, from_region, to_region, metered_mw, export_limit_mw, import_limit_mw,
       pct_of_limit, at_limit
FROM interconnector_flow WHERE settlementdate = $now ORDER BY interconnector_id
"""

TODAY_AT_LIMIT = """
SELECT interconnector_id AS interconnector, any_value(from_region) AS from_region,
       any_value(to_region) AS to_region,
       count(*) FILTER (WHERE at_limit) * 5 / 60 AS hours_at_limit,
       coalesce(sum(abs(metered_mw)) FILTER (WHERE at_limit), 0) * 5 / 60 AS mwh_at_limit,
       sum(metered_mw) * 5 / 60 AS net_mwh, max(pct_of_limit) AS max_pct_of_limit
FROM interconnector_flow
WHERE settlementdate > $day_start AND settlementdate <= $now
GROUP BY interconnector_id ORDER BY hours_at_limit DESC, interconnector_id
"""


# -- Comparison: one period, per area --------------------------------------------------------------
# An area is a region, or (with $as_nem) the NEM built from the regions in $regions (all five).
# The evening is the intervals STARTING in [$eve_from, $eve_to) hours. One query serves one area
# (Periods mode) or several regions at once (Regions mode): cost grows with the period, not the count.
PERIOD_PRICE = """
WITH x AS (
    SELECT p.settlementdate, CASE WHEN $as_nem THEN 'NEM' ELSE p.region_id END AS area, p.rrp,
           d.total_demand_mw AS demand
    FROM region_price AS p
    LEFT JOIN region_demand AS d USING (settlementdate, region_id)
    WHERE p.settlementdate > $start AND p.settlementdate <= $end AND list_contains($regions, p.region_id)
), n AS (  -- one price per interval: the region's, or the NEM's demand-weighted across the regions
    SELECT area, settlementdate, sum(rrp * demand) / nullif(sum(demand), 0) AS rrp, sum(demand) AS demand,
           hour(settlementdate - INTERVAL 5 MINUTE) AS hour
    FROM x GROUP BY area, settlementdate
    HAVING NOT $as_nem OR count(*) = 5
)
SELECT area, avg(rrp) AS mean_rrp, sum(rrp * demand) / nullif(sum(demand), 0) AS vwap_rrp,
       quantile_cont(rrp, 0.05) AS p5_rrp, quantile_cont(rrp, 0.5) AS p50_rrp,
       quantile_cont(rrp, 0.95) AS p95_rrp, min(rrp) AS min_rrp, max(rrp) AS max_rrp,
       count(*) FILTER (WHERE rrp < 0) * 5 / 60 AS negative_hours,
       count(*) FILTER (WHERE rrp >= 300) * 5 / 60 AS high_hours,
       sum(demand) * 5 / 60 / 1000 AS demand_gwh,
       avg(rrp) FILTER (WHERE hour >= $eve_from AND hour < $eve_to) AS evening_mean_rrp,
       sum(rrp * demand) FILTER (WHERE hour >= $eve_from AND hour < $eve_to)
           / nullif(sum(demand) FILTER (WHERE hour >= $eve_from AND hour < $eve_to), 0) AS evening_vwap_rrp,
       count(*) AS intervals,
       count(DISTINCT (settlementdate - INTERVAL 5 MINUTE)::date) AS days_with_data
FROM n GROUP BY area
"""

# Per area and fuel: energy, the volume-weighted price it earned (each region's fuel at its own
# regional price, so the NEM's is the regions' MW x RRP over their MW), and its mean MW in the
# evening. The NEM's transmission cancels between regions: not a fuel of the NEM. renewable_pct
# (per area, the same on its every row) is renewable_share's figure over the period from the same
# scan: renewable MW over all rows, intervals without unit SCADA left out (sql/18_renewable_share.sql).
PERIOD_FUEL = """
WITH f AS (
    SELECT f.settlementdate, CASE WHEN $as_nem THEN 'NEM' ELSE f.region_id END AS area, f.fuel_class,
           f.mw, p.rrp, hour(f.settlementdate - INTERVAL 5 MINUTE) AS hour
    FROM fuel_stack AS f
    LEFT JOIN region_price AS p USING (settlementdate, region_id)
    WHERE f.settlementdate > $start AND f.settlementdate <= $end AND list_contains($regions, f.region_id)
      AND NOT ($as_nem AND f.fuel_class = 'Transmission')
), evening AS (
    SELECT area, count(DISTINCT settlementdate) AS n FROM f WHERE hour >= $eve_from AND hour < $eve_to
    GROUP BY area
), share AS (
    SELECT area, 100 * sum(renewable) / nullif(sum(total), 0) AS renewable_pct
    FROM (
        SELECT area, sum(mw) FILTER (WHERE fuel_class IN ('Wind', 'Solar', 'Rooftop Solar', 'Hydro', 'Battery'))
                   AS renewable,
               sum(mw) AS total
        FROM f GROUP BY area, settlementdate
        HAVING count(*) FILTER (WHERE fuel_class NOT IN ('Rooftop Solar', 'Transmission')) > 0
    )
    GROUP BY area
)
SELECT f.area, f.fuel_class, sum(f.mw) * 5 / 60 / 1000 AS energy_gwh,
       sum(f.mw * f.rrp) / nullif(sum(f.mw), 0) AS vwap_rrp,
       sum(f.mw) FILTER (WHERE f.hour >= $eve_from AND f.hour < $eve_to) / nullif(any_value(evening.n), 0)
           AS evening_mw,
       any_value(share.renewable_pct) AS renewable_pct
FROM f LEFT JOIN evening USING (area) LEFT JOIN share USING (area)
GROUP BY f.area, f.fuel_class
"""

PERIOD_FLOW = """
SELECT region_id AS area,
       coalesce(sum(net_import_mw) FILTER (WHERE net_import_mw > 0), 0) * 5 / 60 / 1000 AS imports_gwh,
       coalesce(-sum(net_import_mw) FILTER (WHERE net_import_mw < 0), 0) * 5 / 60 / 1000 AS exports_gwh
FROM region_net_flow
WHERE list_contains($regions, region_id) AND settlementdate > $start AND settlementdate <= $end
GROUP BY region_id
"""


def comparison_query(store: Store, sql: str, areas: list[str], start: dt.datetime, end: dt.datetime,
                     evening: tuple[int, int] = (17, 22)) -> pd.DataFrame:
    """One of the PERIOD_* queries over `areas`: ["NEM"] (the five regions as one) or region ids.
    Only the parameters the text uses are bound."""
    as_nem = list(areas) == ["NEM"]
    regions = ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"] if as_nem else list(areas)
    params = {"regions": regions, "as_nem": as_nem, "start": start, "end": end,
              "eve_from": evening[0], "eve_to": evening[1]}
    return store.query(sql, {k: v for k, v in params.items() if f"${k}" in sql})


# -- Price Analysis --------------------------------------------------------------------------------
# $every: a DuckDB interval text ('5 minutes', '30 minutes', '1 hour', '1 day', '1 month'); a bucket
# is labelled by its end, like SETTLEMENTDATE.
_EVERY = "time_bucket($every::INTERVAL, settlementdate - INTERVAL 5 MINUTE) + $every::INTERVAL"

PRICE_SERIES = f"""
SELECT {_EVERY} AS settlementdate, region_id, avg(rrp) AS rrp
FROM region_price
WHERE list_contains($regions, region_id) AND {_WINDOW}
GROUP BY ALL ORDER BY 1, 2
"""

# Statistics of a window; `period` 'current' = ($start, $end], 'previous' = the same span before it.
PRICE_STATS = """
WITH x AS (
    SELECT CASE WHEN p.settlementdate > $start THEN 'current' ELSE 'previous' END AS period,
           p.region_id, p.rrp, d.total_demand_mw AS demand
    FROM region_price AS p
    LEFT JOIN region_demand AS d USING (settlementdate, region_id)
    WHERE list_contains($regions, p.region_id)
      AND p.settlementdate > $start - ($end - $start) AND p.settlementdate <= $end
)
SELECT region_id, period, avg(rrp) AS mean_rrp, sum(rrp * demand) / nullif(sum(demand), 0) AS vwap_rrp,
       median(rrp) AS median_rrp, quantile_cont(rrp, 0.05) AS p5_rrp, quantile_cont(rrp, 0.95) AS p95_rrp,
       min(rrp) AS min_rrp, max(rrp) AS max_rrp, stddev_samp(rrp) AS std_rrp,
       100 * count(*) FILTER (WHERE rrp < 0) / count(*) AS negative_pct,
       100 * count(*) FILTER (WHERE rrp >= 300) / count(*) AS above_300_pct,
       100 * count(*) FILTER (WHERE rrp >= 5000) / count(*) AS above_5000_pct,
       count(*) AS intervals
FROM x GROUP BY ALL ORDER BY region_id, period
"""

STATUS_COUNTS = f"""
SELECT region_id, status, count(*) AS intervals
FROM price_status
WHERE list_contains($regions, region_id) AND {_WINDOW}
GROUP BY ALL ORDER BY 1, 2
"""

# Intervals the market was not "normal" in the way the chart marks: administered, suspended, at cap / floor.
STATUS_POINTS = f"""
SELECT settlementdate, region_id, rrp, status
FROM price_status
WHERE list_contains($regions, region_id) AND {_WINDOW}
  AND status IN ('administered', 'suspended', 'at cap', 'at floor')
ORDER BY settlementdate LIMIT 20000
"""

# Band i holds prices in [edges[i-1], edges[i]) (band 0: below the first edge). Revenue: the region's
# generating units (MW > 0) at the regional price, MW x RRP x 5/60 (unit_revenue), signed.
PRICE_BANDS = f"""
WITH p AS (
    SELECT settlementdate, region_id, len(list_filter($edges, lambda e: e <= rrp)) AS band
    FROM region_price
    WHERE list_contains($regions, region_id) AND {_WINDOW}
), r AS (
    SELECT settlementdate, region_id, sum(revenue_aud) AS revenue_aud
    FROM unit_revenue
    WHERE list_contains($regions, region_id) AND {_WINDOW} AND mw > 0
    GROUP BY ALL
)
SELECT p.region_id, p.band, count(*) AS intervals, coalesce(sum(r.revenue_aud), 0) AS revenue_aud
FROM p LEFT JOIN r USING (settlementdate, region_id)
GROUP BY ALL ORDER BY 1, 2
"""

# Runs of consecutive intervals (5 minutes apart) at or above $threshold, per region.
HIGH_PRICE_EVENTS = f"""
WITH h AS (
    SELECT settlementdate, region_id, rrp,
           settlementdate - to_minutes(5 * row_number() OVER (PARTITION BY region_id ORDER BY settlementdate))
               AS run
    FROM region_price
    WHERE list_contains($regions, region_id) AND {_WINDOW} AND rrp >= $threshold
)
SELECT region_id, min(settlementdate) - INTERVAL 5 MINUTE AS start, max(settlementdate) AS "end",
       count(*) * 5 AS minutes, max(rrp) AS peak_rrp, avg(rrp) AS mean_rrp
FROM h GROUP BY region_id, run
ORDER BY peak_rrp DESC, start LIMIT 500
"""

# By interval start, in $slot-minute slots; part = 'All', 'Weekday' / 'Weekend' or the month.
PRICE_TIME_OF_DAY = f"""
SELECT strftime(time_bucket(to_minutes($slot), settlementdate - INTERVAL 5 MINUTE), '%H:%M') AS slot,
       CASE $split WHEN 'weekday' THEN CASE WHEN isodow(settlementdate - INTERVAL 5 MINUTE) >= 6
                                            THEN 'Weekend' ELSE 'Weekday' END
                   WHEN 'month' THEN strftime(settlementdate - INTERVAL 5 MINUTE, '%b')
                   ELSE 'All' END AS part,
       avg(rrp) AS mean_rrp, median(rrp) AS median_rrp
FROM region_price
WHERE region_id = $region AND {_WINDOW}
GROUP BY ALL ORDER BY 1
"""

CUMULATIVE_PRICE = f"""
SELECT {_EVERY} AS settlementdate, region_id, arg_max(pct_of_cpt, settlementdate) AS pct_of_cpt,
       arg_max(cumulative_price, settlementdate) AS cumulative_price,
       arg_max(cumulative_price_threshold, settlementdate) AS cumulative_price_threshold
FROM cumulative_price($start, $end)
WHERE list_contains($regions, region_id)
GROUP BY ALL ORDER BY 1, 2
"""

# --- Curtailment (sql/20_curtailment.sql) ----------------------------------------------------
# Mean curtailed MW per bucket = the bucket's summed interval totals / the intervals present.
CURTAILMENT_SERIES = f"""
SELECT {_BUCKET} AS settlementdate, region_id,
       sum(curtailed_mw) / count(DISTINCT settlementdate) AS curtailed_mw,
       100 * sum(curtailed_mw) / nullif(sum(available_mw), 0) AS rate_pct
FROM curtailment
WHERE list_contains($regions, region_id) AND {_WINDOW}
GROUP BY ALL ORDER BY 1, 2
"""

# Per region and fuel, plus a fuel 'All' row per region (per-interval sums, so its peak is real).
CURTAILMENT_TOTALS = f"""
WITH w AS (
    SELECT * FROM curtailment WHERE list_contains($regions, region_id) AND {_WINDOW}
), rows AS (
    SELECT region_id, fuel, available_mw, cleared_mw, curtailed_mw, rrp FROM w
    UNION ALL
    SELECT region_id, 'All', sum(available_mw), sum(cleared_mw), sum(curtailed_mw), any_value(rrp)
    FROM w GROUP BY settlementdate, region_id
)
SELECT region_id, fuel,
       sum(available_mw) * 5 / 60 / 1000 AS available_gwh,
       sum(cleared_mw) * 5 / 60 / 1000 AS cleared_gwh,
       sum(curtailed_mw) * 5 / 60 / 1000 AS curtailed_gwh,
       100 * sum(curtailed_mw) / nullif(sum(available_mw), 0) AS rate_pct,
       sum(curtailed_mw) FILTER (WHERE rrp < 0) * 5 / 60 / 1000 AS below_zero_gwh,
       100 * coalesce(sum(curtailed_mw) FILTER (WHERE rrp < 0), 0) / nullif(sum(curtailed_mw), 0) AS below_zero_pct,
       sum(curtailed_mw * rrp) / nullif(sum(curtailed_mw) FILTER (WHERE rrp IS NOT NULL), 0) AS curtailed_price,
       max(curtailed_mw) AS peak_curtailed_mw
FROM rows
GROUP BY region_id, fuel ORDER BY region_id, fuel = 'All', fuel
"""

# Curtailed MWh per region in price bands [edge_i, edge_i+1): band 0 is below the first edge.
CURTAILMENT_PRICE_BANDS = f"""
SELECT region_id, len(list_filter($edges, lambda e: e <= rrp)) AS band, sum(curtailed_mwh) AS curtailed_mwh
FROM curtailment
WHERE list_contains($regions, region_id) AND {_WINDOW} AND rrp IS NOT NULL AND curtailed_mw > 0
GROUP BY ALL ORDER BY 1, 2
"""

# --- Batteries (sql/21_batteries.sql) --------------------------------------------------------
_BATTERY_REGION = "($region = 'NEM' OR region_id = $region)"

BATTERY_SERIES = f"""
WITH per AS (
    SELECT settlementdate, sum(charge_mw) AS charge_mw, sum(discharge_mw) AS discharge_mw
    FROM battery_flows WHERE {_BATTERY_REGION} AND {_WINDOW} GROUP BY 1
), price AS (
    SELECT settlementdate, avg(rrp) AS rrp
    FROM region_price WHERE {_BATTERY_REGION} AND {_WINDOW} GROUP BY 1
)
SELECT {_BUCKET} AS settlementdate, avg(per.charge_mw) AS charge_mw, avg(per.discharge_mw) AS discharge_mw,
       avg(price.rrp) AS rrp
FROM per LEFT JOIN price USING (settlementdate)
GROUP BY 1 ORDER BY 1
"""

BATTERY_STORAGE = f"""
SELECT {_BUCKET} AS settlementdate, region_id, avg(stored_mwh) AS stored_mwh
FROM region_storage
WHERE {_BATTERY_REGION} AND {_WINDOW}
GROUP BY ALL ORDER BY 1, 2
"""

BATTERY_TIME_OF_DAY = f"""
WITH per AS (
    SELECT settlementdate, sum(charge_mw) AS charge_mw, sum(discharge_mw) AS discharge_mw
    FROM battery_flows WHERE {_BATTERY_REGION} AND {_WINDOW} GROUP BY 1
)
SELECT strftime(time_bucket(to_minutes($slot), settlementdate - INTERVAL 5 MINUTE), '%H:%M') AS slot,
       avg(charge_mw) AS charge_mw, avg(discharge_mw) AS discharge_mw
FROM per GROUP BY 1 ORDER BY 1
"""

BATTERY_SUMMARY = """
SELECT * FROM battery_summary($start, $end)
WHERE $region = 'NEM' OR region_id = $region
ORDER BY CASE level WHEN 'nem' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, discharged_mwh DESC
"""
