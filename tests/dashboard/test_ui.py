"""Browser tests of the real dashboard server over a one-day demo warehouse.

Each test opens its own session. The live-refresh test publishes a new interval, so it runs last.
Screenshots of every tab go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest

from dashboard import theme

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300)]

TABS = [
    ("Today", ".today-so-far .tabulator-row"),
    ("Generation by Fuel", "canvas"),
    ("Capacity Utilisation", "canvas"),
    ("Transmission", "canvas"),
    ("Average Price Analysis", ".price-pivot .tabulator-row"),
    ("Station Analysis", "canvas"),
    ("Price Analysis", ".prices-stats .tabulator-row"),
    ("Comparison", ".comparison-metrics .tabulator-row"),
    ("Curtailment", ".curtailment-table .tabulator-row"),
    ("Batteries", ".battery-table .tabulator-row"),
]


def newest_interval(warehouse: Path) -> str:
    from aemo_wh import views

    con = views.connect(warehouse)
    try:
        (value,) = con.execute("select max(settlementdate) from region_price").fetchall()[0]
    finally:
        con.close()
    return f"{value:%Y-%m-%d %H:%M}"


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def visible(page, selector: str):
    return page.locator(f"{selector} >> visible=true")


def text_of(page, css_class: str) -> str:
    """Text of a pmui Typography tagged with css_classes=[css_class] (its text is in the shadow DOM)."""
    loc = page.locator(f".{css_class} .MuiTypography-root >> visible=true")
    return loc.first.inner_text() if loc.count() else ""


def caption(page) -> str:
    return text_of(page, "stack-caption")


def parse_number(text: str) -> float:
    cleaned = text.replace("$", "").replace(",", "").strip()
    return float(cleaned)


def test_every_tab_renders_offline(app, demo: Path, artifacts: Path) -> None:
    # screenshots are of the (tall) viewport: a full_page capture resizes the page, and a bokeh
    # relayout racing that resize logs "reading 'top_panel'" - which this test treats as an error
    page = app.page
    assert page.get_by_text("Nem Analysis").first.is_visible()
    assert page.get_by_text("Demo data — simulated").first.is_visible()
    footer = f"Last Updated: {newest_interval(demo / 'warehouse')} | data:AEMO, design ITK"
    wait_until(lambda: footer in text_of(page, "nem-footer"), what=footer)
    for i, (name, selector) in enumerate(TABS):
        app.step = name
        open_tab(page, name)
        visible(page, selector).first.wait_for(state="visible")
        page.mouse.move(5, 5)
        time.sleep(1.0)  # let bokeh finish drawing before the screenshot
        page.screenshot(path=str(artifacts / f"{i + 1}_{name.lower().replace(' ', '_')}.png"))
    app.step = "back to Generation by Fuel"
    open_tab(page, "Generation by Fuel")
    assert tooltip_lightness(page) < 0.3  # the hover tooltip follows the dark theme (Bokeh's own is white)
    for toggle in range(3):  # after every tab was shown and hidden: re-theming must not touch detached plots
        app.step = f"theme toggle {toggle}"
        page.get_by_role("button", name="Toggle theme").click()
        time.sleep(0.7)
    page.screenshot(path=str(artifacts / "7_generation_light_theme.png"))
    assert tooltip_lightness(page) > 0.7  # and the light one after the toggle
    assert app.external == [], f"requests left 127.0.0.1: {app.external}"
    assert [e for e in app.errors if "WebGL" not in e] == [], app.errors


def tooltip_lightness(page) -> float:
    """0 (black) .. 1 (white): the background of the stack's hover tooltip."""
    page.mouse.move(5, 5)
    box = visible(page, "canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
    tip = page.locator(".bk-Tooltip >> visible=true").first
    tip.wait_for(state="visible")
    rgb = tip.evaluate("""el => {
        const c = document.createElement('canvas').getContext('2d');
        c.fillStyle = getComputedStyle(el).backgroundColor; c.fillRect(0, 0, 1, 1);
        return Array.from(c.getImageData(0, 0, 1, 1).data.slice(0, 3));
    }""")
    page.mouse.move(5, 5)
    return sum(rgb) / (3 * 255)


def test_changing_region_changes_the_stack(app, artifacts: Path) -> None:
    page = app.page
    open_tab(page, "Generation by Fuel")
    before = wait_until(lambda: (c := caption(page)).startswith("NEM") and c, what="NEM caption")
    page.get_by_role("radio", name="SA1").first.check()
    after = wait_until(lambda: (c := caption(page)).startswith("SA1") and c, what="SA1 caption")
    mean = re.compile(r"mean net generation ([\d,]+) MW")
    nem_mw, sa_mw = (parse_number(mean.search(t).group(1)) for t in (before, after))
    assert sa_mw < nem_mw, (before, after)
    # a region stack carries Transmission (net import); NEM has none
    wait_until(lambda: visible(page, ".tabulator-row", ).filter(has_text="Transmission").count() > 0,
               what="Transmission in the SA1 fuel mix")
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "1b_generation_sa1.png"))


