-- fuel_stack
-- MW by fuel class per region (and the whole NEM) per 5-minute interval, in long format.
--
-- Grain:    one row per (settlementdate, region_id, fuel_class) with data
-- Keys:     settlementdate, region_id, fuel_class
-- Sources:  unit_generation (SCADA + registry), rooftop_5min, region_net_flow
-- Caveats:  region_id is NSW1 QLD1 SA1 TAS1 VIC1 or NEM (the sum of the five).
--           Bidirectional batteries split by sign: MW > 0 is 'Battery', MW < 0 'Battery Charging'.
--           Load DUIDs (pumps, old battery L units) report positive consumption: shown as -MW
--           under 'Pumps' / 'Battery Charging'. Other generators are clamped at 0 (their small
--           negative night-time auxiliary load is not generation). 'Rooftop Solar' comes from
--           rooftop_5min; 'Transmission' is the region's net metered import (+ importing,
--           - exporting) and exists only for the five regions (it cancels over the NEM).
--           DUIDs not in the registry (no region) are left out; see unknown_duids.
--           Speed: a settlementdate window reaches every parquet scan. A literal region_id also
--           prunes the NEM branch at plan time; a bound parameter cannot, so long windows for one
--           region cost about twice as much with `region_id = ?` (bench/bench_views.py).

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
