-- data_quality
-- Coverage and health per raw table: expected vs present intervals, frozen SCADA, unknown DUIDs.
--
-- Grain:    one row per raw time-series table
-- Keys:     table_name
-- Sources:  unit_scada, dispatch_price, dispatch_regionsum, dispatch_interconnectorres,
--           dispatch_interconnection, rooftop_pv_actual, trading_price; unknown_duids
-- Caveats:  expected_intervals counts the grid from first to last interval (5 min; rooftop 30 min;
--           trading_price 30 min before 2021-10-01 and 5 min after), so gaps before the first file
--           are not counted. stale_runs (unit_scada only): runs of >= 12 identical non-zero SCADA
--           values in a row (an hour frozen, the signature of a failed SCADA link) in the last
--           24 hours of data (the stale_scada_runs macro; the daily report runs it over its day).
--           Scans whole tables: for ops pages and the SQL shell, not for charts or reports.

-- stale_scada_runs(start_ts, end_ts): runs of >= 12 identical non-zero SCADA values in a row (an
-- hour frozen, the signature of a failed SCADA link) within start_ts < settlementdate <= end_ts.
-- Grain: duid x run. The daily report reads its day; data_quality below reads the last 24 hours.
create or replace macro stale_scada_runs(start_ts, end_ts) as table
select duid, scadavalue, count(*) as run_length, min(settlementdate) as first_interval,
       max(settlementdate) as last_interval
from (
    select
        duid,
        scadavalue,
        settlementdate,
        row_number() over (partition by duid order by settlementdate)
            - row_number() over (partition by duid, scadavalue order by settlementdate) as grp
    from unit_scada
    where settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
)
where scadavalue <> 0
group by duid, scadavalue, grp
having count(*) >= 12;

create or replace view data_quality as
with

times as (
    select 'unit_scada' as table_name, 5 as minutes, min(settlementdate) as first_interval,
           max(settlementdate) as last_interval, count(distinct settlementdate) as present_intervals
    from unit_scada
    union all
    select 'dispatch_price', 5, min(settlementdate), max(settlementdate), count(distinct settlementdate)
    from dispatch_price
    union all
    select 'dispatch_regionsum', 5, min(settlementdate), max(settlementdate), count(distinct settlementdate)
    from dispatch_regionsum
    union all
    select 'dispatch_interconnectorres', 5, min(settlementdate), max(settlementdate),
           count(distinct settlementdate)
    from dispatch_interconnectorres
    union all
    select 'dispatch_interconnection', 5, min(settlementdate), max(settlementdate),
           count(distinct settlementdate)
    from dispatch_interconnection
    union all
    select 'rooftop_pv_actual', 30, min(interval_datetime), max(interval_datetime),
           count(distinct interval_datetime)
    from rooftop_pv_actual
    union all
    select 'trading_price', 0, min(settlementdate), max(settlementdate), count(distinct settlementdate)
    from trading_price
),

expected as (
    select
        *,
        case
            when first_interval is null then 0
            when minutes > 0 then epoch(last_interval - first_interval) // (60 * minutes) + 1
            else  -- trading_price: 30-minute intervals up to 2021-10-01 00:00, 5-minute after
                (case when first_interval <= timestamp '2021-10-01 00:00:00'
                    then epoch(least(last_interval, timestamp '2021-10-01 00:00:00') - first_interval) // 1800 + 1
                    else 0 end)
                + (case when last_interval > timestamp '2021-10-01 00:00:00'
                    then epoch(last_interval - greatest(first_interval, timestamp '2021-10-01 00:00:00')) // 300
                        + (case when first_interval > timestamp '2021-10-01 00:00:00' then 1 else 0 end)
                    else 0 end)
        end::bigint as expected_intervals
    from times
),

last_day as (
    select max(settlementdate) - interval 1 day as start_ts, max(settlementdate) as end_ts from unit_scada
),

runs as (
    select r.* from last_day as l, stale_scada_runs(l.start_ts, l.end_ts) as r
)

select
    e.table_name,
    e.first_interval,
    e.last_interval,
    e.expected_intervals,
    e.present_intervals,
    e.expected_intervals - e.present_intervals as missing_intervals,
    case when e.table_name = 'unit_scada' then (select count(*) from runs) end as stale_runs,
    case when e.table_name = 'unit_scada' then (select count(*) from unknown_duids) end as unknown_duids
from expected as e;

comment on view data_quality is
    'Per raw table: first/last interval, expected vs present intervals, missing, frozen SCADA runs, unknown DUIDs. Grain: table_name.';

comment on macro table stale_scada_runs is
    'stale_scada_runs(start_ts, end_ts): runs of >= 12 identical non-zero SCADA values per DUID in the window. Grain: duid x run.';
