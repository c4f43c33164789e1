"""Fast tests of the dashboard's pieces (no browser): store cache, SQL helpers, search, pivot, auth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import queries
from dashboard.cli import basic_auth, is_loopback
from dashboard.components.charts import TimeAxis, epoch_ms, gap_closed, runs
from dashboard.components.search import StationIndex
from dashboard.store import Store
from dashboard.tabs.price_analysis import build_pivot_frame

DUIDS = pd.DataFrame({
    "duid": ["BW01", "BW02", "ER01", "MERCER01", "HPR1"],
    "station_name": ["Bayswater Power Station", "Bayswater Power Station", "Eraring Power Station",
                     "Mt Mercer Wind Farm", "Hornsdale Power Reserve"],
    "region_id": ["NSW1", "NSW1", "NSW1", "VIC1", "SA1"],
    "fuel_class": ["Coal", "Coal", "Coal", "Wind", "Battery"],
    "participant": ["AGL", "AGL", "Origin", "Mercer", "Neoen"],
    "registered_capacity_mw": [660.0, 660.0, 720.0, 131.0, 150.0],
})


def test_runs_split_on_gaps() -> None:
    present = np.array([False, True, True, False, True, False, False, True, True])
    assert runs(present) == [slice(1, 3), slice(4, 5), slice(7, 9)]
    assert runs(np.array([False, False])) == []


def test_gap_closed_areas_have_no_height_across_a_gap() -> None:
    """Two runs, each framed by zero-height points at its own x: nothing is drawn between them."""
    x = np.arange(6) * 10
    present = np.array([True, True, False, False, True, True])
    y = np.array([5.0, 6.0, np.nan, np.nan, 7.0, 8.0])
    out = gap_closed(x, {"y": y}, present)
    assert list(out["x"]) == [0, 0, 10, 10, 40, 40, 50, 50]
    assert list(out["y"]) == [0, 5, 6, 0, 0, 7, 8, 0]
    assert gap_closed(x, {"y": y}, np.zeros(6, bool))["x"].size == 0


def test_time_axis_keeps_a_zoom_until_the_selection_changes() -> None:
    axis = TimeAxis()
    t0, t1 = dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 3)
    axis.show(t0, t1, reset=True)
    assert (axis.range.start, axis.range.end) == (epoch_ms(t0), epoch_ms(t1))
    later = t1 + dt.timedelta(minutes=5)
    axis.show(t0 + dt.timedelta(minutes=5), later, reset=False)  # new data, nobody zoomed: follow it
    assert axis.range.end == epoch_ms(later)
    axis.range.update(start=epoch_ms(t0 + dt.timedelta(hours=6)), end=epoch_ms(t0 + dt.timedelta(hours=9)))  # user
    axis.show(t0 + dt.timedelta(minutes=10), later + dt.timedelta(minutes=5), reset=False)
    assert axis.range.start == epoch_ms(t0 + dt.timedelta(hours=6))  # zoom kept
    assert axis.range.reset_end == epoch_ms(later + dt.timedelta(minutes=5))  # reset tool goes to the new window
    axis.show(t0, t1, reset=True)  # another region or window
    assert (axis.range.start, axis.range.end) == (epoch_ms(t0), epoch_ms(t1))


@pytest.mark.parametrize(("hours", "bucket"), [(24, 5), (48, 5), (49, 30), (24 * 7, 30), (24 * 30, 60)])
def test_resolution(hours: int, bucket: int) -> None:
    end = dt.datetime(2026, 1, 2)
    assert queries.bucket_minutes(end - dt.timedelta(hours=hours), end) == bucket


@pytest.mark.parametrize(("typed", "station"), [
    ("Bayswter", "Bayswater Power Station"),
    ("bayswater pwer stn", "Bayswater Power Station"),
    ("Erring", "Eraring Power Station"),
    ("ER0", "Eraring Power Station"),
    ("hornsdale reserv", "Hornsdale Power Reserve"),
    ("mercer", "Mt Mercer Wind Farm"),
])
def test_fuzzy_search(typed: str, station: str) -> None:
    assert StationIndex(DUIDS).search(typed)[0].station == station


def test_search_of_nothing_finds_nothing() -> None:
    index = StationIndex(DUIDS)
    assert index.search("   ") == []
    assert index.search("zzzzqqqq") == []
    assert list(index.units("Bayswater Power Station")["duid"]) == ["BW01", "BW02"]


def test_pivot_frame_follows_the_chosen_order() -> None:
    flat = DUIDS.assign(generation_gwh=1.0, revenue_musd=0.1, price_per_mwh=100.0, utilisation_pct=10.0,
                        capacity_mw=DUIDS["registered_capacity_mw"], _capacity_gwh=10.0)
    frame = build_pivot_frame(flat, ["Fuel", "Region"])
    assert list(frame.index.names) == ["Fuel", "Region", "DUID"]
    assert frame.loc[("Coal", "NSW1")].shape[0] == 3
    assert "owner" in frame.columns and "station" in frame.columns


def test_pivot_groups_csv_is_the_grouping_on_screen(demo: Path) -> None:
    """Issue 19 item 18: the pivot CSV was per DUID only; now also one row per group, with the
    group's volume-weighted price (Σ$ / ΣMWh) and utilisation from sums, as the table shows."""
    import io

    from dashboard.tabs.price_analysis import PriceAnalysisTab

    tab = PriceAnalysisTab(Store(demo / "warehouse"))
    with tab.quietly():
        tab.level1.value, tab.level2.value = "Region", "Fuel"
        tab.level3.value = "—"
    tab.refresh()
    groups = pd.read_csv(io.StringIO(_download(tab.download_groups)))
    duids = pd.read_csv(io.StringIO(_download(tab.download)))
    assert list(groups.columns[:2]) == ["region_id", "fuel_class"] and "duid" not in groups.columns
    assert len(groups) == len(duids.groupby(["region_id", "fuel_class"]))
    coal = duids[(duids["region_id"] == "NSW1") & (duids["fuel_class"] == "Coal")]
    row = groups[(groups["region_id"] == "NSW1") & (groups["fuel_class"] == "Coal")].iloc[0]
    assert row["generation_gwh"] == pytest.approx(coal["generation_gwh"].sum(), abs=1e-4)  # CSV: 6 decimals
    assert row["price_per_mwh"] == pytest.approx(coal["revenue_musd"].sum() * 1000 / coal["generation_gwh"].sum(),
                                                 abs=0.01)
    assert row["duids"] == coal["duid"].nunique()
    assert groups["generation_gwh"].sum() == pytest.approx(duids["generation_gwh"].sum(), abs=1e-4)