def choose(page, index: int, option: str) -> None:
    """Pick `option` in the index-th visible MUI Select (its items are role=menuitem)."""
    page.get_by_role("combobox").nth(index).click()
    page.get_by_role("menuitem", name=option, exact=True).click()


def row_label(row) -> str:
    return next(t.strip() for t in row.inner_text().split("\n") if t.strip())


def _row_values(row) -> dict[str, str]:
    out = {}
    for field in ("generation_gwh", "revenue_musd", "price_per_mwh"):
        out[field] = row.locator(f'.tabulator-cell[tabulator-field="{field}"]').inner_text()
    out["label"] = row_label(row)
    return out


def test_pivot_regroups_and_group_price_is_volume_weighted(app, artifacts: Path) -> None:
    page = app.page
    open_tab(page, "Average Price Analysis")
    visible(page, ".price-pivot .tabulator-row").first.wait_for()
    page.get_by_role("radio", name="All Data").first.check()
    # Group by Fuel, then Region, then nothing (DUIDs under regions)
    choose(page, 0, "Fuel")
    wait_until(lambda: "grouped by Fuel" in text_of(page, "pivot-caption"), what="Fuel first")
    choose(page, 1, "Region")
    choose(page, 2, "—")
    wait_until(lambda: "grouped by Fuel › Region › DUID" in text_of(page, "pivot-caption"),
               what="Fuel › Region")
    table = visible(page, ".price-pivot").first
    table.locator(".tabulator-row").first.wait_for()
    fuels = set(theme.FUEL_ORDER)
    top = table.locator(".tabulator-row.tabulator-tree-level-0")
    # the caption changes before the browser has redrawn the table: wait for the regrouped rows
    wait_until(lambda: (ls := [row_label(top.nth(i)) for i in range(top.count())]) and set(ls) <= fuels
                        and ls, what="fuel group rows")
    # expand Coal (several regions) and compare its price with Σ$ / ΣMWh of its children
    coal = table.locator(".tabulator-row.tabulator-tree-level-0", has_text="Coal").first
    group = _row_values(coal)
    coal.locator(".tabulator-data-tree-control-expand").click()
    children = table.locator(".tabulator-row.tabulator-tree-level-1")
    wait_until(lambda: children.count() >= 2, what="Coal's region rows")
    kids = [_row_values(children.nth(i)) for i in range(children.count())]
    assert {k["label"] for k in kids} <= {"NSW1", "QLD1", "SA1", "TAS1", "VIC1"} and len(kids) >= 2, kids
    gwh = sum(parse_number(k["generation_gwh"]) for k in kids)
    musd = sum(parse_number(k["revenue_musd"]) for k in kids)
    # shown to 2 decimals (issue 19 item 18): each shown figure is within 0.005 of its value
    assert parse_number(group["generation_gwh"]) == pytest.approx(gwh, abs=0.005 * (len(kids) + 1))
    assert parse_number(group["revenue_musd"]) == pytest.approx(musd, abs=0.005 * (len(kids) + 1))
    weighted = musd * 1000 / gwh
    shown = parse_number(group["price_per_mwh"])
    assert shown == pytest.approx(weighted, rel=0.01, abs=0.05), (group, kids)
    prices = [parse_number(k["price_per_mwh"]) for k in kids]
    mean_of_means = sum(prices) / len(prices)
    if abs(mean_of_means - weighted) > 0.05 * max(1.0, abs(weighted)):
        assert shown != pytest.approx(mean_of_means, rel=0.01), "group price is a mean of means"
    page.mouse.move(5, 5)
    page.screenshot(path=str(artifacts / "4b_price_pivot_fuel_region.png"))


