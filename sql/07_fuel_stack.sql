-- fuel_stack
-- MW by fuel class per region (and the whole NEM) per 5-minute interval, in long format.
--
-- Grain:    one row per (settlementdate, region_id, fuel_class) with data
-- Keys:     settlementdate, region_id, fuel_class
-- Sources:  unit_generation (SCADA + registry), rooftop_5min, region_net_flow; the macro
--           fuel_stack_range (below) reads unit_scada + duid_info, rooftop_5min, interconnector_flow
-- Caveats:  region_id is NSW1 QLD1 SA1 TAS1 VIC1 or NEM (the sum of the five).
--           Bidirectional batteries split by sign: MW > 0 is 'Battery', MW < 0 'Battery Charging'.
--           Load DUIDs (pumps, old battery L units) report positive consumption: shown as -MW
--           under 'Pumps' / 'Battery Charging'. Other generators are clamped at 0 (their small
--           negative night-time auxiliary load is not generation). 'Rooftop Solar' comes from
--           rooftop_5min; 'Transmission' is the region's net metered import (+ importing,
--           - exporting) and exists only for the five regions (it cancels over the NEM).
--           DUIDs not in the registry (no region) are left out; see unknown_duids.
--           Speed: a settlementdate window reaches every parquet scan, and a region_id filter
--           (literal or bound: DuckDB 2.0 plans a bound value like a literal) prunes the NEM branch
--           and reaches the duid_info join. What stays costly over long windows is the ~1 M
--           (interval x fuel) groups per region-year and timestamp arithmetic per row: for windows
--           averaged into buckets use fuel_stack_range below (the dashboard does), ~2x faster.

create or replace view _unit_stack as
select
    settlementdate,
    region_id,
    case
        when dispatch_type = 'bidirectional' or fuel_class = 'Battery'
            then case when mw < 0 then 'Battery Charging' else 'Battery' end
        else fuel_class
    end as fuel_class,
    case
        when dispatch_type = 'bidirectional' or fuel_class = 'Battery' then mw
        when dispatch_type = 'load' or fuel_class in ('Pumps', 'Battery Charging') then -mw
        else greatest(mw, 0)
    end as mw
from unit_generation
where region_id is not null and mw is not null;

-- The NEM rows are a separate branch with a constant region_id (not a grouping set), so a filter
-- on one region prunes the NEM branch and pushes the region down to the unit join.
create or replace view fuel_stack as
with

regional as (
    select settlementdate, region_id, fuel_class, sum(mw) as mw
    from _unit_stack
    group by settlementdate, region_id, fuel_class
    union all
    select settlementdate, region_id, 'Rooftop Solar' as fuel_class, mw from rooftop_5min
    union all
    select settlementdate, region_id, 'Transmission' as fuel_class, net_import_mw as mw from region_net_flow
),

nem as (
    select settlementdate, 'NEM' as region_id, fuel_class, sum(mw) as mw
    from _unit_stack
    group by settlementdate, fuel_class
    union all
    select settlementdate, 'NEM' as region_id, 'Rooftop Solar' as fuel_class, sum(mw) as mw
    from rooftop_5min
    group by settlementdate
)

select * from regional
union all
select * from nem;

comment on view fuel_stack is
    'MW by fuel class per region (+ NEM) per 5-min interval, long format; charging/pumps negative; Transmission = net import (regions only). Grain: settlementdate x region_id x fuel_class.';

