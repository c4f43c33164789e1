-- unit_revenue
-- Energy and spot-market revenue per DUID per 5-minute interval.
--
-- Grain:    one row per (settlementdate, duid) present in unit_scada
-- Keys:     settlementdate, duid
-- Sources:  unit_generation (mw, region, fuel class), region_price (rrp, intervention 0)
-- Caveats:  mw here is signed as the market sees it: generation +, consumption -. Load DUIDs
--           report positive consumption in SCADA, so their mw is -SCADA; bidirectional batteries
--           are already signed. energy_mwh = mw * 5/60; revenue_aud = mw * rrp * 5/60 (excl. GST,
--           no loss factors). The unit is priced at its registry region's RRP; rrp and
--           revenue_aud are null when that interval has no price yet, or the DUID no region.

create or replace view unit_revenue as
select
    g.settlementdate,
    g.duid,
    g.region_id,
    g.fuel_class,
    g.station_name,
    case when g.dispatch_type = 'load' then -g.mw else g.mw end as mw,
    p.rrp,
    (case when g.dispatch_type = 'load' then -g.mw else g.mw end) * 5 / 60 as energy_mwh,
    (case when g.dispatch_type = 'load' then -g.mw else g.mw end) * p.rrp * 5 / 60 as revenue_aud,
    g.participant
from unit_generation as g
left join region_price as p on p.settlementdate = g.settlementdate and p.region_id = g.region_id;

comment on view unit_revenue is
    'MWh and $ (MW x RRP x 5/60) per DUID per 5-min interval; consumption negative. Grain: settlementdate x duid.';
