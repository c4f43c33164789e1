"""Ingest sources, one module each; `SOURCES` maps name -> Source in run order."""

from __future__ import annotations

from aemo_wh.ingest.sources import dispatch_is, dispatch_scada, rooftop_pv, trading_is
from aemo_wh.ingest.sources.base import Source

SOURCES: dict[str, Source] = {
    m.SOURCE.name: m.SOURCE for m in (dispatch_scada, dispatch_is, rooftop_pv, trading_is)
}


def source_for(name: str) -> Source | None:
    """The source whose Current or Archive pattern matches a file name."""
    return next((s for s in SOURCES.values() if s.matches(name)), None)


def all_sources() -> list[Source]:
    """Every source, in run order."""
    return list(SOURCES.values())
