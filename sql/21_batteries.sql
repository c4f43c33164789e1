-- battery_flows, battery_summary(start_ts, end_ts), region_storage
-- Grid batteries: what each charged and discharged, at what price, and the regions' stored energy.
--
-- Grain:    battery_flows: one row per (settlementdate, duid) of a battery DUID in unit_scada.
--           battery_summary: one row per battery (station) over (start_ts, end_ts], plus one
--           'fleet' row per region and one for the NEM (battery null, level 'region' / 'nem').
--           region_storage: one row per (settlementdate, region_id) whose DISPATCHREGIONSUM row
--           (intervention 0) carries AEMO's bidirectional-unit figures.
-- Keys:     battery_flows: settlementdate, duid; battery_summary: level, region_id, battery;
--           region_storage: settlementdate, region_id
-- Sources:  unit_generation (SCADA, registry), region_price (rrp), duid_info (storage_mwh),
--           dispatch_regionsum (bdu_energy_storage, bdu_clearedmw_gen, bdu_clearedmw_load, ...)
-- Caveats:  A battery DUID is a bidirectional unit (signed SCADA: + discharge, - charge) or a
--           'Battery' / 'Battery Charging' DUID of the pre-2025 two-DUID registrations (the L unit
--           reports its charging as positive consumption). A battery is its registry station: the
--           two DUIDs of an old battery add up to one battery. charge_mw and discharge_mw are both
--           >= 0; MWh = MW x 5/60. Prices are the battery's regional RRP (no loss factors, no FCAS:
--           batteries earn much of their revenue in FCAS, which is not here).
--           battery_summary: charge_price / discharge_price are volume-weighted over the intervals
--           with a price; spread = discharge_price - charge_price; arbitrage_aud = discharge
--           revenue - charging cost; round_trip = discharged / charged MWh (over a short window it
--           also moves with the state of charge); cycles = discharged MWh / registered storage MWh
--           (null when the registration list gives no storage). Peak MW are of the battery's (or
--           the fleet's) summed output in one interval. A table macro: cost follows the window.
--           region_storage: stored_mwh is AEMO's BDU_ENERGY_STORAGE (end of interval) summed over
--           the region's bidirectional units; files before the BDU columns (2025) have no row.

create or replace view battery_flows as
with

units as (
    select
        settlementdate, duid, station_name, region_id, mw,
        case when dispatch_type = 'bidirectional' then 'signed'
             when dispatch_type = 'load' or fuel_class = 'Battery Charging' then 'charge'
             else 'discharge' end as kind
    from unit_generation
    where dispatch_type = 'bidirectional' or fuel_class in ('Battery', 'Battery Charging')
)

select
    u.settlementdate,
    u.duid,
    coalesce(u.station_name, u.duid) as battery,
    u.region_id,
    case u.kind when 'signed' then greatest(-u.mw, 0) when 'charge' then greatest(u.mw, 0) else 0 end as charge_mw,
    case u.kind when 'signed' then greatest(u.mw, 0) when 'discharge' then greatest(u.mw, 0) else 0 end
        as discharge_mw,
    p.rrp
from units as u
left join region_price as p on p.settlementdate = u.settlementdate and p.region_id = u.region_id;

comment on view battery_flows is
    'Charge and discharge MW (both >= 0) per battery DUID per 5-min interval with the regional RRP. Grain: settlementdate x duid.';

create or replace macro battery_summary(start_ts, end_ts) as table
with

flows as (
    select * from battery_flows
    where settlementdate > start_ts::timestamp and settlementdate <= end_ts::timestamp
),

storage as (  -- registered storage per battery (station), counted once per DUID
    select coalesce(station_name, duid) as battery, region_id, sum(storage_mwh) as storage_mwh,
           string_agg(duid, ' ' order by duid) as duids
    from duid_info
    where duid in (select distinct duid from flows)
    group by all
),

per_battery as (  -- one row per (interval, battery): the two DUIDs of an old battery add up
    select settlementdate, region_id, battery, sum(charge_mw) as charge_mw, sum(discharge_mw) as discharge_mw,
           any_value(rrp) as rrp
    from flows
    group by all
),

