-- utilisation
-- Generation as a share of registered capacity, per region (and NEM) x fuel class x interval.
--
-- Grain:    one row per (settlementdate, region_id, fuel_class)
-- Keys:     settlementdate, region_id, fuel_class
-- Sources:  unit_scada x duid_info (MW as fuel_stack counts it; registered_capacity_mw of the units present)
-- Caveats:  capacity_mw is the fleet of that interval: the registered capacity of the region's
--           units of that class that have a SCADA row in the interval (running or at 0 MW), so a
--           backfilled 2019 interval counts Liddell (history layer) and today's does not, and a unit
--           registered but not yet reporting adds nothing. Units that report no SCADA at all (small
--           non-scheduled plant) are in neither mw nor capacity. Only generating classes with
--           capacity: no Rooftop Solar, Transmission, Battery Charging, Pumps or load DUIDs; mw
--           equals fuel_stack's (every registry load is Battery Charging or Pumps; an override
--           giving a load another class would leave its consumption out of mw here only).
--           Capacity factor over a window: sum(mw) / sum(capacity_mw) over its intervals, or the
--           capacity_factor(start_ts, end_ts) table macro below (mean capacity x window hours, so
--           missing intervals count as 0).

-- One pass over the window's SCADA: MW as fuel_stack counts it for these classes (generators clamped at
-- 0, batteries' discharging side) and the registered capacity of every unit reporting, per interval.
create or replace view utilisation as
with

units as (
    select
        s.settlementdate,
        d.region_id,
        d.fuel_class,
        greatest(s.scadavalue, 0) as mw,
        case when d.registered_capacity_mw > 0 then d.registered_capacity_mw else 0 end as capacity_mw
    from unit_scada as s
    join duid_info as d on d.duid = s.duid
    where s.scadavalue is not null and d.region_id is not null
      and d.fuel_class not in ('Battery Charging', 'Pumps') and d.dispatch_type is distinct from 'load'
),

grouped as (
    select
        settlementdate,
        coalesce(region_id, 'NEM') as region_id,
        fuel_class,
        sum(mw) as mw,
        sum(capacity_mw) as capacity_mw
    from units
    group by grouping sets ((settlementdate, region_id, fuel_class), (settlementdate, fuel_class))
)

select settlementdate, region_id, fuel_class, mw, capacity_mw, 100 * mw / capacity_mw as utilisation_pct
from grouped
where capacity_mw > 0;

comment on view utilisation is
    'MW / registered capacity of the units reporting that interval (%) per region (+ NEM) x fuel class x 5-min interval. Grain: settlementdate x region_id x fuel_class.';

create or replace macro capacity_factor(start_ts, end_ts) as table
with per_class as (
    select region_id, fuel_class, sum(mw) * 5 / 60 as energy_mwh, avg(capacity_mw) as capacity_mw
    from utilisation
    where settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
    group by region_id, fuel_class
)
select
    region_id,
    fuel_class,
    energy_mwh,
    capacity_mw,
    100 * energy_mwh / (capacity_mw * epoch(end_ts::timestamp - start_ts::timestamp) / 3600) as capacity_factor_pct
from per_class;

comment on macro table capacity_factor is
    'capacity_factor(start_ts, end_ts): energy / (mean fleet capacity x window hours) per region x fuel class. Grain: region_id x fuel_class.';
