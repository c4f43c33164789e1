"""Composes the "Nem Analysis" page: shell, tabs, footer, demo marker and the refresh poll.

No SQL and no data shaping here; tabs own their views, the store owns data access.
"""

from __future__ import annotations

import gc
import time

import panel as pn
import panel_material_ui as pmui
from panel.io import hold
from panel.util import edit_readonly

from aemo_wh.log import get_logger
from dashboard import theme
from dashboard.components.base import TabView
from dashboard.components.charts import TOOLTIP_CSS
from dashboard.store import Store
from dashboard.tabs.today import TodayTab

logger = get_logger("dashboard.app")

TAB_CLASSES: list[type[TabView]] = [TodayTab]


def register_tabs() -> None:
    """All tabs in order, Today first (imported here so `dashboard.app` stays cheap to import for tests)."""
    from dashboard.tabs.batteries import BatteriesTab
    from dashboard.tabs.comparison import ComparisonTab
    from dashboard.tabs.curtailment import CurtailmentTab
    from dashboard.tabs.generation import GenerationTab
    from dashboard.tabs.price_analysis import PriceAnalysisTab
    from dashboard.tabs.prices import PricesTab
    from dashboard.tabs.station import StationTab
    from dashboard.tabs.transmission import TransmissionTab
    from dashboard.tabs.utilisation import UtilisationTab

    TAB_CLASSES[:] = [TodayTab, GenerationTab, UtilisationTab, TransmissionTab, PriceAnalysisTab, StationTab, PricesTab,
                      ComparisonTab, CurtailmentTab, BatteriesTab]


def footer_text(store: Store) -> str:
    newest = store.newest_interval()
    stamp = f"{newest:%Y-%m-%d %H:%M}" if newest else "no data yet"
    return f"Last Updated: {stamp} | {theme.FOOTER_CREDIT}"


class NemApp:
    """One browser session: the page, its tabs and the manifest-version poll."""

    def __init__(self, store: Store, refresh_s: float = 30.0) -> None:
        pn.extension("tabulator", notifications=False)
        if TOOLTIP_CSS not in pn.config.raw_css:
            pn.config.raw_css.append(TOOLTIP_CSS)
        self.store = store
        self.refresh_s = refresh_s
        # Tabs are built on first open (a tab's widgets cost ~20 ms; the first page should not wait).
        self.views: list[TabView | None] = [None] * len(TAB_CLASSES)
        self.slots = [pn.Column(sizing_mode="stretch_width") for _ in TAB_CLASSES]
        self.tabs = pmui.Tabs(
            *((cls.title, slot) for cls, slot in zip(TAB_CLASSES, self.slots, strict=True)),
            # Not dynamic: a dynamic pmui Tabs detaches a hidden tab's Bokeh views, and the theme
            # toggle then re-laid them out ("reading 'top_panel'"). Hidden slots stay empty until
            # first opened, so the first page is no heavier.
            dynamic=False, sizing_mode="stretch_width",
        )
        # One footer per tab, at the end of the tab's own column: a footer after the Tabs was placed
        # where the tab's content ended at first layout (MUI's Tabs box keeps its first height), so it
        # was drawn over the rows of a table that filled in later (issue 19 item 9).
        self.footers = [
            pmui.Typography(footer_text(store), variant="caption", css_classes=["nem-footer"],
                            sizing_mode="stretch_width", margin=(10, 10))
            for _ in TAB_CLASSES
        ]
        self.marker = pmui.Chip(label=theme.DEMO_MARKER, color="warning", variant="filled",
                                visible=store.is_demo(), css_classes=["demo-marker"])
        self.seen_version = store.version
        self.tabs.param.watch(self._on_tab, "active")
        self.view(0)
        self.page = pmui.Page(
            title=theme.TITLE,
            main=[self.tabs],
            header=[self.marker],
            dark_theme=True,
            theme_toggle=True,
            theme_config=theme.THEME_CONFIG,
            busy_indicator=None,
        )
        unfollow_busy(self.page)
        if pn.state.curdoc is not None:
            pn.state.onload(self._start_polling)
            if pn.state.curdoc.session_context is not None:
                pn.state.on_session_destroyed(self._on_destroyed)

    def _on_destroyed(self, _session_context) -> None:
        """Let go of the session's tabs, charts and frames, and give the freed memory back to the OS
        (issue 19 item 5: RSS grew with every session and never came down)."""
        poll = getattr(self, "_poll", None)
        if poll is not None:  # the event loop would keep calling it, and so keep the whole session alive
            poll.stop()
            self._poll = None
        for slot in self.slots:
            slot.objects = []
        self.views = [None] * len(self.views)
        self.page = None
        release_memory()
        logger.debug("session closed: its tabs released")

    def view(self, index: int) -> TabView:
        """The tab's view, built and filled before it is first shown (no placeholder to swap out)."""
        view = self.views[index]
        if view is None:
            view = self.views[index] = TAB_CLASSES[index](self.store)
            view.refresh()
            self.slots[index].objects = [view, self.footers[index]]
        return view

    def _on_tab(self, event) -> None:
        self.view(event.new).ensure_fresh()

    def _start_polling(self) -> None:
        self._poll = pn.state.add_periodic_callback(self.poll, period=int(self.refresh_s * 1000))

    def poll(self) -> bool:
        """Refresh the visible tab (and mark the others stale) when the warehouse has changed."""
        version = self.store.check()
        if version == self.seen_version:
            return False
        self.seen_version = version
        for view in self.views:
            if view is not None:
                view.stale = True
        with hold():  # the footer and the visible tab reach the browser in one message
            self.view(self.tabs.active).refresh()
            text = footer_text(self.store)
            for footer in self.footers:
                footer.object = text
            self.marker.visible = self.store.is_demo()
        return True