def test_basic_auth_only_off_loopback(settings) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    configured = settings.with_overrides(dashboard={"basic_auth_user": "ana", "basic_auth_password": "s3cret"})
    assert basic_auth(configured, "127.0.0.1") is None
    assert basic_auth(configured, "0.0.0.0") == {"ana": "s3cret"}
    from aemo_wh.errors import ConfigError

    with pytest.raises(ConfigError, match="refusing to serve the dashboard on 0.0.0.0 without a login"):
        basic_auth(settings, "0.0.0.0")  # issue 19: no login off loopback is refused, not just warned about
    anyone = settings.with_overrides(dashboard={"allow_anonymous": True})
    assert basic_auth(anyone, "0.0.0.0") is None  # said explicitly: served, with a warning
    half = settings.with_overrides(dashboard={"basic_auth_user": "ana"})

    with pytest.raises(ConfigError):
        basic_auth(half, "0.0.0.0")


def test_store_caches_per_manifest_version(demo: Path) -> None:
    """Same SQL + params hit the cache; a new manifest version refreshes the views and drops it."""
    from aemo_wh import views

    version = {"v": "1"}
    refreshed = []

    def refresh(con) -> None:
        refreshed.append(True)
        views.refresh(con)

    store = Store(demo / "warehouse", connect=views.connect, refresh=refresh, version=lambda _r: version["v"],
                  check_every_s=0)
    newest = store.newest_interval()
    assert newest is not None
    start = newest - dt.timedelta(hours=6)
    first, _ = queries.fuel_stack(store, "NSW1", start, newest)
    second, _ = queries.fuel_stack(store, "NSW1", start, newest)
    assert not first.empty and store.hits >= 1
    assert set(first["fuel_class"]) >= {"Coal"}
    misses = store.misses
    queries.fuel_stack(store, "SA1", start, newest)  # other parameters: a miss
    assert store.misses == misses + 1
    assert store.check() == "1" and not refreshed
    version["v"] = "2"
    assert store.check() == "2" and refreshed
    queries.fuel_stack(store, "NSW1", start, newest)
    assert store.misses == misses + 2  # cache dropped with the old version
    assert store.is_demo()


