-- cumulative_price(start_ts, end_ts)
-- The cumulative price: per region, the sum of the 5-minute prices over the rolling 7 days
-- (2,016 intervals) ending at each interval, against the cumulative price threshold (CPT).
--
-- Grain:    one row per (settlementdate, region_id) of region_price with start_ts < settlementdate <= end_ts
-- Keys:     settlementdate, region_id
-- Sources:  region_price (rrp; read from start_ts - 7 days), market_price_settings (the CPT in force)
-- Caveats:  A table macro, not a view: it reads only the 7 days before the window and the window,
--           so its cost follows the window (a window function over a view would read all history).
--           The sum covers the intervals ending in (T - 7 days, T]: 2,016 when none is missing;
--           `intervals` says how many were summed (a gap makes the sum smaller, never invented).
--           pct_of_cpt = 100 x cumulative_price / cumulative_price_threshold. When it reaches the
--           threshold AEMO applies administered pricing (the administered price cap) in the region.
--           The CPT before 2021-10-01 applied to 30-minute prices (see market_price_settings).

create or replace macro cumulative_price(start_ts, end_ts) as table
with

prices as (
    select settlementdate, region_id, rrp
    from region_price
    where settlementdate > start_ts::timestamp - interval 7 day and settlementdate <= end_ts::timestamp
),

rolling as (
    select
        settlementdate,
        region_id,
        rrp,
        sum(rrp) over w as cumulative_price,
        count(rrp) over w as intervals
    from prices
    window w as (partition by region_id order by settlementdate
                 range between interval 10075 minute preceding and current row)
)

select
    r.settlementdate,
    r.region_id,
    r.rrp,
    r.cumulative_price,
    r.intervals,
    s.cumulative_price_threshold,
    100 * r.cumulative_price / nullif(s.cumulative_price_threshold, 0) as pct_of_cpt
from rolling as r
asof left join market_price_settings as s on r.settlementdate > s.effective_from::timestamp
where r.settlementdate > start_ts::timestamp;

comment on macro table cumulative_price is
    'Rolling 7-day (2,016-interval) sum of the regional price per interval against the cumulative price threshold in force. Grain: settlementdate x region_id over (start_ts, end_ts].';
