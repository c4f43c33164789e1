-- unknown_duids
-- DUIDs that report SCADA but are missing from the registry (workbook + overrides).
--
-- Grain:    one row per duid
-- Keys:     duid
-- Sources:  unit_scada, duid_info
-- Caveats:  Their MW shows in unit_generation (region null, fuel_class 'Other') but not in
--           fuel_stack or energy_balance. Add them to the overrides CSV to classify them.
--           `aemo-wh registry unknown` prints this view. AEMO's RT_* / DG_* placeholder DUIDs
--           always read 0 MW (max_mw = min_mw = 0): listed here, not alerted.

-- unknown_duids_since(start_ts): the DUIDs with SCADA after start_ts only, so the alert rule (every
-- ingest) and the daily report read the window they report on, not all history.
-- last_seen, max_mw, intervals_seen and min_mw are over the window; first_seen is the DUID's first
-- interval ever, looked up for the few DUIDs found (month files are sorted by DUID, so the scan
-- skips the rest).
create or replace macro unknown_duids_since(start_ts) as table
with

recent as (
    select
        s.duid,
        max(s.settlementdate) as last_seen,
        max(s.scadavalue) as max_mw,
        count(*) as intervals_seen,
        min(s.scadavalue) as min_mw
    from unit_scada as s
    anti join duid_info as d on d.duid = s.duid
    where s.settlementdate > start_ts::timestamp
    group by s.duid
),

first_seen as (
    select duid, min(settlementdate) as first_seen
    from unit_scada
    where duid in (select duid from recent)
    group by duid
)

select r.duid, f.first_seen, r.last_seen, r.max_mw, r.intervals_seen, r.min_mw
from recent as r
join first_seen as f on f.duid = r.duid;

comment on macro table unknown_duids_since is
    'unknown_duids_since(start_ts): unknown_duids over the SCADA after start_ts (first_seen all-time). Grain: duid.';

create or replace view unknown_duids as
select * from unknown_duids_since(timestamp '-infinity');

comment on view unknown_duids is
    'DUIDs in unit_scada absent from duid_info: first/last seen, max MW, intervals seen, min MW. Grain: duid.';
