-- unit_generation
-- 5-minute SCADA MW per DUID with its registry attributes (region, fuel class, station, owner).
--
-- Grain:    one row per (settlementdate, duid) present in unit_scada
-- Keys:     settlementdate, duid
-- Sources:  unit_scada (scadavalue; newest lastchanged already won in the writer), duid_info
-- Caveats:  mw is the SCADA value as published: loads (pumps, old battery L units) report
--           positive consumption, bidirectional batteries are signed (- = charging), and plain
--           generators may show small negative auxiliary load. Gaps are missing rows, never zeros.
--           DUIDs absent from the registry keep region_id null and fuel_class 'Other'
--           (in_registry = false); see the unknown_duids view.

create or replace view unit_generation as
select
    s.settlementdate,
    s.duid,
    s.scadavalue as mw,
    d.station_name,
    d.region_id,
    coalesce(d.fuel_class, 'Other') as fuel_class,
    d.participant,
    d.registered_capacity_mw,
    d.max_capacity_mw,
    d.dispatch_type,
    d.classification,
    d.demand_class,
    d.duid is not null as in_registry
from unit_scada as s
left join duid_info as d on d.duid = s.duid;

comment on view unit_generation is
    'SCADA MW per DUID per 5-min interval joined to the DUID registry. Grain: settlementdate x duid.';
