-- price_pivot(start_ts, end_ts)
-- The base of the Average Price Analysis: per region x fuel class x station x DUID over a window.
--
-- Grain:    one row per (duid, fuel_class) with SCADA in the window
-- Keys:     duid, fuel_class (region_id, station_name, participant are the DUID's attributes)
-- Sources:  unit_revenue, duid_info (capacity)
-- Caveats:  A table macro so the window is bound, never formatted into SQL:
--           `select * from price_pivot($start, $end)`. Intervals with start_ts < settlementdate
--           <= end_ts (interval-end labels). generation_gwh and revenue_musd are signed
--           (consumption negative); price_per_mwh = revenue / energy (volume-weighted);
--           utilisation_pct = energy / (registered capacity x window hours) x 100.
--           DUIDs not in the registry (no region, no price) are left out: see unknown_duids.
--           Batteries split by sign as in fuel_stack: a 'Battery' DUID's discharging intervals are
--           its 'Battery' row (energy sold, revenue, average sell price) and its charging intervals
--           a second 'Battery Charging' row (energy bought and its cost, both negative, so the
--           price is the average price paid). The charging row of such a DUID carries no
--           capacity (it is counted once, on the Battery row) and so no utilisation; nor do load
--           DUIDs (pumps, old battery charge units), so a station group's capacity and utilisation
--           are its generating units' (Wivenhoe 570 MW, not 1,050 with its pumps).

create or replace macro price_pivot(start_ts, end_ts) as table
with

window_rows as (
    select
        * replace (case when fuel_class = 'Battery' and mw < 0 then 'Battery Charging' else fuel_class end as fuel_class),
        fuel_class = 'Battery' and mw < 0 as is_split_charging
    from unit_revenue
    where settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
      and region_id is not null
),

per_duid as (
    select
        duid,
        fuel_class,
        bool_or(is_split_charging) as is_split_charging,
        any_value(region_id) as region_id,
        any_value(station_name) as station_name,
        any_value(participant) as participant,
        sum(energy_mwh) as energy_mwh,
        sum(revenue_aud) as revenue_aud
    from window_rows
    group by duid, fuel_class
),

sized as (
    select p.*, case when p.is_split_charging or d.dispatch_type = 'load' then null
                     else d.registered_capacity_mw end as capacity_mw
    from per_duid as p
    left join duid_info as d on d.duid = p.duid
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
        / nullif(p.capacity_mw * epoch(end_ts::timestamp - start_ts::timestamp) / 3600, 0)
        as utilisation_pct,
    p.capacity_mw
from sized as p;

comment on macro table price_pivot is
    'price_pivot(start_ts, end_ts): GWh, $M, volume-weighted $/MWh, utilisation % and capacity per DUID (batteries split into Battery / Battery Charging) over a window. Grain: duid x fuel_class.';
