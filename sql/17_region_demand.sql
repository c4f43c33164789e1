-- region_demand
-- Regional demand per 5-minute interval, AEMO's figures plus rooftop PV.
--
-- Grain:    one row per (settlementdate, region_id) with a DISPATCHREGIONSUM row (intervention 0)
-- Keys:     settlementdate, region_id
-- Sources:  dispatch_regionsum (totaldemand, demand_and_nonschedgen), rooftop_5min (mw)
-- Caveats:  total_demand_mw is TOTALDEMAND: met by scheduled and semi-scheduled generation plus net
--           import (AEMO's dispatch "operational demand"); demand_and_nonschedgen_mw adds AEMO's
--           estimate of non-scheduled generation. underlying_mw = demand_and_nonschedgen + rooftop PV:
--           what the region consumed including what rooftops supplied behind the meter (a
--           rooftop-driven minimum-demand day shows low total_demand_mw, not low underlying_mw).
--           rooftop_mw is null where rooftop_5min has no estimate (then underlying_mw is null too).

create or replace view region_demand as
select
    d.settlementdate,
    d.regionid as region_id,
    d.totaldemand as total_demand_mw,
    d.demand_and_nonschedgen as demand_and_nonschedgen_mw,
    r.mw as rooftop_mw,
    d.demand_and_nonschedgen + r.mw as underlying_mw
from dispatch_regionsum as d
left join rooftop_5min as r on r.settlementdate = d.settlementdate and r.region_id = d.regionid
where d.intervention = 0;

comment on view region_demand is
    'TOTALDEMAND, DEMAND_AND_NONSCHEDGEN and rooftop PV per region per 5-min interval; underlying = non-scheduled-inclusive demand + rooftop. Grain: settlementdate x region_id.';
