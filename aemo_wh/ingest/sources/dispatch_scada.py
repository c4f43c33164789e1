"""Dispatch_SCADA: 5-minute unit SCADA MW, one zip per interval.

Current: Reports/Current/Dispatch_SCADA/   (one zip, one CSV)
Archive: Reports/Archive/Dispatch_SCADA/   (daily zip of the Current zips)
Tables:  DISPATCH,UNIT_SCADA -> unit_scada
Grain:   one row per (settlementdate, duid); settlementdate = interval END, NEM time.
Drift:   LASTCHANGED absent before ~2023; columns are matched by name (mms_csv).
"""

from aemo_wh.ingest.sources.base import Source
from aemo_wh.warehouse.tables import UNIT_SCADA

SOURCE = Source(
    name="dispatch_scada",
    current_dir="Reports/Current/Dispatch_SCADA/",
    archive_dir="Reports/Archive/Dispatch_SCADA/",
    file_pattern=r"PUBLIC_DISPATCHSCADA_(?P<interval>\d{12})_\d{16}\.zip",
    archive_pattern=r"PUBLIC_DISPATCHSCADA_(?P<start>\d{8})\.zip",
    tables=(UNIT_SCADA,),
)