def test_pivot_group_rows_keep_capacity_and_each_field_is_offered_once(app, artifacts: Path) -> None:
    """Issue 19 item 2: a child without capacity (a battery's charging side, a pump) blanked its region's
    Cap MW and Util %; "-" and "—" both meant "no value"; "Fuel" then "Fuel" was accepted."""
    page = app.page
    open_tab(page, "Average Price Analysis")
    choose(page, 0, "Region")
    page.get_by_role("combobox").nth(1).click()
    offered = [m.inner_text().strip() for m in page.get_by_role("menuitem").all()]
    page.keyboard.press("Escape")
    assert "Region" not in offered and {"Fuel", "Station", "—"} <= set(offered), offered
    choose(page, 1, "Fuel")
    choose(page, 2, "Station")
    wait_until(lambda: "grouped by Region › Fuel › Station" in text_of(page, "pivot-caption"), what="Region first")
    table = visible(page, ".price-pivot").first
    top = table.locator(".tabulator-row.tabulator-tree-level-0")
    wait_until(lambda: top.count() >= 5 and {row_label(top.nth(i)) for i in range(top.count())}
               >= {"NSW1", "QLD1", "SA1", "TAS1", "VIC1"}, what="region rows")  # fmt: skip
    for i in range(top.count()):
        row = top.nth(i)
        cap = row.locator('.tabulator-cell[tabulator-field="capacity_mw"]').inner_text().strip()
        util = row.locator('.tabulator-cell[tabulator-field="utilisation_pct"]').inner_text().strip()
        assert parse_number(cap) > 0 and 0 < parse_number(util) <= 100, (row_label(row), cap, util)
    cells = table.locator(".tabulator-cell").all_inner_texts()
    assert "-" not in {c.strip() for c in cells}  # one sign for "no value": "—"
    page.mouse.move(5, 5)
    page.screenshot(path=str(artifacts / "4c_price_pivot_region_capacity.png"))


def test_the_footer_stays_below_the_tables(browser, server: str, artifacts: Path) -> None:
    """Issue 19 item 9: on a window shorter than the page, "Last Updated" was drawn over the fuel-mix
    rows (and the Transmission summary): it sat where the first layout's Tabs box ended."""
    context = browser.new_context(viewport={"width": 1400, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(server)
        page.locator("canvas").first.wait_for(state="visible")
        for name in ("Generation by Fuel", "Transmission"):
            open_tab(page, name)
            rows = visible(page, ".tabulator .tabulator-row")
            rows.first.wait_for()
            footer = visible(page, ".nem-footer").first

            def below(footer=footer, rows=rows) -> bool:
                last = rows.nth(rows.count() - 1).bounding_box()
                return footer.bounding_box()["y"] >= last["y"] + last["height"] - 1

            wait_until(below, what=f"footer below the last table row on {name}")
        open_tab(page, "Generation by Fuel")
        page.mouse.move(700, 500)
        page.mouse.wheel(0, 700)
        time.sleep(0.5)
        page.screenshot(path=str(artifacts / "8_footer_below_tables.png"))
    finally:
        context.close()


def test_today_is_the_landing_page_and_matches_the_views(app, demo: Path, artifacts: Path) -> None:
    """Issue 14: Today opens first; its cards show region_price's newest RRP, its flows diagram one
    arrow per interconnector of the newest interval, its tables fill in after the first paint."""
    from aemo_wh import views

    page = app.page
    assert page.get_by_role("tab", name="Today", exact=True).get_attribute("aria-selected") == "true"
    con = views.connect(demo / "warehouse")
    try:
        newest = con.execute("select max(settlementdate) from region_price").fetchall()[0][0]
        prices = dict(con.execute("select region_id, rrp from region_price where settlementdate = ?",
                                  [newest]).fetchall())
        links = {r[0] for r in con.execute(
            "select interconnector_id from interconnector_flow where settlementdate = ? "
            "and from_region is not null and to_region is not null", [newest]).fetchall()}
    finally:
        con.close()
    for region, rrp in prices.items():
        price = visible(page, f".today-card-{region} .today-price").first
        wait_until(lambda price=price: price.inner_text().strip() not in ("", "—"), what=f"{region} card")
        assert parse_number(price.inner_text().replace("-$", "-")) == pytest.approx(rrp, abs=0.005)
    visible(page, ".today-so-far .tabulator-row").first.wait_for()
    rows = visible(page, ".today-so-far .tabulator-row")
    assert [row_label(rows.nth(i)) for i in range(rows.count())] == ["NEM", "NSW1", "QLD1", "SA1", "TAS1", "VIC1"]
    drawn = page.evaluate("""() => {
        for (const m of Bokeh.documents[0].all_models) {
            if (m.data && m.data.label && m.data.x0) { return Array.from(m.data.id); }
        }
        return null;
    }""")
    assert set(drawn) == links and links
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "0_today.png"))
    assert [e for e in app.errors if "WebGL" not in e] == [], app.errors


