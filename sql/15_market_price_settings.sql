-- market_price_settings
-- The market price cap, floor, cumulative price threshold and administered price cap in force
-- from each effective date.
--
-- Grain:    one row per effective_from (a date; in force for intervals ending after its midnight)
-- Keys:     effective_from
-- Sources:  market_price_thresholds (AEMO's MMSDM MARKET_PRICE_THRESHOLDS, landed by backfill:
--           VOLL = market price cap, MARKETPRICEFLOOR, ADMINISTERED_PRICE_THRESHOLD = cumulative
--           price threshold; newest VERSIONNO per EFFECTIVEDATE); the shipped
--           aemo_wh/data/market_price_settings.csv (getvariable('market_price_settings_file'),
--           researched from AEMC and market sources: see its source column), which also carries the
--           administered price cap (AEMC's schedule; not in the MMS table).
-- Caveats:  A landed value wins over the shipped one for the same effective date; a date only one
--           side has is kept; each figure missing on a row is carried forward from the previous row.
--           source says 'aemo' (landed) or 'shipped'. The newest row stays in force until a newer one
--           lands: a financial year the shipped file does not reach yet carries the last year's
--           figures (backfill a month of the new year to land AEMO's). Before 2021-10-01 the
--           threshold was on 30-minute prices (about 1/6 of today's figure); rows start 2021-07-01.

create or replace view market_price_settings as
with

shipped as (
    select
        effective_from::date as effective_from,
        financial_year,
        market_price_cap::double as market_price_cap,
        market_floor_price::double as market_floor_price,
        cumulative_price_threshold::double as cumulative_price_threshold,
        administered_price_cap::double as administered_price_cap
    from read_csv(getvariable('market_price_settings_file'), header = true, all_varchar = true)
),

landed as (
    select
        effectivedate::date as effective_from,
        voll as market_price_cap,
        marketpricefloor as market_floor_price,
        administered_price_threshold as cumulative_price_threshold
    from market_price_thresholds
    where effectivedate is not null
    qualify row_number() over (
        partition by effectivedate::date order by versionno desc nulls last, lastchanged desc nulls last
    ) = 1
),

merged as (
    select
        coalesce(l.effective_from, s.effective_from) as effective_from,
        s.financial_year,
        coalesce(l.market_price_cap, s.market_price_cap) as market_price_cap,
        coalesce(l.market_floor_price, s.market_floor_price) as market_floor_price,
        coalesce(l.cumulative_price_threshold, s.cumulative_price_threshold) as cumulative_price_threshold,
        s.administered_price_cap,
        case when l.effective_from is not null then 'aemo' else 'shipped' end as source
    from landed as l
    full outer join shipped as s on s.effective_from = l.effective_from
)

select
    effective_from,
    -- the financial year (1 July - 30 June) the date falls in, e.g. 2025-26
    coalesce(financial_year, case when month(effective_from) >= 7
        then year(effective_from)::varchar || '-' || right((year(effective_from) + 1)::varchar, 2)
        else (year(effective_from) - 1)::varchar || '-' || right(year(effective_from)::varchar, 2) end)
        as financial_year,
    last_value(market_price_cap ignore nulls) over w as market_price_cap,
    last_value(market_floor_price ignore nulls) over w as market_floor_price,
    last_value(cumulative_price_threshold ignore nulls) over w as cumulative_price_threshold,
    last_value(administered_price_cap ignore nulls) over w as administered_price_cap,
    source
from merged
window w as (order by effective_from rows between unbounded preceding and current row)
order by effective_from;

comment on view market_price_settings is
    'Market price cap, floor, cumulative price threshold, administered price cap per effective date (AEMO MARKET_PRICE_THRESHOLDS over the shipped table). Grain: effective_from.';