per_region as (
    select settlementdate, region_id, sum(charge_mw) as charge_mw, sum(discharge_mw) as discharge_mw,
           any_value(rrp) as rrp
    from per_battery
    group by all
),

per_nem as (  -- each region's flows priced at its own RRP: keep the regional $ and sum them
    select settlementdate, sum(charge_mw) as charge_mw, sum(discharge_mw) as discharge_mw,
           sum(charge_mw * rrp) as charge_aud_mw, sum(discharge_mw * rrp) as discharge_aud_mw,
           sum(charge_mw) filter (where rrp is not null) as priced_charge_mw,
           sum(discharge_mw) filter (where rrp is not null) as priced_discharge_mw
    from per_region
    group by all
),

levels as (
    select 'battery' as level, region_id, battery, charge_mw, discharge_mw,
           charge_mw * rrp as charge_aud_mw, discharge_mw * rrp as discharge_aud_mw,
           case when rrp is not null then charge_mw end as priced_charge_mw,
           case when rrp is not null then discharge_mw end as priced_discharge_mw
    from per_battery
    union all
    select 'region', region_id, null, charge_mw, discharge_mw, charge_mw * rrp, discharge_mw * rrp,
           case when rrp is not null then charge_mw end, case when rrp is not null then discharge_mw end
    from per_region
    union all
    select 'nem', 'NEM', null, charge_mw, discharge_mw, charge_aud_mw, discharge_aud_mw,
           priced_charge_mw, priced_discharge_mw
    from per_nem
),

summed as (
    select
        level, region_id, battery,
        sum(charge_mw) * 5 / 60 as charged_mwh,
        sum(discharge_mw) * 5 / 60 as discharged_mwh,
        sum(charge_aud_mw) * 5 / 60 as charge_cost_aud,
        sum(discharge_aud_mw) * 5 / 60 as discharge_revenue_aud,
        sum(charge_aud_mw) / nullif(sum(priced_charge_mw), 0) as charge_price,
        sum(discharge_aud_mw) / nullif(sum(priced_discharge_mw), 0) as discharge_price,
        max(charge_mw) as peak_charge_mw,
        max(discharge_mw) as peak_discharge_mw,
        count(*) as intervals
    from levels
    group by all
),

fleet_storage as (
    select 'battery' as level, region_id, battery, storage_mwh, duids from storage
    union all
    select 'region', region_id, null, sum(storage_mwh), null from storage group by region_id
    union all
    select 'nem', 'NEM', null, sum(storage_mwh), null from storage
)

select
    s.level,
    s.region_id,
    s.battery,
    f.duids,
    s.charged_mwh,
    s.discharged_mwh,
    s.discharged_mwh / nullif(s.charged_mwh, 0) as round_trip,
    s.charge_price,
    s.discharge_price,
    s.discharge_price - s.charge_price as spread,
    s.charge_cost_aud,
    s.discharge_revenue_aud,
    coalesce(s.discharge_revenue_aud, 0) - coalesce(s.charge_cost_aud, 0) as arbitrage_aud,
    f.storage_mwh,
    s.discharged_mwh / nullif(f.storage_mwh, 0) as cycles,
    s.peak_charge_mw,
    s.peak_discharge_mw,
    s.intervals
from summed as s
left join fleet_storage as f
    on f.level = s.level and f.region_id = s.region_id and f.battery is not distinct from s.battery;

comment on macro table battery_summary is
    'Per battery (station), per regional fleet and for the NEM over (start_ts, end_ts]: MWh charged / discharged, volume-weighted prices, spread, arbitrage $, cycles, peak MW. Grain: level x region_id x battery.';

create or replace view region_storage as
select
    settlementdate,
    regionid as region_id,
    bdu_energy_storage as stored_mwh,
    bdu_initial_energy_storage as initial_stored_mwh,
    bdu_clearedmw_gen as cleared_gen_mw,
    bdu_clearedmw_load as cleared_load_mw,
    bdu_min_avail as min_avail_mw,
    bdu_max_avail as max_avail_mw
from dispatch_regionsum
where intervention = 0 and bdu_energy_storage is not null;

comment on view region_storage is
    'AEMO''s regional battery figures: stored MWh (BDU_ENERGY_STORAGE) and cleared MW per region per 5-min interval. Grain: settlementdate x region_id.';
