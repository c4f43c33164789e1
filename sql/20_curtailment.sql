-- curtailment
-- Semi-scheduled wind and solar: what could have run (UIGF), what was dispatched, what was curtailed.
--
-- Grain:    one row per (settlementdate, region_id, fuel) with a DISPATCHREGIONSUM row (intervention 0)
--           that carries a semi-scheduled figure
-- Keys:     settlementdate, region_id, fuel
-- Sources:  dispatch_regionsum (ss_solar_uigf, ss_solar_clearedmw, ss_wind_uigf, ss_wind_clearedmw;
--           uigf, semischedule_clearedmw), region_price (rrp)
-- Caveats:  available_mw is AEMO's UIGF (unconstrained intermittent generation forecast) for the
--           region's semi-scheduled units, cleared_mw their dispatch target; curtailed_mw =
--           max(available - cleared, 0), curtailed_mwh = curtailed_mw x 5/60. It counts economic
--           curtailment (output bid away at low or negative prices) and network curtailment
--           (constraints) alike: the regional figures do not tell them apart.
--           fuel is 'Solar' / 'Wind' where the file has AEMO's split (the SS_* columns, REGIONSUM
--           v8+ from 2023); an older file has only the unsplit UIGF and SEMISCHEDULE_CLEAREDMW,
--           kept as one fuel 'Wind and solar' (never added to a split row of the same interval).
--           Non-scheduled wind and solar (small farms) have no UIGF and are not in this view.
--           rrp is null when the interval has no price yet.

create or replace view curtailment as
with

split as (
    select settlementdate, regionid, 'Solar' as fuel, ss_solar_uigf as available_mw, ss_solar_clearedmw as cleared_mw
    from dispatch_regionsum
    where intervention = 0 and (ss_solar_uigf is not null or ss_wind_uigf is not null)
    union all
    select settlementdate, regionid, 'Wind', ss_wind_uigf, ss_wind_clearedmw
    from dispatch_regionsum
    where intervention = 0 and (ss_solar_uigf is not null or ss_wind_uigf is not null)
    union all
    select settlementdate, regionid, 'Wind and solar', uigf, semischedule_clearedmw
    from dispatch_regionsum
    where intervention = 0 and ss_solar_uigf is null and ss_wind_uigf is null and uigf is not null
)

select
    s.settlementdate,
    s.regionid as region_id,
    s.fuel,
    s.available_mw,
    s.cleared_mw,
    greatest(s.available_mw - s.cleared_mw, 0) as curtailed_mw,
    greatest(s.available_mw - s.cleared_mw, 0) * 5 / 60 as curtailed_mwh,
    p.rrp
from split as s
left join region_price as p on p.settlementdate = s.settlementdate and p.region_id = s.regionid
where s.available_mw is not null;

comment on view curtailment is
    'Semi-scheduled wind / solar UIGF, cleared MW and curtailed MW (max(UIGF - cleared, 0)) per region per 5-min interval, with the RRP. Grain: settlementdate x region_id x fuel.';
