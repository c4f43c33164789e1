-- utilisation
-- Generation as a share of registered capacity, per region (and NEM) x fuel class x interval.
--
-- Grain:    one row per (settlementdate, region_id, fuel_class)
-- Keys:     settlementdate, region_id, fuel_class
-- Sources:  fuel_stack (mw), duid_info (registered_capacity_mw summed per region and class)
-- Caveats:  capacity_mw is the registered capacity of every registry DUID of that region and class
--           (the registry is a current snapshot, so history uses today's fleet; the history layer's
--           retired units classify backfilled MW but add no capacity). Only classes with
--           capacity: no Rooftop Solar, Transmission, Battery Charging or Pumps.
--           Capacity factor over a window: sum(mw) / (capacity_mw * intervals in the window), or
--           the capacity_factor(start_ts, end_ts) table macro below (missing intervals count as 0).

create or replace view _class_capacity as
with per_region as (
    select region_id, fuel_class, sum(registered_capacity_mw) as capacity_mw
    from duid_info
    where region_id is not null and registered_capacity_mw > 0 and not is_historical
      and fuel_class not in ('Battery Charging', 'Pumps')
    group by region_id, fuel_class
)
select * from per_region
union all
select 'NEM' as region_id, fuel_class, sum(capacity_mw) as capacity_mw from per_region group by fuel_class;

create or replace view utilisation as
select
    s.settlementdate,
    s.region_id,
    s.fuel_class,
    s.mw,
    c.capacity_mw,
    100 * s.mw / c.capacity_mw as utilisation_pct
from fuel_stack as s
inner join _class_capacity as c on c.region_id = s.region_id and c.fuel_class = s.fuel_class;

comment on view utilisation is
    'MW / registered capacity (%) per region (+ NEM) x fuel class x 5-min interval. Grain: settlementdate x region_id x fuel_class.';

create or replace macro capacity_factor(start_ts, end_ts) as table
with per_class as (
    select region_id, fuel_class, sum(mw) * 5 / 60 as energy_mwh, any_value(capacity_mw) as capacity_mw
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
    'capacity_factor(start_ts, end_ts): energy / (registered capacity x window hours) per region x fuel class. Grain: region_id x fuel_class.';
