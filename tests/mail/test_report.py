"""The daily report over the simulated warehouse: figures, MIME structure, the CLI, the rendered page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from aemo_wh import views
from aemo_wh.config import PROJECT_ROOT
from aemo_wh.errors import AemoWhError
from aemo_wh.mail import outbox
from aemo_wh.mail.report import build_report, send_daily_report

from .conftest import REPORT_DAY, publish_scada  # noqa: TID252

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WINDOW = [dt.datetime.combine(REPORT_DAY, dt.time()), dt.datetime.combine(REPORT_DAY, dt.time()) + dt.timedelta(days=1)]


def test_figures_agree_with_the_raw_tables(demo):
    report = build_report(demo, REPORT_DAY)
    f = report.facts
    con = views.connect(demo)
    raw = {r[0]: r[1:] for r in con.execute(
        "select regionid, avg(rrp), max(rrp), count(*) filter (where rrp < 0) / 12.0, count(distinct settlementdate) "
        "from dispatch_price where intervention = 0 and settlementdate > ? and settlementdate <= ? group by 1",
        WINDOW).fetchall()}
    assert sorted(r["region_id"] for r in f["prices"]) == ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"]
    for r in f["prices"]:
        avg, mx, neg_h, n = raw[r["region_id"]]
        assert r["avg_price"] == pytest.approx(avg)
        assert r["max_price"] == pytest.approx(mx)
        assert r["negative_hours"] == pytest.approx(neg_h)
        assert r["intervals"] == n
        assert r["min_price"] <= r["vw_price"] <= r["max_price"]
    shares = [m["pct"] for m in f["mix"] if m["pct"] is not None]
    assert sum(shares) == pytest.approx(100.0)
    assert 0 < f["renewable_pct"] < 100
    assert [m["fuel_class"] for m in f["mix"] if m["gwh"] < 0] == [m["fuel_class"] for m in f["mix"] if m["pct"] is None]
    revenues = [t["revenue_aud"] for t in f["top_stations"]]
    assert 0 < len(revenues) <= 10 and revenues == sorted(revenues, reverse=True)
    assert f["interconnectors"] and all(0 <= i["hours_at_limit"] <= 24 for i in f["interconnectors"])
    present = {c["dataset"]: c["present"] for c in f["coverage"]}["Dispatch prices"]
    assert present == raw["NSW1"][3]
    assert len(f["price_gaps"]) == 288 - present
    unknown = [r[0] for r in con.execute("select duid from unknown_duids").fetchall()]
    assert [u["duid"] for u in f["unknown_duids"]] == unknown and unknown


def test_frozen_scada_is_counted_for_the_report_day_only(demo):
    """An hour of one repeated non-zero value in the day is a frozen run; one the day after is not."""
    before = build_report(demo, REPORT_DAY).facts["frozen_runs"]
    day = WINDOW[0]
    publish_scada(demo, [("FROZEN1", day + dt.timedelta(hours=3, minutes=5 * i), 123.4) for i in range(14)]
                  + [("FROZEN2", WINDOW[1] + dt.timedelta(hours=3, minutes=5 * i), 55.0) for i in range(14)])
    report = build_report(demo, REPORT_DAY)
    assert report.facts["frozen_runs"] == before + 1
    assert f"SCADA values frozen for an hour or more that day: {before + 1}." in report.text


def _img_srcs(html: str) -> list[str]:
    return re.findall(r'<img[^>]+src="([^"]+)"', html)


def test_report_send_cli_delivers_html_text_and_inline_charts(demo, smtp_server, run_cli, tmp_path):
    srv = smtp_server("starttls")
    out = tmp_path / "out" / "report.html"
    env = {"AEMO_WH_PATHS_WAREHOUSE": str(demo.warehouse_dir),
           "AEMO_WH_PATHS_OVERRIDES": str(demo.path(demo.paths.overrides))}
    res = run_cli(["report", "send", "--date", REPORT_DAY.isoformat(), "--to", str(out)],
                  email=srv.email_settings(), extra_env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "sent to desk@example.com, ops@example.com" in res.stdout
    (got,) = srv.received
    assert got.tls and got.authenticated and got.rcpt_tos == ["desk@example.com", "ops@example.com"]
    m = got.message
    assert m["Subject"].startswith("[aemo-wh] NEM daily report Wed 25 Nov 2026")
    assert m["X-AEMO-WH-Report"] == "2026-11-25"
    assert m.get_content_type() == "multipart/alternative"
    plain, related = m.iter_parts()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, *pngs = related.iter_parts()
    html = html_part.get_content()
    text = plain.get_content()
    assert len(pngs) == 2
    cids = {p["Content-ID"].strip("<>") for p in pngs}
    assert {s.removeprefix("cid:") for s in _img_srcs(html)} == cids
    for p in pngs:
        assert p.get_content_type() == "image/png" and p.get_content_disposition() == "inline"
        assert p.get_content()[:8] == b"\x89PNG\r\n\x1a\n" and len(p.get_content()) > 10_000
    assert "<style" not in html and "<link" not in html and "http://" not in html and "https://" not in html
    for region in ("NSW1", "QLD1", "SA1", "TAS1", "VIC1"):
        assert region in html and region in text
    for heading in ("PRICES", "GENERATION MIX", "TOP 10 STATIONS BY REVENUE", "INTERCONNECTORS", "DATA QUALITY"):
        assert heading in text
    duid = views.connect(demo).execute("select duid from unknown_duids").fetchall()[0][0]
    assert duid in html and duid in text
    written = out.read_text()
    assert "cid:" not in written and written.count("data:image/png;base64,") == 2
    assert outbox.pending(demo) == []


def test_daily_report_is_queued_once_per_day(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    first = send_daily_report(s, REPORT_DAY)
    again = send_daily_report(s, REPORT_DAY)
    assert first and again is None
    assert [r.message["X-AEMO-WH-Report"] for r in srv.received] == ["2026-11-25"]


def test_day_without_data_is_a_clear_error(demo):
    with pytest.raises(AemoWhError) as err:
        build_report(demo, dt.date(2020, 1, 1))
    assert "2020-01-01" in err.value.msg and "--date" in err.value.hint


def test_report_without_email_still_writes_the_file(demo, run_cli, tmp_path):
    out = tmp_path / "r.html"
    res = run_cli(["report", "send", "--date", REPORT_DAY.isoformat(), "--to", str(out), "--no-send"],
                  extra_env={"AEMO_WH_PATHS_WAREHOUSE": str(demo.warehouse_dir)})
    assert res.returncode == 0, res.stderr
    assert "Wednesday 25 November 2026" in out.read_text()


@pytest.mark.ui
def test_rendered_report_in_chromium(demo, browser):
    """Write test-artifacts/report.html, open it in headless Chromium, check the charts load, screenshot it."""
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / "report.html"
    page_file.write_text(build_report(demo, REPORT_DAY).standalone_html(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 820, "height": 1000})
    try:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(Path(page_file).as_uri())
        sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
        assert len(sizes) == 2 and all(w > 500 and h > 200 for w, h in sizes)
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
        assert page.locator("text=Top 10 stations by revenue").count() == 1
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        page.close()
