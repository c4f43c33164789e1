"""DUID registry: AEMO's registration list -> `duid_info` (region, owner, fuel class, capacity)."""

from aemo_wh.registry.build import load_duid_info
from aemo_wh.registry.fuel import FUEL_CLASSES, UNIT_FUEL_CLASSES, classify

__all__ = ["FUEL_CLASSES", "UNIT_FUEL_CLASSES", "classify", "load_duid_info"]
