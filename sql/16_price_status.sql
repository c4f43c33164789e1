-- price_status
-- Each regional 5-minute price with the market settings in force and what it means for the market.
--
-- Grain:    one row per (settlementdate, region_id) of region_price
-- Keys:     settlementdate, region_id
-- Sources:  region_price (rrp, administered / suspended flags of DISPATCHPRICE),
--           market_price_settings (the row in force: effective_from before the interval's end)
-- Caveats:  status is the first that applies: 'administered' (APCFLAG set: administered pricing),
--           'suspended' (MARKETSUSPENDEDFLAG), 'at cap' (rrp >= the market price cap), 'at floor'
--           (rrp <= the market floor price), 'high' (rrp >= $300), 'negative' (rrp < 0), 'normal'.
--           An interval before the first settings row has no cap or floor (it cannot be 'at cap').
--           The interval ending 00:00 on 1 July belongs to the year before (interval ends).

create or replace view price_status as
select
    p.settlementdate,
    p.region_id,
    p.rrp,
    p.price_source,
    p.administered,
    p.suspended,
    s.financial_year,
    s.market_price_cap,
    s.market_floor_price,
    s.administered_price_cap,
    s.cumulative_price_threshold,
    case
        when p.administered then 'administered'
        when p.suspended then 'suspended'
        when p.rrp >= s.market_price_cap then 'at cap'
        when p.rrp <= s.market_floor_price then 'at floor'
        when p.rrp >= 300 then 'high'
        when p.rrp < 0 then 'negative'
        else 'normal'
    end as status
from region_price as p
asof left join market_price_settings as s on p.settlementdate > s.effective_from::timestamp;

comment on view price_status is
    'Regional price per 5-min interval with the settings in force and a status (administered, suspended, at cap, at floor, high, negative, normal). Grain: settlementdate x region_id.';
