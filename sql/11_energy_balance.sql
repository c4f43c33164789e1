-- energy_balance
-- Our fidelity check: does metered supply into a region match AEMO's demand for it?
--
-- Grain:    one row per (settlementdate, region_id) with a DISPATCHREGIONSUM row
-- Keys:     settlementdate, region_id
-- Sources:  unit_generation (SCADA MW of registry DUIDs), region_net_flow (metered),
--           dispatch_regionsum (totaldemand, intervention = 0)
-- Caveats:  generation_mw = sum of unit MW signed as the market sees it: generators as
--           published, bidirectional batteries signed, load DUIDs (pumps, old battery L units)
--           as -MW. Rooftop PV is excluded (TOTALDEMAND is operational demand, net of rooftop).
--           residual_mw = generation_mw + net_import_mw - total_demand_mw; residual_pct is
--           residual / total_demand x 100. Expect a few % of residual: SCADA is a reading at the
--           interval start while TOTALDEMAND is the dispatch target, interconnector losses are
--           not allocated, and non-scheduled units with SCADA are counted here but treated as
--           negative demand in TOTALDEMAND. So residual_nonsched_* compares with
--           DEMAND_AND_NONSCHEDGEN (TOTALDEMAND + non-scheduled generation), the closer match:
--           on 2025-12-27 00:05 within 4 % in every region, where TOTALDEMAND leaves up to 11 %.

create or replace view energy_balance as
with

generation as (
    select
        settlementdate,
        region_id,
        sum(case when dispatch_type = 'load' then -mw else mw end) as generation_mw
    from unit_generation
    where region_id is not null
    group by settlementdate, region_id
),

demand as (
    select settlementdate, regionid as region_id, totaldemand, demand_and_nonschedgen
    from dispatch_regionsum
    where intervention = 0
)

select
    d.settlementdate,
    d.region_id,
    g.generation_mw,
    coalesce(f.net_import_mw, 0) as net_import_mw,
    d.totaldemand as total_demand_mw,
    g.generation_mw + coalesce(f.net_import_mw, 0) - d.totaldemand as residual_mw,
    100 * (g.generation_mw + coalesce(f.net_import_mw, 0) - d.totaldemand) / nullif(d.totaldemand, 0)
        as residual_pct,
    d.demand_and_nonschedgen as demand_and_nonschedgen_mw,
    g.generation_mw + coalesce(f.net_import_mw, 0) - d.demand_and_nonschedgen as residual_nonsched_mw,
    100 * (g.generation_mw + coalesce(f.net_import_mw, 0) - d.demand_and_nonschedgen)
        / nullif(d.demand_and_nonschedgen, 0) as residual_nonsched_pct
from demand as d
left join generation as g on g.settlementdate = d.settlementdate and g.region_id = d.region_id
left join region_net_flow as f on f.settlementdate = d.settlementdate and f.region_id = d.region_id;

comment on view energy_balance is
    'Per region and 5-min interval: SCADA generation + metered net import vs TOTALDEMAND, residual MW and %. Grain: settlementdate x region_id.';
