"""Time-window presets relative to the newest data (not the wall clock), plus a custom range.

Windows follow AEMO's interval-end convention: (start, end] with end = the newest interval.
"""

from __future__ import annotations

import datetime as dt

import panel as pn
import panel_material_ui as pmui
import param

from dashboard.store import Store

GENERATION_PRESETS: dict[str, dt.timedelta | None] = {
    "24 h": dt.timedelta(hours=24),
    "48 h": dt.timedelta(hours=48),
    "7 days": dt.timedelta(days=7),
    "30 days": dt.timedelta(days=30),
    "Custom": None,
}
ANALYSIS_PRESETS: dict[str, dt.timedelta | None] = {
    "Last 7 Days": dt.timedelta(days=7),
    "Last 30 Days": dt.timedelta(days=30),
    "All Data": None,
    "Custom Range": None,
}
CUSTOM = ("Custom", "Custom Range")
ALL = "All Data"
FIVE_MIN = dt.timedelta(minutes=5)


def bound_to_data(picker: pmui.DateRangePicker, store: Store, newest: dt.datetime) -> None:
    """Let `picker` offer only the days the warehouse holds (issue 19 item 7), by interval start:
    the interval ending 00:00 is the day before's."""
    oldest = store.oldest_interval() or newest
    first, last = (oldest - FIVE_MIN).date(), (newest - FIVE_MIN).date()
    if (picker.start, picker.end) != (first, last):
        picker.param.update(start=first, end=last)


class TimeWindow(pn.viewable.Viewer):
    """A preset picker; `changed` fires whenever the chosen window changes."""

    changed = param.Event()

    def __init__(self, presets: dict[str, dt.timedelta | None], default: str, **params) -> None:
        super().__init__(**params)
        self.presets = presets
        self.preset = pmui.RadioBoxGroup(label="Time window", options=list(presets), value=default, inline=False)
        # DD/MM/YY: the ISO pair was cut off in the 260-px column (issue 19 item 15)
        self.picker = pmui.DateRangePicker(label="Custom range", visible=default in CUSTOM, format="DD/MM/YY",
                                           sizing_mode="stretch_width")
        self.preset.param.watch(self._on_preset, "value")
        self.picker.param.watch(lambda _e: self._fire(), "value")
        self._shown: tuple[dt.datetime, dt.datetime] | None = None  # the last window a preset gave

    def _on_preset(self, event: param.parameterized.Event) -> None:
        self.picker.visible = event.new in CUSTOM
        if event.new in CUSTOM and not self.picker.value and self._shown is not None:
            # open on the window in view (issue 19 item 7), not on an empty picker at today's month
            start, end = self._shown
            first, last = (start + FIVE_MIN).date(), (end - FIVE_MIN).date()
            if self.picker.start is not None:  # inside the warehouse's days
                first, last = max(first, self.picker.start), min(last, self.picker.end or last)
            self.picker.value = (first, max(first, last))  # fires
            return
        if event.new not in CUSTOM or self.picker.value:
            self._fire()

    def _bound_picker(self, store: Store, newest: dt.datetime) -> None:
        bound_to_data(self.picker, store, newest)

    def _fire(self) -> None:
        self.param.trigger("changed")

    def bounds(self, store: Store) -> tuple[dt.datetime, dt.datetime] | None:
        """(start, end] of the chosen window, or None when the warehouse has no data yet."""
        newest = store.newest_interval()
        if newest is None:
            return None
        self._bound_picker(store, newest)
        window = self._window(store, newest)
        if self.preset.value not in CUSTOM:
            self._shown = window
        return window

    def _window(self, store: Store, newest: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        label = self.preset.value
        if label in CUSTOM:
            value = self.picker.value
            if value and value[0] and value[1]:
                first, last = (dt.datetime.combine(d, dt.time()) for d in value)
                return first, last + dt.timedelta(days=1)
            return newest - dt.timedelta(hours=48), newest
        if label == ALL:
            oldest = store.oldest_interval() or newest
            return oldest - FIVE_MIN, newest
        return newest - self.presets[label], newest

    def key(self) -> tuple:
        """What the user chose (preset and custom dates), for telling a new selection from a refresh."""
        return self.preset.value, tuple(self.picker.value or ())

    def __panel__(self) -> pn.viewable.Viewable:
        return pmui.Column(self.preset, self.picker, sizing_mode="stretch_width", margin=0)
