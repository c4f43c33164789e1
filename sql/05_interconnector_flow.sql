-- interconnector_flow
-- 5-minute flow per interconnector with its from/to regions and how close it runs to its limits.
--
-- Grain:    one row per (settlementdate, interconnector_id)
-- Keys:     settlementdate, interconnector_id
-- Sources:  dispatch_interconnectorres (meteredmwflow, mwflow, exportlimit, importlimit, mwlosses;
--           intervention = 0); from/to regions, first that names both ends:
--           1. dispatch_interconnection of the same interval whose regions came from the file's
--              region-pair rows (region_source 'data'; derived by ingest from DispatchIS files),
--           2. market_config_interconnector (REGIONFROM / REGIONTO of AEMO's MMSDM INTERCONNECTOR
--              table, newest LASTCHANGED per id; landed by backfill for months loaded from MMSDM),
--           3. dispatch_interconnection rows whose regions were read from the id (region_source
--              'id', e.g. Basslink, which has no pair row),
--           4. interconnectors (shipped reference CSV).
-- Caveats:  Positive flow runs from_region -> to_region. An id no source knows still flows through
--           with null regions (it then cannot enter region_net_flow). market_config_interconnector
--           holds the newest definition of each id, not one per interval. pct_of_limit is metered
--           flow over the limit in its direction: exportlimit when flow >= 0, else importlimit (AEMO
--           gives import limits as negative MW); at_limit = pct_of_limit >= 99.

create or replace view interconnector_flow as
with

flows as (
    select settlementdate, interconnectorid, meteredmwflow, mwflow, exportlimit, importlimit, mwlosses
    from dispatch_interconnectorres
    where intervention = 0
),

pairs as (
    -- a pair is taken whole, and only when it names both ends; a data pair beats an id pair
    select settlementdate, interconnectorid, from_regionid, to_regionid,
           case when coalesce(region_source, 'data') = 'data' then 1 else 3 end as pref
    from dispatch_interconnection
    where coalesce(intervention, 0) = 0 and from_regionid is not null and to_regionid is not null
    qualify row_number() over (
        partition by settlementdate, interconnectorid order by pref, from_regionid, to_regionid
    ) = 1
),

market as (
    -- the ordinary publish keeps one row per interconnectorid (newest LASTCHANGED)
    select interconnectorid, regionfrom, regionto
    from market_config_interconnector
    where regionfrom is not null and regionto is not null
),

final as (
    select
        f.settlementdate,
        f.interconnectorid as interconnector_id,
        -- pairs are taken whole, in the order of the header: data pair, MMSDM table, id, reference
        case when p.pref = 1 then p.from_regionid when m.interconnectorid is not null then m.regionfrom
             when p.pref = 3 then p.from_regionid else r.region_from end as from_region,
        case when p.pref = 1 then p.to_regionid when m.interconnectorid is not null then m.regionto
             when p.pref = 3 then p.to_regionid else r.region_to end as to_region,
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
    left join market as m on m.interconnectorid = f.interconnectorid
    left join interconnectors as r on r.interconnector_id = f.interconnectorid
)

select *, coalesce(pct_of_limit >= 99, false) as at_limit from final;

comment on view interconnector_flow is
    'Metered and target MW per interconnector per 5-min interval, from/to regions from data, % of limit. Grain: settlementdate x interconnector_id.';