def test_user_text_never_reaches_sql(demo: Path) -> None:
    """A hostile 'region' is just a value: no rows, no error, the views still there."""
    store = Store(demo / "warehouse")
    newest = store.newest_interval()
    rows, mix = queries.fuel_stack(store, "NSW1'; DROP VIEW fuel_stack; --", newest - dt.timedelta(hours=1), newest)
    assert rows.empty and mix.empty
    assert not queries.fuel_stack(store, "NSW1", newest - dt.timedelta(hours=1), newest)[0].empty


def test_every_tab_copes_with_an_empty_warehouse(tmp_path: Path) -> None:
    """A fresh install (no data yet) shows messages, not tracebacks."""
    from dashboard.app import NemApp, footer_text, register_tabs

    (tmp_path / "warehouse").mkdir()
    store = Store(tmp_path / "warehouse")
    register_tabs()
    app = NemApp(store)
    for i in range(len(app.views)):
        app.view(i).refresh()
    for view in app.views[:2]:  # Today and Generation by Fuel
        assert view.stack.label.visible and view.stack.label.text == "No data in the warehouse yet"
    assert "no data yet" in footer_text(store)
    assert not store.is_demo()


def test_a_session_page_neither_follows_the_process_busy_flag_nor_outlives_its_session(tmp_path: Path) -> None:
    """pmui's Page binds `busy` to the process-wide `pn.state.busy`: every browser event of any session
    then re-walked every Page ever built, and the binding kept closed sessions alive (a CI run timed out)."""
    import gc
    import weakref

    import panel as pn

    from dashboard.app import NemApp

    (tmp_path / "warehouse").mkdir()
    watchers = lambda: len(pn.state.param.watchers.get("busy", {}).get("value", []))  # noqa: E731
    before = watchers()
    app = NemApp(Store(tmp_path / "warehouse"))
    assert watchers() == before
    pn.state._add_busy_event("test-event")
    try:
        assert pn.state.busy and not app.page.busy
    finally:
        pn.state._remove_busy_event("test-event")
    page = weakref.ref(app.page)
    del app
    gc.collect()
    assert page() is None


def test_tables_do_not_share_formatter_models() -> None:
    """Tabulator hangs a callback on each formatter model: a module-level format dict shared by every
    session's table kept all those tables alive for the server's life (issue 19 item 5)."""
    import gc
    import weakref

    from dashboard.components.tables import make_table, number

    shared = {"mw": number(0)}
    first = make_table(pd.DataFrame({"mw": [1.0]}), formatters=shared)
    second = make_table(pd.DataFrame({"mw": [2.0]}), formatters=shared)
    assert first.formatters["mw"] is not shared["mw"] and first.formatters["mw"] is not second.formatters["mw"]
    assert first.formatters["mw"].format == "0,0" and first.formatters["mw"].nan_format == shared["mw"].nan_format
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None


def test_a_region_switch_patches_the_charts_in_place(demo: Path) -> None:
    """Figures and renderers are built once per session; a switch only replaces data and legends."""
    from dashboard.tabs.generation import GenerationTab

    tab = GenerationTab(Store(demo / "warehouse"))
    tab.refresh()
    figure, renderers = tab.stack.figure, list(tab.stack.figure.renderers)
    nem = dict(tab.stack.areas.data)
    assert tab.stack.items["Coal"].visible and not tab.stack.items["Transmission"].visible
    tab.region.value = "SA1"  # the watcher refreshes
    assert tab.stack.figure is figure and tab.stack.figure.renderers == renderers
    assert not tab.stack.items["Coal"].visible and tab.stack.items["Transmission"].visible
    assert not np.array_equal(nem["pf0"], tab.stack.areas.data["pf0"])  # NEM coal vs none in SA1
    assert not np.isnan(tab.stack.areas.data["pf0"]).any()
    assert [r.visible for r in tab.price.renderers.values()] == [k == "SA1" for k in tab.price.keys]
    hover = tab.stack.hover_source.data
    present = ~np.isnan(hover["net"])
    assert present.any() and not np.isnan(hover[tab.stack.key["Pumps"]][present]).any()  # no row = 0 MW, not NaN


