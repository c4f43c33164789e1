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

create or replace view unknown_duids as
select
    s.duid,
    min(s.settlementdate) as first_seen,
    max(s.settlementdate) as last_seen,
    max(s.scadavalue) as max_mw,
    count(*) as intervals_seen,
    min(s.scadavalue) as min_mw
from unit_scada as s
anti join duid_info as d on d.duid = s.duid
group by s.duid;

comment on view unknown_duids is
    'DUIDs in unit_scada absent from duid_info: first/last seen, max MW, intervals seen, min MW. Grain: duid.';