def test_comparison_periods_regions_and_stations(app, demo: Path, artifacts: Path) -> None:
    """Issue 14: B's mean price for SA1 is region_price's mean over B (this week so far); the regions
    and stations modes fill their tables."""
    from aemo_wh import views
    from dashboard.components.periods import PRESETS, preset_periods

    page = app.page
    open_tab(page, "Comparison")
    visible(page, ".comparison-metrics .tabulator-row").first.wait_for()
    choose(page, 1, "SA1")
    wait_until(lambda: text_of(page, "comparison-caption").startswith("SA1"), what="SA1 caption")
    con = views.connect(demo / "warehouse")
    try:
        newest = con.execute("select max(settlementdate) from region_price").fetchall()[0][0]
        _a, b = preset_periods(PRESETS[0], newest)
        (mean,) = con.execute("select avg(rrp) from region_price where region_id = 'SA1' and settlementdate > ? "
                              "and settlementdate <= ?", [b.start, b.end]).fetchall()[0]
    finally:
        con.close()
    row = visible(page, ".comparison-metrics .tabulator-row").filter(has_text="Mean price").first

    def shown_b() -> float | None:
        text = row.locator('.tabulator-cell[tabulator-field="b"]').inner_text().strip()
        return None if text in ("", "—") else parse_number(text)

    assert wait_until(lambda: (v := shown_b()) is not None and abs(v - mean) < 0.006 and v, what="B mean price") \
        == pytest.approx(mean, abs=0.006)
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "9a_comparison_periods.png"))
    page.get_by_role("button", name="Regions", exact=True).click()
    regions = visible(page, ".comparison-regions .tabulator-row")
    wait_until(lambda: regions.count() == 5, what="five region rows")
    page.get_by_role("button", name="Stations", exact=True).click()
    stations = visible(page, ".comparison-stations .tabulator-row")
    wait_until(lambda: stations.count() == 2, what="two default stations")
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "9b_comparison_stations.png"))
    assert [e for e in app.errors if "WebGL" not in e] == [], app.errors


