"""How AEMO's TOTALDEMAND counts a unit: 'scheduled' (in it) or 'non-scheduled' (in DEMAND_AND_NONSCHEDGEN).

The same rule as the `demand_class` column of sql/01_duid_info.sql (the SQL views use that one; the demo
simulator uses this one to publish a TOTALDEMAND on AEMO's footing). tests/sql/test_registry.py checks
the two agree on every registry unit.
"""

from __future__ import annotations

SCHEDULED_THRESHOLD_MW = 30.0  # the NER's threshold above which a generating unit must be (semi-)scheduled


def demand_class(classification: str | None, dispatch_type: str | None, registered_capacity_mw: float | None) -> str:
    """'scheduled' for AEMO's Scheduled / Semi-Scheduled and its footnoted Non-Scheduled* (the older SA
    wind farms its demand counts), 'non-scheduled' for the rest; inferred when AEMO gives no class."""
    c = (classification or "").replace(" ", "").lower()
    if c in ("scheduled", "semi-scheduled", "non-scheduled*") or c.startswith(("scheduled", "semi-scheduled")):
        return "scheduled"
    if c.startswith("non-scheduled"):
        return "non-scheduled"
    if dispatch_type in ("load", "bidirectional") or (registered_capacity_mw or 0.0) >= SCHEDULED_THRESHOLD_MW:
        return "scheduled"
    return "non-scheduled"