def unfollow_busy(page: pmui.Page) -> None:
    """Stop `page.busy` following the process-wide `pn.state.busy`, which pmui's Page binds at init.

    Measured (14-day demo, one server): `pn.state` flips busy twice per browser event of *any*
    session, and every Page ever built followed it; each flip re-walked that Page's whole document
    (`_patch_datamodel_ref`), and the binding kept closed sessions' Pages alive. After a dozen
    sessions a region click took 19 s of CPU; the test suite timed out. The indicator is off with it.
    """
    watchers = pn.state.param.watchers.get("busy", {}).get("value", [])
    for watcher in list(watchers):
        if getattr(getattr(watcher.fn, "__self__", None), "self", None) is page:
            pn.state.param.unwatch(watcher)
    with edit_readonly(page):
        page.busy = False  # a plain value: the Page no longer holds the reference either


_last_release = 0.0


def release_memory(min_interval_s: float = 5.0) -> None:
    """A full collection, then glibc's malloc_trim: CPython frees a closed session's objects, but
    the allocator keeps the pages unless asked (at most every `min_interval_s`; a no-op elsewhere)."""
    global _last_release
    now = time.monotonic()
    if now - _last_release < min_interval_s:
        return
    _last_release = now
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): the collection alone
        pass


def warm_up(store: Store) -> float:
    """Build every tab once into a throwaway Document, then freeze the heap; returns the ms it took.

    Run at server start so the first user does not pay for imports (markdown, pmui models), the
    first query of each view on this connection and Bokeh's first model builds: measured on the
    14-day demo, opening Spot Prices (now Price Analysis) cost 320 ms in a fresh process and 140 ms after this.
    """
    from bokeh.document import Document

    t0 = time.perf_counter()
    app = NemApp(store)
    built = [(app.page, app.page.get_root(Document()))]
    for index in range(1, len(TAB_CLASSES)):
        layout = app.view(index).__panel__()
        built.append((layout, layout.get_root(Document())))
    # get_root registers each root in pn.state._views for good (a served session's roots leave on
    # session destroy): without this the warm-up's whole page stayed in memory for the server's life
    for viewable, root in built:
        viewable._cleanup(root)
        pn.state._views.pop(root.ref["id"], None)
    del app, built
    # Move what start-up built (modules, views, caches: ~340k objects) out of the collector's sight: a
    # full collection over it paused a session's creation or a tab's first render by 200-260 ms once
    # every few sessions (measured on the 14-day demo; none in 24 tab opens after the freeze).
    gc.collect()
    gc.freeze()
    return 1000 * (time.perf_counter() - t0)


def create_app(store: Store, refresh_s: float = 30.0) -> pmui.Page:
    return NemApp(store, refresh_s).page