def test_price_analysis_window_bands_and_a_figure_against_sql(app, demo: Path, artifacts: Path) -> None:
    """Issue 17: the tab opens with its cards and statistics; a 24-h window, new band edges and a
    region change redraw it; SA1's mean over the window is region_price's."""
    from aemo_wh import views

    page = app.page
    open_tab(page, "Price Analysis")
    visible(page, ".prices-stats .tabulator-row").first.wait_for()
    visible(page, "text=24 h").first.click()
    edges = page.get_by_label("Price bands: edges ($/MWh)")
    edges.fill("0, 100, 200")
    edges.press("Enter")
    bands = visible(page, ".prices-bands .tabulator-row")
    wait_until(lambda: bands.filter(has_text="$100 – $200").count() > 0, what="the new bands")
    con = views.connect(demo / "warehouse")
    try:
        newest = con.execute("select max(settlementdate) from region_price").fetchall()[0][0]
        (mean,) = con.execute("select avg(rrp) from region_price where region_id = 'SA1' and settlementdate > ? "
                              "- interval 24 hour and settlementdate <= ?", [newest, newest]).fetchall()[0]
    finally:
        con.close()
    rows = visible(page, ".prices-stats .tabulator-row").filter(has_text="SA1").filter(has_text="this window")

    def shown() -> float | None:
        if not rows.count():
            return None
        text = rows.first.locator('.tabulator-cell[tabulator-field="mean_rrp"]').inner_text().strip()
        return None if text in ("", "—") else parse_number(text)

    wait_until(lambda: (v := shown()) is not None and abs(v - mean) < 0.006, what=f"SA1 mean {mean:.2f}")
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "7b_price_analysis_24h.png"))
    assert [e for e in app.errors if "WebGL" not in e] == [], app.errors


def test_curtailment_and_batteries_show_the_views_figures(app, demo: Path, artifacts: Path) -> None:
    """Issue 15: the Curtailment headline's GWh and the Batteries card's discharged energy over the
    7-day window (all of the demo) are the views' sums."""
    from aemo_wh import views
    from dashboard.tabs.batteries import energy_text

    con = views.connect(demo / "warehouse")
    try:
        newest = con.execute("select max(settlementdate) from region_price").fetchall()[0][0]
        window = [newest - dt.timedelta(days=7), newest]
        (curtailed,) = con.execute("select coalesce(sum(curtailed_mwh), 0) / 1000 from curtailment "
                                   "where settlementdate > ? and settlementdate <= ?", window).fetchall()[0]
        (discharged,) = con.execute("select sum(discharge_mw) * 5 / 60 from battery_flows "
                                    "where settlementdate > ? and settlementdate <= ?", window).fetchall()[0]
    finally:
        con.close()
    page = app.page
    open_tab(page, "Curtailment")
    visible(page, ".curtailment-table .tabulator-row").first.wait_for()
    wanted = f"{curtailed:,.1f} GWh curtailed"
    wait_until(lambda: wanted in text_of(page, "curtailment-headline"), what=wanted)
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "9b_curtailment.png"))
    open_tab(page, "Batteries")
    visible(page, ".battery-table .tabulator-row").first.wait_for()
    card = visible(page, ".battery-card .today-price").first  # the first card: Discharged
    wait_until(lambda: card.inner_text().strip() == energy_text(discharged), what=energy_text(discharged))
    visible(page, "text=SA1").first.click()
    wait_until(lambda: visible(page, ".battery-table .tabulator-row").filter(has_text="NSW1").count() == 0,
               what="only SA1 batteries")
    page.mouse.move(5, 5)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts / "9c_batteries_sa1.png"))
    assert [e for e in app.errors if "WebGL" not in e] == [], app.errors


def test_station_search_tolerates_typos(app, artifacts: Path) -> None:
    page = app.page
    open_tab(page, "Station Analysis")
    box = page.get_by_label("Search station or DUID")
    box.fill("Bayswter pwer")
    box.press("Enter")
    wait_until(lambda: "Bayswater" in text_of(page, "station-heading"), what="Bayswater")
    heading = text_of(page, "station-heading")
    assert "BW01" in heading, heading
    page.get_by_role("tab", name="Time of Day").click()
    time.sleep(1.5)
    page.mouse.move(5, 5)
    page.screenshot(path=str(artifacts / "5a_station_time_of_day.png"))
    page.get_by_role("tab", name="Summary").click()
    summary = visible(page, ".station-summary").first
    summary.locator(".tabulator-row").first.wait_for()
    text = summary.locator(".tabulator-tableholder").inner_text()
    assert "Volume-weighted price" in text and "$" in text
    page.mouse.move(5, 5)
    page.screenshot(path=str(artifacts / "5b_station_summary.png"))


