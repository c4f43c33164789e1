"""The tab contract: a Viewer that re-queries on `refresh()` and stays lazy until shown.

The app marks every tab stale when the warehouse changes and refreshes only the visible one;
a stale tab refreshes when it is opened. Widgets and charts are never rebuilt, so selections
(and a zoom, while the selection stays the same) survive a refresh.

What every tab shares lives here once: the page (controls on the left, content filling the rest,
`set_layout`), refreshing when a control changes (`refresh_on`), and the window preamble ("no data
yet" on every chart, the window's bounds and bucket, the shared time axis, `window_bounds`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import ClassVar

import panel as pn
from panel.io import hold

from aemo_wh.log import get_logger
from dashboard import queries
from dashboard.components.time_window import TimeWindow
from dashboard.store import Store

logger = get_logger("dashboard.tabs")

NO_DATA_YET = "No data in the warehouse yet"
CONTROLS_WIDTH = 260  # px: the column of controls on the left of every tab


def after_first_paint(*objects: pn.viewable.Viewable) -> pn.Column:
    """A column that receives `objects` once the browser has the page, in a served session.

    Measured (14-day demo, alternating servers): leaving the fuel-mix Tabulator out of the first
    document brings the first chart forward by ~0.1 s (median 1.80 -> 1.70 s); Tabulator's own
    layout pass is ~120 ms of the browser's main thread. Outside a server the objects are there at once.
    """
    column = pn.Column(sizing_mode="stretch_width")
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.onload(lambda: setattr(column, "objects", list(objects)))
    else:
        column.objects = list(objects)
    return column


class TabView(pn.viewable.Viewer):
    title: ClassVar[str] = ""

    def __init__(self, store: Store, **params) -> None:
        super().__init__(**params)
        self.store = store
        self.stale = True
        self.last_refresh_ms = 0.0
        self._quiet = 0
        self._last_selection: object = None

    def refresh(self) -> None:
        """Re-query and redraw; subclasses implement `_refresh`. Ignored inside `quietly()`."""
        if self._quiet:
            return
        t0 = time.perf_counter()
        try:
            # One websocket message per refresh: without the hold every property change (an x
            # range's start, then its end) reached the browser on its own, which drew the
            # half-applied states in between (a CI run read a 59-h "48-h" window between the two).
            with hold():
                self._refresh()
        finally:
            self.stale = False
            self.last_refresh_ms = 1000 * (time.perf_counter() - t0)
            logger.debug("%s refreshed in %.0f ms", self.title, self.last_refresh_ms)

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Set widgets without each change triggering its own refresh (the caller refreshes once)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def ensure_fresh(self) -> None:
        if self.stale:
            self.refresh()

    def selection_changed(self, selection: object) -> bool:
        """True when the user's selection differs from the last refresh's (charts reset their zoom)."""
        changed = selection != self._last_selection
        self._last_selection = selection
        return changed

    def set_layout(self, controls: Sequence[object], content: Sequence[object]) -> None:
        """The page: `controls` in a fixed column on the left, `content` filling the rest."""
        self._layout = pn.Row(
            pn.Column(*controls, width=CONTROLS_WIDTH, margin=(10, 10)),
            pn.Column(*content, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    def refresh_on(self, *widgets: pn.viewable.Viewable) -> None:
        """Refresh when a control changes: a TimeWindow on its `changed` event, other widgets on `value`."""
        for widget in widgets:
            event = "changed" if isinstance(widget, TimeWindow) else "value"
            widget.param.watch(lambda _e: self.refresh(), event)

    def window_bounds(
        self, window: TimeWindow, *charts, axis: object = None, selection: tuple = ()
    ) -> tuple[dt.datetime, dt.datetime, int] | None:
        """(start, end, bucket minutes) of the chosen window; None, with a message on `charts`, when empty.

        `charts` are anything with `message(text)`. With `axis` (a `charts.TimeAxis`) the shared x range
        is set to the window, its zoom reset when `selection` + the window differ from the last refresh.
        """
        bounds = window.bounds(self.store)
        if bounds is None:
            for chart in charts:
                chart.message(NO_DATA_YET)
            return None
        start, end = bounds
        if axis is not None:
            axis.show(start, end, reset=self.selection_changed((*selection, window.key())))
            oldest = self.store.oldest_interval()
            first = oldest - dt.timedelta(minutes=5) if oldest is not None else None
            for chart in charts:
                if getattr(chart, "figure", None) is not None and chart.figure.x_range is axis.range:
                    chart.mark_before(start, first)
        return start, end, queries.bucket_minutes(start, end)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    def _refresh(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
