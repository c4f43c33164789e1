-- fuel_classes, interconnectors
-- Reference lists the other views join to: the fuel classes in stack order, and the
-- interconnector reference table (regions by id) shipped as aemo_wh/data/interconnectors.csv.
--
-- Grain:    fuel_classes: one row per fuel_class; interconnectors: one row per interconnector_id
-- Keys:     fuel_class; interconnector_id
-- Sources:  docs/architecture.md (fuel classes); getvariable('interconnector_ref_file') (set by
--           aemo_wh.views before this file runs)
-- Caveats:  interconnectors is only the last fallback: interconnector_flow takes from/to regions
--           from dispatch_interconnection rows of the same interval, then from the MMSDM
--           INTERCONNECTOR table (market_config_interconnector), first.

create or replace view fuel_classes as
select * from (values
    ('Coal', 1, true), ('Gas', 2, true), ('Hydro', 3, true), ('Wind', 4, true), ('Solar', 5, true),
    ('Rooftop Solar', 6, false), ('Battery', 7, true), ('Bioenergy', 8, true), ('Distillate', 9, true),
    ('Other', 10, true), ('Transmission', 11, false), ('Battery Charging', 12, false), ('Pumps', 13, false)
) as t(fuel_class, stack_order, is_unit_class);

comment on view fuel_classes is
    'Fuel classes in stack order (bottom-up; Battery Charging and Pumps are drawn below zero). Grain: fuel_class.';

create or replace view interconnectors as
select
    trim(interconnector_id) as interconnector_id,
    trim(region_from) as region_from,
    trim(region_to) as region_to,
    common_name,
    status
from read_csv(getvariable('interconnector_ref_file'), header = true, all_varchar = true);

comment on view interconnectors is
    'Reference interconnectors (id -> from/to region; positive flow = from -> to). Fallback only. Grain: interconnector_id.';