def test_new_interval_appears_without_reload(app, demo: Path) -> None:
    """Publish one more 5-minute interval through the ordinary ingest; the open page follows."""
    from aemo_wh.demo.fixture import ingest_mirror
    from aemo_wh.demo.mirror import append_intervals

    page = app.page
    open_tab(page, "Generation by Fuel")
    page.get_by_role("radio", name="VIC1").first.check()
    wait_until(lambda: caption(page).startswith("VIC1"), what="VIC1 caption")
    before = newest_interval(demo / "warehouse")
    assert f"Last Updated: {before}" in text_of(page, "nem-footer")
    # pan the stack (the default drag tool): the refresh below must keep the user's view
    window = stack_x_range(page)
    sent_mark = len(app.sent)
    box = visible(page, "canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 200, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    panned = wait_until(lambda: (r := stack_x_range(page)) != window and r, what="panned range")
    # the panned range reaches the server, and the server has applied it, before the new data lands
    # (a CI run ingested while the pan was still queued behind other work: the refresh then reset it)
    wait_until(lambda: app.acknowledged(sent_mark, lambda e: e.get("kind") == "ModelChanged"
                                        and e.get("attr") == "end" and e.get("new") == panned[1]),
               what="panned range applied by the server")
    added = append_intervals(demo / "mirror", count=1)
    assert added
    ingest_mirror(demo / "mirror", demo / "warehouse", compact=False)
    after = newest_interval(demo / "warehouse")
    assert after > before
    wait_until(lambda: f"Last Updated: {after}" in text_of(page, "nem-footer"),
               timeout=30, what=f"footer {after}")
    # the stack moved with the data and kept the user's region
    wait_until(lambda: caption(page).startswith("VIC1") and f"→ {after}" in caption(page), what="stack refresh")
    assert page.get_by_role("radio", name="VIC1").first.is_checked()
    assert stack_x_range(page) == panned  # new data did not undo the pan
    mark = len(app.frames)
    page.get_by_role("radio", name="SA1").first.check()  # a new selection shows the whole window again
    reset = wait_until(lambda: caption(page).startswith("SA1") and stack_x_range(page), what="SA1 stack")
    assert reset[1] - reset[0] == pytest.approx(window[1] - window[0]) and reset[1] > window[1]
    # and reached the browser whole: the x range's start and end travel in one message (sent apart,
    # the browser drew the half-set range in between: a CI run read a 59-h span for a 48-h window)
    time.sleep(0.5)
    range_updates = []
    for events in app.patches_since(mark):
        set_here: dict[str, set[str]] = {}
        for event in events:
            if event.get("kind") == "ModelChanged" and event.get("attr") in ("start", "end"):
                set_here.setdefault(event["model"]["id"], set()).add(event["attr"])
        range_updates += set_here.values()
    assert range_updates and all(attrs == {"start", "end"} for attrs in range_updates), range_updates


def stack_x_range(page) -> list[float]:
    """[start, end] (ms) of the Generation stack's x range as the browser has it."""
    return page.evaluate("""() => {
        for (const m of Bokeh.documents[0].all_models) {
            if (m.title && m.title.text && m.title.text.startsWith("Generation by fuel")) {
                return [m.x_range.start, m.x_range.end];
            }
        }
        return null;
    }""")


def test_the_server_output_holds_no_library_noise(browser, server: str, server_out: Path) -> None:
    """Issue 19 item 17: after every other test here (and one more walk, closed at once) the served
    process printed no Bokeh deserializer warnings, no replies to closed pages, no orphaned task errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server)
    page.locator("canvas").first.wait_for(state="visible")
    for name in ("Batteries", "Today", "Generation by Fuel"):
        open_tab(page, name)
        time.sleep(0.8)
    page.get_by_role("radio", name="SA1").first.check()  # a patch in flight as the page closes
    context.close()
    time.sleep(2.0)
    text = server_out.read_text(errors="replace")
    for noise in ("reference already known", "Failed sending message", "Task exception was never retrieved"):
        assert noise not in text, f"{noise!r} in the server output:\n{text[-3000:]}"