-- fuel_stack_range(region, start_ts, end_ts, bucket_minutes): fuel_stack for one region (or 'NEM')
-- over settlementdate in (start_ts, end_ts], averaged into buckets of bucket_minutes labelled by
-- their END like SETTLEMENTDATE, i.e. the same rows and numbers as
--     select time_bucket(to_minutes(b), settlementdate - interval 5 minute) + to_minutes(b),
--            fuel_class, avg(mw), sum(mw) * 5 / 60, count(*)
--     from fuel_stack where region_id = ? and <window> group by all
-- but about twice as fast for long windows: unit_scada rows are reduced straight to integer
-- (sub-bucket, fuel code) groups before any timestamp arithmetic or string work, so a year of one
-- region is ~80 k hash groups instead of ~1 M (interval x fuel) groups. The number of 5-minute
-- intervals with data in a bucket (the avg's denominator) is kept exactly as a bitmask of the
-- (at most 12) intervals of each sub-bucket (gcd(bucket_minutes, 60) minutes, which nests in the
-- bucket). Columns: settlementdate (bucket end), region_id, fuel_class, mw (mean over the
-- intervals with data), intervals (that count), energy_mwh (sum of MW x 5/60).
-- Caveat: assumes 5-minute-grid settlementdates (as AEMO publishes; two rows in one 5-minute slot
-- would count as one interval); bucket_minutes a positive multiple of 5.
create or replace macro fuel_stack_range(region, start_ts, end_ts, bucket_minutes) as table
with

units as (
    select
        duid,
        fuel_class,
        dispatch_type = 'bidirectional' or fuel_class = 'Battery' as is_battery,
        dispatch_type = 'load' or fuel_class in ('Pumps', 'Battery Charging') as is_load
    from duid_info
    where region_id is not null and (region::varchar = 'NEM' or region_id = region::varchar)
),

codes as (
    select fuel_class, row_number() over (order by fuel_class) as code
    from (
        select fuel_class from units
        union select 'Battery' union select 'Battery Charging'
        union select 'Rooftop Solar' union select 'Transmission'
    )
),

unit_codes as (
    select u.duid, u.is_battery, u.is_load, c.code, b.code as neg_code
    from units as u
    join codes as c on c.fuel_class = case when u.is_battery then 'Battery' else u.fuel_class end
    join codes as b on b.fuel_class = case when u.is_battery then 'Battery Charging' else u.fuel_class end
),

rows_5min as (
    -- one row per unit or per region series and interval: (settlementdate, fuel code, MW)
    select
        s.settlementdate,
        case when s.scadavalue < 0 then u.neg_code else u.code end as code,
        case
            when u.is_battery then s.scadavalue
            when u.is_load then -s.scadavalue
            else greatest(s.scadavalue, 0)
        end as mw
    from unit_scada as s
    join unit_codes as u on u.duid = s.duid
    where s.settlementdate > start_ts::timestamp and s.settlementdate <= end_ts::timestamp
      and s.scadavalue is not null
    union all
    select r.settlementdate, (select code from codes where fuel_class = 'Rooftop Solar'), r.mw
    from (
        select settlementdate, sum(mw) as mw
        from rooftop_5min
        where (region::varchar = 'NEM' or region_id = region::varchar)
          and settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
          and mw is not null
        group by settlementdate
    ) as r
    union all
    -- region_net_flow for one region, summed the same way (DECIMAL legs, then double)
    select t.settlementdate, (select code from codes where fuel_class = 'Transmission'), t.mw
    from (
        select
            settlementdate,
            sum(case when to_region = region::varchar then metered_mw::decimal(18, 6) else 0 end
                - case when from_region = region::varchar then metered_mw::decimal(18, 6) else 0 end)::double as mw
        from interconnector_flow
        where region::varchar <> 'NEM'
          and from_region is not null and to_region is not null and metered_mw is not null
          and (from_region = region::varchar or to_region = region::varchar)
          and settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
        group by settlementdate
    ) as t
),

offsets as (
    -- x: microseconds from time_bucket's origin (2000-01-03) to the interval START
    select
        epoch_us(settlementdate) - 300000000 - 946857600000000 as x,
        gcd(bucket_minutes::bigint, 60) * 60000000 as s,
        code,
        mw
    from rows_5min
),

per_sub as (
    select
        x - ((x % s) + s) % s as sub,
        code,
        sum(mw) as mw_sum,
        bit_or(1::bigint << ((((x % s) + s) % s) // 300000000)) as mask
    from offsets
    group by all
),

per_bucket as (
    select
        sub - ((sub % (bucket_minutes::bigint * 60000000)) + bucket_minutes::bigint * 60000000)
            % (bucket_minutes::bigint * 60000000) as b,
        code,
        sum(mw_sum) as mw_sum,
        sum(bit_count(mask))::bigint as intervals
    from per_sub
    group by all
)

select
    make_timestamp(p.b + bucket_minutes::bigint * 60000000 + 946857600000000) as settlementdate,
    region::varchar as region_id,
    c.fuel_class,
    p.mw_sum / p.intervals as mw,
    p.intervals,
    p.mw_sum * 5 / 60 as energy_mwh
from per_bucket as p
join codes as c on c.code = p.code;

comment on macro table fuel_stack_range is
    'fuel_stack_range(region, start_ts, end_ts, bucket_minutes): fuel_stack of one region (or NEM) over (start, end] averaged into end-labelled buckets; mw, intervals, energy_mwh. Grain: bucket x fuel_class.';
