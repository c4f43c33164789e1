"""Alert rules over the simulated warehouse: sent once, remembered across runs and restarts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from aemo_wh import views
from aemo_wh.mail import outbox
from aemo_wh.mail.alerts import run_alert_rules
from aemo_wh.mail.state import load_alert_state

from .conftest import DEMO_END, publish_scada  # noqa: TID252

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

FRESH = DEMO_END + dt.timedelta(minutes=5)


def _kinds(srv):
    return [r.message["X-AEMO-WH-Alert"] for r in srv.received]


def _by_kind(srv, kind):
    return [r.message for r in srv.received if r.message["X-AEMO-WH-Alert"] == kind]


def _unknown_in_view(s):
    con = views.connect(s)
    return con.execute("select duid, first_seen, max_mw, intervals_seen from unknown_duids order by duid").fetchall()


def _price_con(s, rows):
    """The real views over the demo warehouse, with region_price replaced by chosen prices."""
    con = views.connect(s)
    con.execute("create or replace table _chosen_prices (settlementdate timestamp, region_id varchar, rrp double)")
    con.executemany("insert into _chosen_prices values (?, ?, ?)", rows)
    con.execute("create or replace view region_price as select * from _chosen_prices")
    return con


def _add_prices(con, rows):
    con.executemany("insert into _chosen_prices values (?, ?, ?)", rows)


def test_unknown_duids_one_email_listing_all_then_silence(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    unknown = _unknown_in_view(s)
    assert unknown, "the demo warehouse has an unknown DUID on purpose"

    first = run_alert_rules(s, now=FRESH)
    assert sorted(first.new_unknown_duids) == [u[0] for u in unknown]
    (msg,) = _by_kind(srv, "unknown_duid")
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for duid, first_seen, max_mw, intervals in unknown:
        assert duid in msg["Subject"]
        assert duid in html and duid in text
        assert first_seen.strftime("%a %d %b %H:%M") in html
        assert f"{max_mw:,.1f}" in text
        assert f"| {intervals:,}" in text or f">{intervals:,}<" in html, text
    assert "<code" in html and "`" not in html  # commands shown as code, not backticks

    second = run_alert_rules(s, now=FRESH + dt.timedelta(minutes=5))
    assert second.new_unknown_duids == [] and second.queued == []
    assert len(_by_kind(srv, "unknown_duid")) == 1


def test_restart_does_not_resend(demo, smtp_server, run_cli, tmp_path):
    """Two `aemo-wh alerts check` processes: the second sends nothing at all."""
    srv = smtp_server("plain")
    email = srv.email_settings()
    env = {"AEMO_WH_PATHS_WAREHOUSE": str(demo.warehouse_dir),
           "AEMO_WH_PATHS_OVERRIDES": str(demo.path(demo.paths.overrides))}
    first = run_cli(["alerts", "check"], email=email, extra_env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    kinds = sorted(_kinds(srv))
    # the real clock is long after the demo data ended: the data is stale as well
    assert kinds == ["stale", "unknown_duid"]
    second = run_cli(["alerts", "check"], email=email, extra_env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "unknown DUIDs newly alerted: none" in second.stdout
    assert sorted(_kinds(srv)) == kinds
    state = json.loads((demo.warehouse_dir / "_state" / "alerts.json").read_text())
    assert state["freshness"]["stale"] is True and state["unknown_duids"]


def test_cooldown_realerts_only_if_still_unknown_and_still_reporting(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    run_alert_rules(s, now=FRESH)
    assert len(_by_kind(srv, "unknown_duid")) == 1
    # 8 days later, but the DUID has produced no SCADA since: nothing to say
    run_alert_rules(s, now=FRESH + dt.timedelta(days=8))
    assert len(_by_kind(srv, "unknown_duid")) == 1
    # pretend the last alert knew older SCADA: the DUID has reported since
    state_file = s.warehouse_dir / "_state" / "alerts.json"
    state = json.loads(state_file.read_text())
    for v in state["unknown_duids"].values():
        v["last_seen"] = "2026-11-24 00:00"
    state_file.write_text(json.dumps(state))
    run_alert_rules(s, now=FRESH + dt.timedelta(days=3))  # inside the cooldown (from the first alert)
    assert len(_by_kind(srv, "unknown_duid")) == 1
    run_alert_rules(s, now=FRESH + dt.timedelta(days=8))
    msgs = _by_kind(srv, "unknown_duid")
    assert len(msgs) == 2 and "cooldown" in msgs[1].get_body(("plain",)).get_content()


def test_overrides_file_stops_the_alert(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    unknown = [u[0] for u in _unknown_in_view(s)]
    rows = "\n".join(f"{d},Test station {d},QLD1,Solar" for d in unknown)
    s.path(s.paths.overrides).write_text(f"duid,station_name,region_id,fuel_class\n{rows}\n")
    summary = run_alert_rules(s, now=FRESH)
    assert summary.new_unknown_duids == []
    assert _by_kind(srv, "unknown_duid") == []
    assert load_alert_state(s)["unknown_duids"] == {}


def test_overrides_added_after_alert_clear_the_state(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    run_alert_rules(s, now=FRESH)
    unknown = [u[0] for u in _unknown_in_view(s)]
    assert set(load_alert_state(s)["unknown_duids"]) == set(unknown)
    rows = "\n".join(f"{d},Test station {d},QLD1,Solar" for d in unknown)
    s.path(s.paths.overrides).write_text(f"duid,station_name,region_id,fuel_class\n{rows}\n")
    run_alert_rules(s, now=FRESH + dt.timedelta(days=30))
    assert load_alert_state(s)["unknown_duids"] == {}
    assert len(_by_kind(srv, "unknown_duid")) == 1


def _ts(minutes):
    return DEMO_END + dt.timedelta(minutes=minutes)


def test_price_crossing_sends_one_email_and_one_follow_up(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    base = [(_ts(-5), "SA1", 80.0), (_ts(-5), "NSW1", 70.0)]
    spike = [(_ts(5 * i), "SA1", p) for i, p in enumerate([90, 1200, 1500, 2500, 1800, 1100], start=1)]
    con = _price_con(s, base + spike + [(_ts(5 * i), "NSW1", 60.0) for i in range(1, 7)])
    first = run_alert_rules(s, now=_ts(31), con=con)
    starts = _by_kind(srv, "price")
    assert len(starts) == 1, [m["Subject"] for m in starts]  # five intervals above $1,000: one email
    assert "SA1" in starts[0]["Subject"] and "$1,200" in starts[0]["Subject"]
    assert len(first.price_events) == 1
    # the next ingest brings more high intervals, then the return
    _add_prices(con, [(_ts(35), "SA1", 1300.0), (_ts(40), "SA1", 95.0), (_ts(45), "SA1", 85.0)]
                + [(_ts(m), "NSW1", 60.0) for m in (35, 40, 45)])
    run_alert_rules(s, now=_ts(46), con=con)
    assert len(_by_kind(srv, "price")) == 1
    (back,) = _by_kind(srv, "price_end")
    body = " ".join(back.get_body(("plain",)).get_content().split())
    assert "back below $1,000" in back["Subject"]
    # above from the interval ending 01:10 to the one ending 01:35: six intervals, 30 minutes
    assert "$2,500.00/MWh" in body and "lasted 30 minutes" in body
    # nothing new: nothing sent
    run_alert_rules(s, now=_ts(47), con=con)
    assert sorted(_kinds(srv)).count("price") == 1 and _kinds(srv).count("price_end") == 1


def test_thresholds_crossed_together_share_an_email_and_low_side_works(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings(), alerts={"price_high_by_region": {"QLD1": [300.0, 5000.0]}})
    rows = [(_ts(0), "QLD1", 100.0), (_ts(5), "QLD1", 14000.0), (_ts(10), "QLD1", 100.0),
            (_ts(0), "VIC1", 20.0), (_ts(5), "VIC1", -150.0), (_ts(10), "VIC1", -120.0), (_ts(15), "VIC1", -10.0)]
    rows += [(_ts(15), "QLD1", 90.0)]
    run_alert_rules(s, now=_ts(16), con=_price_con(s, rows))
    subjects = sorted(m["Subject"] for m in _by_kind(srv, "price"))
    assert len(subjects) == 2
    qld = next(x for x in subjects if "QLD1" in x)
    assert "≥ $5,000" in qld  # the most extreme threshold names the event
    qld_body = next(m for m in _by_kind(srv, "price") if "QLD1" in m["Subject"]).get_body(("plain",)).get_content()
    assert "≥ $300" in qld_body and "≥ $5,000" in qld_body
    assert any("VIC1" in x and "≤ -$100" in x for x in subjects)
    ends = sorted(m["Subject"] for m in _by_kind(srv, "price_end"))
    assert len(ends) == 2 and any("above -$100" in e for e in ends)


def test_old_crossings_update_state_but_are_not_emailed(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    rows = [(_ts(0), "SA1", 50.0), (_ts(5), "SA1", 5000.0)]
    run_alert_rules(s, now=_ts(5) + dt.timedelta(hours=5), con=_price_con(s, rows))
    assert _by_kind(srv, "price") == []
    assert "SA1|high|1000" in load_alert_state(s)["price"]["active"]


def test_freshness_alert_once_and_recovery_once(demo, smtp_server):
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    con = _price_con(s, [(_ts(0), "NSW1", 50.0)])
    assert run_alert_rules(s, now=_ts(10), con=con).freshness.startswith("fresh")
    stale = run_alert_rules(s, now=_ts(40), con=con)
    assert stale.freshness.startswith("STALE")
    run_alert_rules(s, now=_ts(50), con=con)
    run_alert_rules(s, now=_ts(70), con=con)
    assert _kinds(srv).count("stale") == 1
    (m,) = _by_kind(srv, "stale")
    assert "No new dispatch data for 40 minutes" in m["Subject"]
    _add_prices(con, [(_ts(75), "NSW1", 55.0)])
    assert run_alert_rules(s, now=_ts(76), con=con).freshness == "recovered"
    run_alert_rules(s, now=_ts(80), con=con)
    (r,) = _by_kind(srv, "recovered")
    assert "gap of 75 minutes" in " ".join(r.get_body(("plain",)).get_content().split())


def test_without_email_config_rules_run_but_nothing_is_recorded(demo):
    summary = run_alert_rules(demo, now=FRESH)
    assert summary.config_error and "email.smtp_host" in summary.config_error
    assert summary.new_unknown_duids and summary.alerts and summary.queued == []
    assert not (demo.warehouse_dir / "_state" / "alerts.json").exists()
    assert outbox.pending(demo) == []
    assert "NOT SENT" in summary.describe()


def test_server_down_alert_kept_and_delivered_once_later(demo, smtp_server):
    srv = smtp_server("plain", start=False)
    s = demo.with_overrides(email=srv.email_settings())
    first = run_alert_rules(s, now=FRESH)
    assert first.queued and first.sent == [] and "connection refused" in first.delivery_error
    srv.start()
    # the next run is inside the backoff: nothing new to say, the queued alert waits
    run_alert_rules(s, now=FRESH + dt.timedelta(minutes=5))
    assert srv.received == []
    outbox.flush_outbox(s, now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))
    assert _kinds(srv) == ["unknown_duid"]
    run_alert_rules(s, now=FRESH + dt.timedelta(minutes=10))
    outbox.flush_outbox(s, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert _kinds(srv) == ["unknown_duid"]


def _every_5_min(start, count):
    return [start + dt.timedelta(minutes=5 * i) for i in range(count)]


def test_unknown_duids_not_seen_recently_stay_quiet(demo, smtp_server):
    """After a backfill, retired units absent from today's registry are not alerted; the rule reads
    only the recent window, but a DUID's first-seen is its first interval ever."""
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    publish_scada(s, [("OLDUNIT1", t, 300.0) for t in _every_5_min(dt.datetime(2019, 1, 1, 0, 5), 12)]
                   + [("NEWUNIT1", dt.datetime(2026, 11, 1, 10, 0), 40.0)]
                   + [("NEWUNIT1", t, 45.0) for t in _every_5_min(DEMO_END - dt.timedelta(hours=1), 12)])
    summary = run_alert_rules(s, now=FRESH)
    assert "OLDUNIT1" not in summary.new_unknown_duids and "NEWUNIT1" in summary.new_unknown_duids
    (msg,) = _by_kind(srv, "unknown_duid")
    text = msg.get_body(("plain",)).get_content()
    assert "OLDUNIT1" not in text
    assert "Sun 01 Nov 10:00" in text  # first seen weeks before the window
    row = next(line for line in text.splitlines() if line.startswith("NEWUNIT1"))
    assert row.split()[-2:] == ["45.0", "12"]  # max MW and intervals of the window


