-- price_pivot(start_ts, end_ts)
-- The base of the Average Price Analysis: per region x fuel class x station x DUID over a window.
--
-- Grain:    one row per duid with SCADA in the window
-- Keys:     duid (region_id, fuel_class, station_name, participant are its attributes)
-- Sources:  unit_revenue, duid_info (capacity)
-- Caveats:  A table macro so the window is bound, never formatted into SQL:
--           `select * from price_pivot($start, $end)`. Intervals with start_ts < settlementdate
--           <= end_ts (interval-end labels). generation_gwh and revenue_musd are signed
--           (consumption negative); price_per_mwh = revenue / energy (volume-weighted);
--           utilisation_pct = energy / (registered capacity x window hours) x 100.
--           DUIDs not in the registry (no region, no price) are left out: see unknown_duids.

create or replace macro price_pivot(start_ts, end_ts) as table
with

window_rows as (
    select *
    from unit_revenue
    where settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
      and region_id is not null
),

per_duid as (
    select
        duid,
        any_value(region_id) as region_id,
        any_value(fuel_class) as fuel_class,
        any_value(station_name) as station_name,
        any_value(participant) as participant,
        sum(energy_mwh) as energy_mwh,
        sum(revenue_aud) as revenue_aud
    from window_rows
    group by duid
)

select
    p.region_id,
    p.fuel_class,
    p.station_name,
    p.duid,
    p.participant,
    p.energy_mwh / 1e3 as generation_gwh,
    p.revenue_aud / 1e6 as revenue_musd,
    p.revenue_aud / nullif(p.energy_mwh, 0) as price_per_mwh,
    100 * p.energy_mwh
        / nullif(d.registered_capacity_mw * epoch(end_ts::timestamp - start_ts::timestamp) / 3600, 0)
        as utilisation_pct,
    d.registered_capacity_mw as capacity_mw
from per_duid as p
left join duid_info as d on d.duid = p.duid;

comment on macro table price_pivot is
    'price_pivot(start_ts, end_ts): GWh, $M, volume-weighted $/MWh, utilisation % and capacity per DUID over a window. Grain: duid.';
