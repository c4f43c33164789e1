-- region_net_flow
-- Net metered interconnector import into each region (MW; + = importing, - = exporting).
--
-- Grain:    one row per (settlementdate, region_id)
-- Keys:     settlementdate, region_id
-- Sources:  interconnector_flow (metered_mw, from_region, to_region)
-- Caveats:  Each interconnector adds +metered to its to_region and -metered to its from_region, so
--           the five regions sum to exactly zero each interval (summed as DECIMAL(18,6), so no
--           float residue). Losses are not allocated. Interconnectors with unknown regions are left
--           out (they are listed by interconnector_flow with null regions).

create or replace view region_net_flow as
with

legs as (
    -- one scan, two legs per interconnector: +flow into to_region, -flow out of from_region
    select
        settlementdate,
        unnest([to_region, from_region]) as region_id,
        unnest([metered_mw::decimal(18, 6), -(metered_mw::decimal(18, 6))]) as mw
    from interconnector_flow
    where from_region is not null and to_region is not null and metered_mw is not null
)

select settlementdate, region_id, sum(mw)::double as net_import_mw
from legs
group by settlementdate, region_id;

comment on view region_net_flow is
    'Net metered interconnector import per region per 5-min interval (MW, + import, - export); sums to 0 over regions. Grain: settlementdate x region_id.';
