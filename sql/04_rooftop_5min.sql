-- rooftop_5min
-- Rooftop PV (MW) per main region at 5-minute grain, interpolated from AEMO's half-hourly estimates.
--
-- Grain:    one row per (settlementdate, region_id)
-- Keys:     settlementdate, region_id
-- Sources:  rooftop_pv_actual (interval_datetime, regionid, type, power)
-- Caveats:  Only NSW1 QLD1 SA1 TAS1 VIC1: the sub-regions QLDC/QLDN/QLDS and TASN/TASS already sum
--           into their parent. Per half hour the best estimate type wins: DAILY > MEASUREMENT >
--           SATELLITE. Interpolation (the seed's rule): for the six 5-minute intervals j = 0..5
--           from a half-hour value v_t to the next v_t+1: mw = ((6 - j) * v_t + j * v_t+1) / 6.
--           Alignment: the half-hour value is taken as the MW at its interval_datetime T, so
--           settlementdate = T + 5j minutes (j = 0 reproduces v_t at T exactly). When the next
--           half hour is missing (the live edge, or a gap) v_t is carried forward for T .. T+25.
--           Energy over a window with equal boundary values (e.g. night to night) equals the
--           half-hourly energy exactly; otherwise they differ by 2.5 * (v_start - v_end) / 12 MWh.
--           Materialised per refresh (see below): readers call aemo_wh.views.refresh(con).

create or replace view _rooftop_5min_calc as
with

best as (
    select interval_datetime, regionid as region_id, power
    from rooftop_pv_actual
    where regionid in ('NSW1', 'QLD1', 'SA1', 'TAS1', 'VIC1') and power is not null
    qualify row_number() over (
        partition by interval_datetime, regionid
        order by case upper(type) when 'DAILY' then 0 when 'MEASUREMENT' then 1 when 'SATELLITE' then 2 else 3 end,
                 lastchanged desc nulls last
    ) = 1
),

points as (
    select
        interval_datetime as t,
        region_id,
        power as v,
        lead(interval_datetime) over w as t_next,
        lead(power) over w as v_next
    from best
    window w as (partition by region_id order by interval_datetime)
),

final as (
    select
        p.t + to_minutes(5 * j.j) as settlementdate,
        p.region_id,
        case
            -- ((6 - j) * v + j * v_next) / 6, written so that j = 0 gives v exactly
            when p.t_next = p.t + interval 30 minute then p.v + j.j * (p.v_next - p.v) / 6
            else p.v
        end as mw
    from points as p
    cross join range(6) as j(j)
)

select * from final;

-- Materialised once per refresh (views.refresh re-runs this file when a manifest changes): the
-- interpolation needs a window over the whole half-hourly series, which no time filter can push
-- into, and the result is small (~0.5 M rows a year).
create or replace table _rooftop_5min_cache as
select * from _rooftop_5min_calc order by settlementdate, region_id;

create or replace view rooftop_5min as select settlementdate, region_id, mw from _rooftop_5min_cache;

comment on view rooftop_5min is
    'Rooftop PV MW per main region, half-hourly estimates interpolated to 5-min (DAILY > MEASUREMENT > SATELLITE). Grain: settlementdate x region_id.';
