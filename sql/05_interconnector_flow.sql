-- interconnector_flow
-- 5-minute flow per interconnector with its from/to regions and how close it runs to its limits.
--
-- Grain:    one row per (settlementdate, interconnector_id)
-- Keys:     settlementdate, interconnector_id
-- Sources:  dispatch_interconnectorres (meteredmwflow, mwflow, exportlimit, importlimit, mwlosses;
--           intervention = 0), dispatch_interconnection (from_regionid / to_regionid of the same
--           interval, derived by ingest from the file's region-pair rows), interconnectors
--           (shipped reference CSV) when the interval has no pair row.
-- Caveats:  Positive flow runs from_region -> to_region. An id neither source knows still flows
--           through with null regions (it then cannot enter region_net_flow). pct_of_limit is
--           metered flow over the limit in its direction: exportlimit when flow >= 0, else
--           importlimit (AEMO gives import limits as negative MW); at_limit = pct_of_limit >= 99.

create or replace view interconnector_flow as
with

flows as (
    select settlementdate, interconnectorid, meteredmwflow, mwflow, exportlimit, importlimit, mwlosses
    from dispatch_interconnectorres
    where intervention = 0
),

pairs as (
    select settlementdate, interconnectorid, any_value(from_regionid) as from_regionid,
           any_value(to_regionid) as to_regionid
    from dispatch_interconnection
    where coalesce(intervention, 0) = 0
    group by settlementdate, interconnectorid
),

final as (
    select
        f.settlementdate,
        f.interconnectorid as interconnector_id,
        -- a pair is taken whole: from the data when it names both ends, else from the reference
        case when p.from_regionid is not null and p.to_regionid is not null then p.from_regionid
             else r.region_from end as from_region,
        case when p.from_regionid is not null and p.to_regionid is not null then p.to_regionid
             else r.region_to end as to_region,
        f.meteredmwflow as metered_mw,
        f.mwflow as target_mw,
        f.exportlimit as export_limit_mw,
        f.importlimit as import_limit_mw,
        f.mwlosses as losses_mw,
        100 * case
            when f.meteredmwflow >= 0 then f.meteredmwflow / nullif(f.exportlimit, 0)
            else f.meteredmwflow / nullif(f.importlimit, 0)
        end as pct_of_limit
    from flows as f
    left join pairs as p on p.settlementdate = f.settlementdate and p.interconnectorid = f.interconnectorid
    left join interconnectors as r on r.interconnector_id = f.interconnectorid
)

select *, coalesce(pct_of_limit >= 99, false) as at_limit from final;

comment on view interconnector_flow is
    'Metered and target MW per interconnector per 5-min interval, from/to regions from data, % of limit. Grain: settlementdate x interconnector_id.';
