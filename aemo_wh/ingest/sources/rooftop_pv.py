"""ROOFTOP_PV/ACTUAL: half-hourly rooftop PV estimates per region (MEASUREMENT and SATELLITE).

Current: Reports/Current/ROOFTOP_PV/ACTUAL/  (one zip per half hour and type; inner .csv lower-case)
Archive: Reports/Archive/ROOFTOP_PV/ACTUAL/  (weekly zip of the Current zips, 336 members)
Tables:  ROOFTOP,ACTUAL -> rooftop_pv_actual (all regions as published, incl. sub-regions QLDC ...;
         the views keep NSW1 QLD1 SA1 TAS1 VIC1)
Time:    INTERVAL_DATETIME is the END of the 30-minute interval; the file name is the publication time.
"""

from aemo_wh.ingest.sources.base import Source
from aemo_wh.warehouse.tables import ROOFTOP_PV_ACTUAL

SOURCE = Source(
    name="rooftop_pv",
    current_dir="Reports/Current/ROOFTOP_PV/ACTUAL/",
    archive_dir="Reports/Archive/ROOFTOP_PV/ACTUAL/",
    file_pattern=r"PUBLIC_ROOFTOP_PV_ACTUAL_(?P<kind>MEASUREMENT|SATELLITE)_(?P<interval>\d{14})_\d{16}\.zip",
    archive_pattern=r"PUBLIC_ROOFTOP_PV_ACTUAL_(?P<kind>MEASUREMENT|SATELLITE)_(?P<start>\d{8})\.zip",
    archive_days=7,
    files_per_day=48,
    tables=(ROOFTOP_PV_ACTUAL,),
)
