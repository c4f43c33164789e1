"""The crash-safe parquet warehouse: immutable files, atomic manifests, one writer, a ledger.

See docs/architecture.md ("Warehouse layout") and ../shared/docs/duckdb_warehouse.md.
"""

from aemo_wh.warehouse.ledger import DEMO_PUBLISHER, Ledger
from aemo_wh.warehouse.lock import WarehouseBusy
from aemo_wh.warehouse.manifest import FileEntry, Manifest, manifest_version, read_manifest
from aemo_wh.warehouse.store import Warehouse, warehouse_has_simulated_data
from aemo_wh.warehouse.writer import Writer

__all__ = [
    "DEMO_PUBLISHER",
    "FileEntry",
    "Ledger",
    "Manifest",
    "Warehouse",
    "WarehouseBusy",
    "Writer",
    "manifest_version",
    "read_manifest",
    "warehouse_has_simulated_data",
]
