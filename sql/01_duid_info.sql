-- duid_info
-- The DUID registry: one row per unit with region, owner, fuel class and capacity.
--
-- Grain:    one row per duid
-- Keys:     duid
-- Sources:  _registry_base (the published warehouse table `duid_info` written by
--           `aemo-wh registry refresh`, else the workbook shipped in aemo_wh/data/); beneath it the
--           shipped history layer aemo_wh/data/duid_history.csv (variable duid_history_file: units
--           the registration list no longer names, e.g. Liddell LD01-LD04 and the pre-2025 two-DUID
--           batteries; see aemo_wh/registry/history.py); on top the user's overrides CSV
--           (settings.paths.overrides), re-read by every views.refresh(con) that finds the file
--           changed, so an edit shows on the reader's next refresh.
-- Caveats:  An override cell left blank keeps the registry value; a DUID only in the overrides is
--           added (fuel_class 'Other' when not given). Values are trimmed; fuel_class and
--           dispatch_type are matched case-insensitively. `aemo-wh registry show` validates the file.
--           is_historical marks history-layer units (not in the current registration list): they
--           classify backfilled SCADA; utilisation counts a unit's capacity only in the intervals
--           it reports SCADA, so retired units add nothing to today's fleet. classification is AEMO's
--           (Scheduled / Semi-Scheduled / Non-Scheduled, footnote marks kept); demand_class says how
--           TOTALDEMAND counts the unit ('scheduled' | 'non-scheduled', see below). storage_mwh is the
--           registration list's "Maximum storage capacity" (MWh; batteries only, null where not given).

create or replace view _duid_info_calc as
with

overrides_raw as (
    select *
    from read_csv(getvariable('duid_overrides_files'), header = true, all_varchar = true,
                  union_by_name = true, comment = '#', ignore_errors = true, null_padding = true)
),

overrides as (
    select
        upper(trim(o.duid)) as duid,
        any_value(nullif(trim(o.station_name), '')) as station_name,
        any_value(upper(nullif(trim(o.region_id), ''))) as region_id,
        any_value(nullif(trim(o.participant), '')) as participant,
        any_value(case lower(trim(o.dispatch_type))
            when 'generating unit' then 'generator' when 'generator' then 'generator'
            when 'load' then 'load' when 'scheduled load' then 'load'
            when 'bidirectional unit' then 'bidirectional' when 'bidirectional' then 'bidirectional'
        end) as dispatch_type,
        any_value(nullif(trim(o.fuel_source), '')) as fuel_source,
        any_value(nullif(trim(o.technology), '')) as technology,
        any_value(fc.fuel_class) as fuel_class,
        any_value(try_cast(nullif(trim(o.registered_capacity_mw), '') as double)) as registered_capacity_mw,
        any_value(try_cast(nullif(trim(o.max_capacity_mw), '') as double)) as max_capacity_mw,
        any_value(nullif(trim(o.classification), '')) as classification,
        any_value(try_cast(nullif(trim(o.storage_mwh), '') as double)) as storage_mwh
    from overrides_raw as o
    left join fuel_classes as fc on lower(trim(o.fuel_class)) = lower(fc.fuel_class) and fc.is_unit_class
    where coalesce(trim(o.duid), '') <> ''
    group by upper(trim(o.duid))
),

history as (
    select
        h.duid, h.station_name, h.region_id, nullif(h.participant, '') as participant, h.dispatch_type,
        h.fuel_source, h.technology, h.fuel_class,
        try_cast(h.registered_capacity_mw as double) as registered_capacity_mw,
        try_cast(h.max_capacity_mw as double) as max_capacity_mw,
        cast(null as varchar) as classification,  -- OpenNEM has none: demand_class infers it
        cast(null as double) as storage_mwh,  -- nor storage
        true as is_historical
    from read_csv(getvariable('duid_history_file'), header = true, comment = '#', all_varchar = true) as h
    anti join _registry_base as r on r.duid = h.duid
),

layered as (
    select *, false as is_historical from _registry_base
    union all by name
    select * from history
),

final as (
    select
        coalesce(o.duid, b.duid) as duid,
        coalesce(o.station_name, b.station_name) as station_name,
        coalesce(o.region_id, b.region_id) as region_id,
        coalesce(o.participant, b.participant) as participant,
        coalesce(o.dispatch_type, b.dispatch_type) as dispatch_type,
        coalesce(o.fuel_source, b.fuel_source) as fuel_source,
        coalesce(o.technology, b.technology) as technology,
        coalesce(o.fuel_class, b.fuel_class, 'Other') as fuel_class,
        coalesce(o.registered_capacity_mw, b.registered_capacity_mw) as registered_capacity_mw,
        coalesce(o.max_capacity_mw, b.max_capacity_mw) as max_capacity_mw,
        coalesce(o.classification, b.classification) as classification,
        coalesce(o.storage_mwh, b.storage_mwh) as storage_mwh,
        o.duid is not null as is_overridden,
        coalesce(b.is_historical, false) as is_historical
    from layered as b
    full outer join overrides as o on o.duid = b.duid
)

select
    *,
    -- How AEMO's TOTALDEMAND counts the unit. 'Non-Scheduled*' (AEMO's footnote: the older SA wind farms,
    -- Wattle Point, Starfish Hill, Cathedral Rocks, Lake Bonney 1, Mt Millar, Canunda) is counted with
    -- the scheduled units: measured on 2025-12-27 00:05 their 160 MW close SA1's balance (-11.8 % -> -0.2 %).
    -- A unit without a classification (history layer, overrides) is inferred: loads, batteries and
    -- units of 30 MW or more are scheduled (the NER's registration threshold), smaller ones not.
    -- The same rule in Python: aemo_wh/registry/demand_class.py (the demo simulator; a test keeps them equal).
    case
        when lower(replace(classification, ' ', '')) in ('scheduled', 'semi-scheduled', 'non-scheduled*')
          or lower(replace(classification, ' ', '')) like 'scheduled%'
          or lower(replace(classification, ' ', '')) like 'semi-scheduled%' then 'scheduled'
        when lower(replace(classification, ' ', '')) like 'non-scheduled%' then 'non-scheduled'
        when dispatch_type in ('load', 'bidirectional') or registered_capacity_mw >= 30 then 'scheduled'
        else 'non-scheduled'
    end as demand_class
from final;

-- Materialised per refresh: aemo_wh.views.refresh(con) re-runs this file when the overrides file
-- changes (by content) or a registry is published, so every join to duid_info is a 600-row table.
create or replace table _duid_info_cache as select * from _duid_info_calc order by duid;

create or replace view duid_info as select * from _duid_info_cache;

comment on view duid_info is
    'DUID registry (AEMO registration list, history layer beneath, user overrides on top): region, owner, fuel class, capacity. Grain: duid.';