def test_opening_the_station_tab_queries_once(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Choosing the default station and its DUIDs must not refresh the tab again and again."""
    from dashboard.tabs.station import StationTab

    tab = StationTab(Store(demo / "warehouse"))
    calls = []
    original = tab._refresh
    monkeypatch.setattr(tab, "_refresh", lambda: (calls.append(1), original()))
    tab.refresh()
    assert len(calls) == 1 and tab.matches.value and tab.unit.options
    tab.query.value = "Bayswter"
    assert len(calls) == 2 and tab.matches.value == "Bayswater Power Station"


def test_a_fuel_class_the_palette_does_not_know_is_drawn_as_other_and_keeps_gaps() -> None:
    from dashboard.components.charts import StackChart

    index = pd.date_range("2026-01-01 00:05", periods=4, freq="5min", name="settlementdate")
    wide = pd.DataFrame({"Coal": [100.0, np.nan, 120.0, 130.0], "Hydrogen": [5.0, np.nan, np.nan, 7.0]}, index=index)
    chart = StackChart()
    chart.update(wide, "t")
    other = chart.areas.data["p" + chart.key["Other"]]
    assert list(other) == [0, 5, 0, 0, 0, 7, 0]  # two runs (00:05; 00:15-00:20), each framed by zeros
    assert index[1] not in set(chart.areas.data["x"])  # the missing 00:10 is still a gap
    assert chart.items["Other"].visible and "Hydrogen" not in chart.key


def test_station_capacity_is_its_generating_units(demo: Path) -> None:
    """Wivenhoe: two 285 MW turbines and two 240 MW pumps. Its capacity is 570 MW (the pumps used
    to add 480), its heading says Hydro, and the capacity factor divides by the turbines only."""
    import duckdb

    from aemo_wh import views
    from dashboard.tabs.station import StationTab

    tab = StationTab(Store(demo / "warehouse"))
    tab.refresh()
    tab.query.value = "Wivenhoe"
    label, duid_list, capacity = tab.selected()
    assert label == "Wivenhoe Power Station" and len(duid_list) == 4 and capacity == 570
    assert " · Hydro · " in tab.heading.object and "570 MW" in tab.heading.object
    con: duckdb.DuckDBPyConnection = views.connect(demo / "warehouse")
    energy, intervals = con.execute(
        "select sum(energy_mwh), count(distinct settlementdate) from unit_revenue "
        "where duid in ('W/HOE#1', 'W/HOE#2', 'PUMP1', 'PUMP2') and settlementdate > ? and settlementdate <= ?",
        list(tab.window.bounds(tab.store))).fetchall()[0]  # fmt: skip
    con.close()
    shown = dict(zip(tab.summary.value["Metric"], tab.summary.value["Value"], strict=True))
    assert shown["Capacity factor"] == f"{100 * energy / (570 * intervals * 5 / 60):,.1f} %"
    assert shown["Registered capacity"] == "570 MW"


def test_history_only_stations_are_labelled_and_rank_below_current_ones() -> None:
    frame = pd.DataFrame({
        "duid": ["LD01", "LD02", "LDBESS1", "HPR1", "HPRG1", "HPRL1"],
        "station_name": ["Liddell", "Liddell", "Liddell Battery", "Hornsdale Power Reserve",
                         "Hornsdale Power Reserve", "Hornsdale Power Reserve"],
        "is_historical": [True, True, False, False, True, True],
    })  # fmt: skip
    index = StationIndex(frame)
    assert index.stations == ["Hornsdale Power Reserve", "Liddell (historical)", "Liddell Battery"]
    assert list(index.units("Liddell (historical)")["duid"]) == ["LD01", "LD02"]
    assert len(index.units("Hornsdale Power Reserve")) == 3  # one station across the 2024-25 DUID change
    assert [m.station for m in index.search("Liddell")][:2] == ["Liddell Battery", "Liddell (historical)"]
    assert index.search("LD02")[0].station == "Liddell (historical)"


def test_csv_exports_carry_no_float_noise() -> None:
    """Issue 19 item 8: `3688.6306700000005` in a CSV; % and $/MWh to the cent, MW kept to AEMO's 5 decimals."""
    from dashboard.components.tables import csv_text

    frame = pd.DataFrame({"mw": [3688.6306700000005], "share_pct": [12.345678], "rrp": [101.23456],
                          "energy_gwh": [0.1 + 0.2], "duid": ["BW01"]})  # fmt: skip
    lines = csv_text(frame).splitlines()
    assert lines == ["mw,share_pct,rrp,energy_gwh,duid", "3688.63067,12.35,101.23,0.3,BW01"]


def _download(button) -> str:  # noqa: ANN001
    return button.callback().getvalue()


def test_generation_csv_names_its_region_and_spot_csv_holds_the_window(demo: Path) -> None:
    """Issue 19 item 18: the fuel-stack CSV had no region column; the spot CSV only the last 2 hours
    (now the Price Analysis tab's price CSV: the whole window)."""
    import io

    from dashboard.tabs.generation import GenerationTab
    from dashboard.tabs.prices import PricesTab

    store = Store(demo / "warehouse")
    gen = GenerationTab(store)
    gen.region.value = "SA1"
    fuel = pd.read_csv(io.StringIO(_download(gen.download)))
    assert not fuel.empty and set(fuel["region"]) == {"SA1"}
    spot = PricesTab(store)
    spot.window.preset.value = "24 h"
    spot.refresh()
    prices = pd.read_csv(io.StringIO(_download(spot.download)), parse_dates=["settlementdate"])
    span = prices["settlementdate"].max() - prices["settlementdate"].min()
    assert span >= pd.Timedelta(hours=20) and set(prices["region_id"]) == {"NSW1", "QLD1", "SA1", "TAS1", "VIC1"}


def test_station_search_suggests_instead_of_opening_a_wrong_match(demo: Path) -> None:
    """Issue 19 item 6: `'; drop table x; --` silently opened "The Drop Power Station"."""
    from dashboard.tabs.station import StationTab

    tab = StationTab(Store(demo / "warehouse"))
    tab.refresh()
    opened = tab.matches.value
    assert opened
    tab.query.value = "'; drop table x; --"
    assert tab.matches.value == opened  # the page stays
    assert tab.heading.object.startswith("No close match for “'; drop table x; --”. Nearest: The Drop Power Station")
    tab.query.value = "   "
    assert tab.matches.value == opened and tab.heading.object.startswith("Nothing searched")
    tab.query.value = "Bayswter pwer"  # a typo of a real name still opens it
    assert tab.matches.value == "Bayswater Power Station"


def test_search_confidence_counts_the_typed_words() -> None:
    index = StationIndex(pd.DataFrame({
        "duid": ["DROP1", "BW01"], "station_name": ["The Drop Power Station", "Bayswater Power Station"],
    }))  # fmt: skip
    injection = index.search("'; drop table x; --")
    assert injection and not injection[0].confident and index.best("'; drop table x; --") is None
    assert index.best("bayswter pwer").station == "Bayswater Power Station"
    assert index.best("BW01").station == "Bayswater Power Station"


def test_custom_range_picker_is_bound_to_the_data_and_opens_on_the_window(demo: Path) -> None:
    """Issue 19 item 7: the picker offered any date and opened on an empty month after the data."""
    from dashboard.tabs.generation import GenerationTab

    store = Store(demo / "warehouse")
    tab = GenerationTab(store)
    tab.refresh()
    newest, oldest = store.newest_interval(), store.oldest_interval()
    five = dt.timedelta(minutes=5)
    picker = tab.window.picker
    assert (picker.start, picker.end) == ((oldest - five).date(), (newest - five).date())
    tab.window.preset.value = "24 h"
    tab.window.preset.value = "Custom"
    assert picker.value == (max((newest - dt.timedelta(hours=24)).date(), picker.start), (newest - five).date())
    # and the tab refreshed on that range: whole days from midnight
    assert f"{picker.value[0]:%Y-%m-%d} 00:00 →" in tab.caption.object
    tab.window.preset.value = "30 days"  # a window reaching before the data: the picker opens inside it
    tab.window.picker.value = None
    tab.window.preset.value = "Custom"
    assert picker.value[0] == picker.start


def test_empty_and_partial_windows_say_so(demo: Path) -> None:
    """Issue 19 item 15: "mean net generation nan MW" for a range without data; a 30-day window on
    a short warehouse drew an empty left half without a word."""
    from dashboard.tabs.generation import GenerationTab

    store = Store(demo / "warehouse")
    tab = GenerationTab(store)
    tab.window.preset.value = "30 days"
    assert "data from" in tab.caption.object and "nan" not in tab.caption.object
    assert tab.stack.before.visible and tab.price.before.visible
    left, right = tab.stack.before.left, tab.stack.before.right
    assert left == epoch_ms(store.newest_interval() - dt.timedelta(days=30))
    assert right == epoch_ms(store.oldest_interval() - dt.timedelta(minutes=5))
    tab.window.preset.value = "24 h"
    assert not tab.stack.before.visible
    oldest = store.oldest_interval()
    with tab.quietly():
        tab.window.preset.value = "Custom"
    tab.window.picker.param.update(start=None, end=None)
    tab.window.picker.value = ((oldest - dt.timedelta(days=20)).date(), (oldest - dt.timedelta(days=19)).date())
    assert "no data in this window" in tab.caption.object and "nan" not in tab.caption.object
    assert tab.stack.label.visible and "5-min" not in tab.stack.figure.title.text