def test_zero_mw_placeholders_are_listed_but_not_alerted(demo, smtp_server):
    """AEMO's RT_* / DG_* DUIDs read 0 MW in every interval: nothing is lost, no email. A new
    bidirectional unit that has only charged so far (max 0, min < 0) is alerted."""
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    times = _every_5_min(DEMO_END - dt.timedelta(hours=1), 12)
    publish_scada(s, [("RT_NSW1", t, 0.0) for t in times] + [("NEWBDU1", t, -25.0) for t in times])
    summary = run_alert_rules(s, now=FRESH)
    assert "NEWBDU1" in summary.new_unknown_duids and "RT_NSW1" not in summary.new_unknown_duids
    (msg,) = _by_kind(srv, "unknown_duid")
    assert "RT_NSW1" not in msg.get_body(("plain",)).get_content()
    listed = {r[0] for r in views.connect(s).execute("select duid from unknown_duids").fetchall()}
    assert {"RT_NSW1", "NEWBDU1"} <= listed  # `registry unknown` still lists the placeholder


def test_cumulative_price_warning_once_and_back_below_once(demo, smtp_server):
    """Issue 17: 2,016 SA1 prices of $800 sum to $1,612,800, 88.4 % of the threshold in force (the
    shipped 2025-26 figure, $1,823,600, carried forward into 2026-27 until AEMO's lands): one alert;
    200 more intervals at $0 bring the 7-day sum to $1,452,800 (79.7 %): one email saying so; then silence."""
    srv = smtp_server("plain")
    s = demo.with_overrides(email=srv.email_settings())
    rows = [(_ts(5 * i), "SA1", 800.0) for i in range(-2015, 1)] + [(_ts(0), "NSW1", 50.0)]
    con = _price_con(s, rows)
    first = run_alert_rules(s, now=_ts(1), con=con)
    (warning,) = _by_kind(srv, "cpt")
    assert "SA1" in warning["Subject"] and "88 %" in warning["Subject"]
    body = " ".join(warning.get_body(("plain",)).get_content().split())
    assert "$1,612,800" in body and "$1,823,600" in body and "2,016 intervals" in body
    assert first.cumulative_price == ["SA1 88.4 %"]
    run_alert_rules(s, now=_ts(2), con=con)  # still above: nothing new
    assert len(_by_kind(srv, "cpt")) == 1 and _by_kind(srv, "cpt_end") == []
    _add_prices(con, [(_ts(5 * i), "SA1", 0.0) for i in range(1, 201)] + [(_ts(1000), "NSW1", 50.0)])
    run_alert_rules(s, now=_ts(1001), con=con)
    (back,) = _by_kind(srv, "cpt_end")
    assert "back below 80 %" in back["Subject"] and "$1,452,800" in back.get_body(("plain",)).get_content()
    run_alert_rules(s, now=_ts(1002), con=con)
    assert len(_by_kind(srv, "cpt")) == 1 and len(_by_kind(srv, "cpt_end")) == 1
