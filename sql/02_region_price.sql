-- region_price
-- 5-minute regional reference price (RRP, $/MWh, excl. GST) per region.
--
-- Grain:    one row per (settlementdate, region_id)
-- Keys:     settlementdate, region_id
-- Sources:  dispatch_price (rrp, intervention = 0: the pricing run);
--           trading_price, only for intervals up to 2021-10-01 00:00 that have no dispatch price:
--           a 30-minute trading price ending at T fills the six 5-minute intervals T-25 .. T.
-- Caveats:  price_source says which ('dispatch' | 'trading'). administered / suspended are
--           DISPATCHPRICE's APCFLAG / MARKETSUSPENDEDFLAG (false for trading-filled rows). Since 5-minute settlement
--           (2021-10-01) the dispatch RRP is the settlement price, so no trading fill is needed.
--           settlementdate is the interval END in NEM time (UTC+10).

create or replace view region_price as
with

dispatch as (
    select settlementdate, regionid as region_id, rrp, 'dispatch' as price_source,
           coalesce(apcflag, 0) <> 0 as administered, coalesce(marketsuspendedflag, 0) <> 0 as suspended
    from dispatch_price
    where intervention = 0
),

trading_5min as (
    select
        t.settlementdate - to_minutes(5 * k.k) as settlementdate,
        t.regionid as region_id,
        t.rrp,
        'trading' as price_source,
        false as administered,
        false as suspended
    from trading_price as t
    cross join range(6) as k(k)
    where t.settlementdate <= timestamp '2021-10-01 00:00:00'
),

trading_fill as (
    select t.*
    from trading_5min as t
    anti join dispatch as d on d.settlementdate = t.settlementdate and d.region_id = t.region_id
    where t.settlementdate <= timestamp '2021-10-01 00:00:00'
)

select * from dispatch
union all
select * from trading_fill;

comment on view region_price is
    'Regional reference price $/MWh per 5-min interval (dispatch RRP, intervention 0; pre-Oct-2021 gaps filled from trading price). Grain: settlementdate x region_id.';
