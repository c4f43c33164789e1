"""The tab contract: a Viewer that re-queries on `refresh()` and stays lazy until shown.

The app marks every tab stale when the warehouse changes and refreshes only the visible one;
a stale tab refreshes when it is opened. Widgets are never rebuilt, so selections survive.
"""

from __future__ import annotations

import time
from typing import ClassVar

import panel as pn

from aemo_wh.log import get_logger
from dashboard.store import Store

logger = get_logger("dashboard.tabs")


class TabView(pn.viewable.Viewer):
    title: ClassVar[str] = ""

    def __init__(self, store: Store, **params) -> None:
        super().__init__(**params)
        self.store = store
        self.stale = True
        self.last_refresh_ms = 0.0

    def refresh(self) -> None:
        """Re-query and redraw; subclasses implement `_refresh`."""
        t0 = time.perf_counter()
        try:
            self._refresh()
        finally:
            self.stale = False
            self.last_refresh_ms = 1000 * (time.perf_counter() - t0)
            logger.debug("%s refreshed in %.0f ms", self.title, self.last_refresh_ms)

    def ensure_fresh(self) -> None:
        if self.stale:
            self.refresh()

    def _refresh(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
