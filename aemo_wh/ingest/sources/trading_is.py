"""TradingIS_Reports: trading-interval regional prices (30-minute before 2021-10-01, 5 after).

Current: Reports/Current/TradingIS_Reports/  (one zip per interval)
Archive: Reports/Archive/TradingIS_Reports/  (weekly bundles PUBLIC_TRADINGIS_<start>_<end>.zip)
Tables:  TRADING,PRICE -> trading_price (the 30-minute price history before five-minute settlement)
"""

from aemo_wh.ingest.sources.base import Source
from aemo_wh.warehouse.tables import TRADING_PRICE

SOURCE = Source(
    name="trading_is",
    current_dir="Reports/Current/TradingIS_Reports/",
    archive_dir="Reports/Archive/TradingIS_Reports/",
    file_pattern=r"PUBLIC_TRADINGIS_(?P<interval>\d{12})_\d{16}\.zip",
    archive_pattern=r"PUBLIC_TRADINGIS_(?P<start>\d{8})_\d{8}\.zip",
    archive_days=7,
    tables=(TRADING_PRICE,),
)
