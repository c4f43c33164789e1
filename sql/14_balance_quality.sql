-- balance_quality
-- The energy balance of the newest day per region, summarised: a mapping error (a big DUID in the
-- wrong region, a unit missing from the registry) shows as a residual far from 0, without SQL.
--
-- Grain:    one row per region_id with dispatch data in the newest day
-- Keys:     region_id
-- Sources:  energy_balance (its primary residual vs TOTALDEMAND, and vs DEMAND_AND_NONSCHEDGEN)
-- Caveats:  "Newest day" is the 24 hours up to the newest DISPATCHREGIONSUM interval, so the cost is
--           one day of SCADA however long the warehouse. A healthy region reads a mean residual
--           within a few % (SCADA timing and unallocated losses; see energy_balance); `aemo-wh health`
--           prints this view and flags |mean residual| > 5 %.

create or replace view balance_quality as
with

newest as (
    select max(settlementdate) as last_interval from dispatch_regionsum where intervention = 0
)

select
    b.region_id,
    min(b.settlementdate) as first_interval,
    max(b.settlementdate) as last_interval,
    count(*) as intervals,
    avg(b.residual_pct) as mean_residual_pct,
    max(abs(b.residual_pct)) as max_abs_residual_pct,
    avg(b.residual_nonsched_pct) as mean_residual_nonsched_pct,
    avg(b.unregistered_mw) as mean_unregistered_mw
from energy_balance as b, newest as n
where b.settlementdate > n.last_interval - interval 1 day and b.settlementdate <= n.last_interval
group by b.region_id
order by b.region_id;

comment on view balance_quality is
    'Newest day per region: mean and worst energy-balance residual (% of TOTALDEMAND), vs DEMAND_AND_NONSCHEDGEN, unregistered SCADA MW. Grain: region_id.';
