-- renewable_share
-- How much of demand renewables supplied, per region and for the NEM, per 5-minute interval.
--
-- Grain:    one row per (settlementdate, region_id) of fuel_stack (region_id incl. 'NEM')
-- Keys:     settlementdate, region_id
-- Sources:  fuel_stack
-- Caveats:  renewable_mw = Wind + Solar + Rooftop Solar + Hydro + Battery (discharge; charging is
--           'Battery Charging'). demand_mw = the sum of every fuel_stack row of the region:
--           generation + rooftop + net import - battery charging - pumping, i.e. what the region
--           consumed including rooftop PV (close to TOTALDEMAND + rooftop; see energy_balance).
--           share_pct = 100 x renewable / demand. A region exporting renewables can exceed 100 %
--           (South Australia does); the NEM cannot (its Transmission cancels). Hydro includes
--           pumped-hydro generation; its pumping is in the demand.
--           Over a period take sum(renewable_mw) / sum(demand_mw), never a mean of percentages.
--           An interval without unit SCADA (a missing file: only rooftop and transmission rows)
--           has no row: its share would read 100 % of a demand that is mostly not there.

create or replace view renewable_share as
select
    settlementdate,
    region_id,
    coalesce(sum(mw) filter (where fuel_class in ('Wind', 'Solar', 'Rooftop Solar', 'Hydro', 'Battery')), 0)
        as renewable_mw,
    sum(mw) as demand_mw,
    100 * coalesce(sum(mw) filter (where fuel_class in ('Wind', 'Solar', 'Rooftop Solar', 'Hydro', 'Battery')), 0)
        / nullif(sum(mw), 0) as share_pct
from fuel_stack
group by settlementdate, region_id
having count(*) filter (where fuel_class not in ('Rooftop Solar', 'Transmission')) > 0;

comment on view renewable_share is
    'Renewable MW (wind, solar, rooftop, hydro, battery discharge) over demand incl. rooftop per region (+ NEM) per 5-min interval. Grain: settlementdate x region_id.';
