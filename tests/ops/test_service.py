"""The `aemo-wh run` scheduler, driven by a fake NEM clock."""

from __future__ import annotations

import datetime as dt
import threading

import schedule

from aemo_wh.ingest.run import IngestReport
from aemo_wh.ops.service import RETRY_S, Hooks, Service, SystemClock

from .conftest import FakeClock

T = dt.datetime


class LateScada:
    """Fake ingest: SCADA files appear 70 s after their boundary (after the first poll at +50 s);
    DispatchIS is on time; rooftop always raises."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[tuple[str, dt.datetime]] = []
        self.scada_seen: set[dt.datetime] = set()

    def __call__(self, settings, sources):
        (name,) = sources
        now = self.clock.now()
        self.calls.append((name, now))
        report = IngestReport()
        if name == "rooftop_pv":
            raise RuntimeError("rooftop folder exploded")
        if name == "dispatch_scada":
            boundary = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=now.minute % 5)
            if now - boundary >= dt.timedelta(seconds=70) and boundary not in self.scada_seen:
                self.scada_seen.add(boundary)
                report.loaded.append(f"PUBLIC_DISPATCHSCADA_{boundary:%Y%m%d%H%M}_0000000000000001.zip")
                report.add_rows({"unit_scada": 450})
            return report
        report.loaded.append(f"PUBLIC_DISPATCHIS_{now:%Y%m%d%H%M}_0000000000000002.zip")
        report.add_rows({"dispatch_price": 5})
        return report


def times(calls, name):
    return [t.strftime("%H:%M:%S") for n, t in calls if n == name]


def test_polls_on_aemo_cadence_with_polite_retries_and_survives_a_raising_source(settings, service_log):
    clock = FakeClock(T(2026, 6, 1, 9, 58, 0))
    ingest = LateScada(clock)
    alerts: list[dt.datetime] = []
    hooks = Hooks(
        ingest=ingest, alerts=lambda s: alerts.append(clock.now()), report=None, nightly=lambda s: None
    )
    svc = Service(settings, clock=clock, hooks=hooks, sources=["dispatch_scada", "dispatch_is", "rooftop_pv"])
    assert svc.run(until=T(2026, 6, 1, 10, 12, 0)) == 0

    # Startup catch-up, then 50 s after each boundary; SCADA was late, so one retry a minute later.
    assert times(ingest.calls, "dispatch_scada") == [
        "09:58:00", "10:00:50", "10:01:50", "10:05:50", "10:06:50", "10:10:50", "10:11:50",
    ]  # fmt: skip
    assert times(ingest.calls, "dispatch_is") == ["09:58:00", "10:00:50", "10:05:50", "10:10:50"]
    # The rooftop source raised every time and the dispatch sources were not affected.
    assert times(ingest.calls, "rooftop_pv") == ["09:58:00", "10:01:00"]
    assert svc.counters.total_errors == 2
    assert any("ingest of rooftop_pv failed" in m for m in service_log.messages())
    # Alert rules after every dispatch poll that landed rows.
    assert [a.strftime("%H:%M:%S") for a in alerts] == [
        "09:58:00", "10:00:50", "10:01:50", "10:05:50", "10:06:50", "10:10:50", "10:11:50",
    ]  # fmt: skip
    # Never two listings of one folder within RETRY_S.
    for name in ("dispatch_scada", "dispatch_is", "rooftop_pv"):
        ts = [t for n, t in ingest.calls if n == name]
        assert all((b - a).total_seconds() >= RETRY_S for a, b in zip(ts, ts[1:], strict=False))
    # Hourly heartbeat with the rows landed in the hour before it.
    beats = [m for m in service_log.messages() if m.startswith("heartbeat:")]
    # 10:00:00 covers the 09:58 start-up poll: one SCADA file (450 rows) and one DispatchIS file (5 rows).
    assert len(beats) == 1 and "2 files, 455 rows landed" in beats[0]


def test_gives_up_after_max_retries_until_the_next_boundary(settings):
    clock = FakeClock(T(2026, 6, 1, 10, 0, 30))
    calls: list[dt.datetime] = []

    def nothing_new(settings, sources):
        calls.append(clock.now())
        return IngestReport()

    hooks = Hooks(ingest=nothing_new, alerts=None, report=None)
    svc = Service(settings, clock=clock, hooks=hooks, sources=["dispatch_scada"])
    svc.run(until=T(2026, 6, 1, 10, 10, 0))
    # 10:00:50 is skipped: the folder was listed 20 s before (startup). 10:05:50 finds nothing,
    # so two polite retries a minute apart, then quiet until the next boundary.
    assert [c.strftime("%H:%M:%S") for c in calls] == ["10:00:30", "10:05:50", "10:06:50", "10:07:50"]
    assert not svc.scheduler.jobs  # cleared on exit; no retry job left behind


def test_nightly_maintenance_and_daily_report_run_at_their_nem_times(settings):
    settings = settings.with_overrides(report={"send_time": "07:00"})
    clock = FakeClock(T(2026, 6, 1, 23, 50, 0))
    nightly: list[dt.datetime] = []
    reports: list[tuple[dt.datetime, dt.date]] = []

    def failing_nightly(s):
        nightly.append(clock.now())
        raise OSError("disk full")  # must not stop the report or the polls

    hooks = Hooks(
        ingest=lambda settings, sources: IngestReport(),
        alerts=None,
        report=lambda s, day: reports.append((clock.now(), day)),
        nightly=failing_nightly,
    )
    svc = Service(settings, clock=clock, hooks=hooks, sources=["dispatch_scada"])
    svc.run(until=T(2026, 6, 2, 7, 30, 0))
    assert nightly == [T(2026, 6, 2, 0, 20, 0)]
    assert reports == [(T(2026, 6, 2, 7, 0, 0), dt.date(2026, 6, 1))]
    assert svc.counters.total_errors == 1


def test_schedule_reads_the_service_clock_only_while_running(settings):
    clock = FakeClock(T(2001, 1, 1, 0, 0, 0))
    svc = Service(settings, clock=clock, hooks=Hooks(ingest=lambda settings, sources: IngestReport(),
                                                      alerts=None, report=None), sources=[])  # fmt: skip
    svc.run(until=T(2001, 1, 1, 0, 1, 0))
    assert schedule.datetime.datetime.now().year > 2001


def test_stop_from_another_thread_ends_the_real_clock_loop_promptly(settings):
    hooks = Hooks(ingest=lambda settings, sources: IngestReport(), alerts=None, report=None)
    svc = Service(settings, clock=SystemClock(), hooks=hooks, sources=["dispatch_scada"])
    threading.Timer(0.3, svc.stop).start()
    started = dt.datetime.now()
    assert svc.run() == 0
    assert (dt.datetime.now() - started).total_seconds() < 5


def test_aemo_wh_run_stops_cleanly_on_sigterm(tmp_path):
    """The real command over a real (loopback) NEMWeb tree: starts, polls, exits 0 on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from aemo_wh.nemweb.server import NemwebServer

    from .conftest import build_tree

    tree = build_tree(tmp_path / "nemweb")
    logs = tmp_path / "logs"
    with NemwebServer(tree) as srv:
        env = dict(os.environ)
        env.update(
            AEMO_WH_NEMWEB_BASE_URL=srv.url,
            AEMO_WH_PATHS_WAREHOUSE=str(tmp_path / "warehouse"),
            AEMO_WH_PATHS_LOGS=str(logs),
        )
        root = Path(__file__).resolve().parents[2]
        proc = subprocess.Popen([sys.executable, "-m", "aemo_wh.cli", "run", "--source", "rooftop_pv"],
                                env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not srv.count("/Reports/Current/ROOFTOP_PV/ACTUAL"):
                time.sleep(0.2)
            assert srv.count("/Reports/Current/ROOFTOP_PV/ACTUAL") >= 1  # the start-up poll listed it
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = (logs / "aemo_wh.log").read_text()
    assert "SIGTERM received" in text and "service: stopped" in text


def test_nightly_maintenance_compacts_and_applies_per_table_retention(settings):
    """The real nightly job on the real writer: old SCADA days dropped, other tables kept (default)."""
    import pyarrow as pa

    from aemo_wh.nemtime import now_nem
    from aemo_wh.ops.service import nightly_maintenance
    from aemo_wh.warehouse import Warehouse
    from aemo_wh.warehouse.reader import connect_raw
    from aemo_wh.warehouse.tables import DISPATCH_PRICE, UNIT_SCADA

    today = now_nem().replace(hour=0, minute=0, second=0, microsecond=0)
    old = [today - dt.timedelta(days=40) + dt.timedelta(minutes=5 * i) for i in range(1, 13)]
    recent = [today - dt.timedelta(days=2) + dt.timedelta(minutes=5 * i) for i in range(1, 13)]
    ts = pa.array(old + recent, pa.timestamp("us"))
    scada = pa.table({"settlementdate": ts, "duid": ["U1"] * 24, "scadavalue": [1.0] * 24, "lastchanged": ts})
    price = pa.table({"settlementdate": ts, "regionid": ["NSW1"] * 24, "intervention": [0.0] * 24,
                      "rrp": [50.0] * 24, "lastchanged": ts})  # fmt: skip
    with Warehouse(settings.warehouse_dir).writer() as w:
        w.publish_batch([(UNIT_SCADA, scada), (DISPATCH_PRICE, price)], source_file="synthetic-retention")
    s = settings.with_overrides(warehouse={"retention_days": {"unit_scada": 30}})
    nightly_maintenance(s)
    con = connect_raw(s.warehouse_dir)
    try:
        kept = con.execute("select min(settlementdate), count(*) from unit_scada").fetchall()[0]
        prices = con.execute("select count(*) from dispatch_price").fetchall()[0][0]
    finally:
        con.close()
    assert kept == (recent[0], 12)
    assert prices == 24
    levels = {e.level for e in Warehouse(s.warehouse_dir).manifest("dispatch_price").files}
    assert "interval" not in levels  # finished days were compacted


def test_fake_clock_drives_the_real_ingest_over_loopback_nemweb(settings, tmp_path, service_log):
    """Real `run_ingest` against the loopback NEMWeb server; AEMO 'publishes' the SCADA file late
    (12:51:10, after the 12:50:50 poll) and the rooftop source raises on every poll."""
    import shutil

    from aemo_wh.ingest.run import run_ingest
    from aemo_wh.nemweb.server import NemwebServer
    from aemo_wh.warehouse.ledger import Ledger
    from aemo_wh.warehouse.reader import connect_raw

    from .conftest import OPS_DATA

    scada = "PUBLIC_DISPATCHSCADA_202109021255_0000000348376188.zip"
    tree = tmp_path / "nemweb"
    folder = tree / "Reports/Current/Dispatch_SCADA"
    folder.mkdir(parents=True)
    (tree / "Reports/Current/ROOFTOP_PV/ACTUAL").mkdir(parents=True)
    clock = FakeClock(T(2021, 9, 2, 12, 48, 0))
    published_at = T(2021, 9, 2, 12, 51, 10)
    calls: list[tuple[str, dt.datetime]] = []

    def ingest(settings, sources):
        if clock.now() >= published_at and not (folder / scada).exists():
            shutil.copyfile(OPS_DATA / scada, folder / scada)
        calls.append((sources[0], clock.now()))
        if sources == ["rooftop_pv"]:
            raise RuntimeError("rooftop parser bug")
        return run_ingest(settings, sources=sources)

    alerts: list[dt.datetime] = []
    with NemwebServer(tree) as srv:
        s = settings.with_overrides(nemweb={"base_url": srv.url, "backoff_s": 0.01})
        hooks = Hooks(
            ingest=ingest, alerts=lambda st: alerts.append(clock.now()), report=None, nightly=lambda st: None
        )
        svc = Service(s, clock=clock, hooks=hooks, sources=["dispatch_scada", "rooftop_pv"])
        svc.run(until=T(2021, 9, 2, 13, 2, 0))
        listings = [p for p in srv.requests if p.rstrip("/").endswith("Dispatch_SCADA")]

    assert times(calls, "dispatch_scada") == [
        "12:48:00", "12:50:50", "12:51:50", "12:55:50", "12:56:50", "12:57:50", "13:00:50", "13:01:50",
    ]  # fmt: skip
    assert times(calls, "rooftop_pv") == ["12:48:00", "13:01:00"]
    assert len(listings) == 8  # one listing per poll, never more
    # Alert rules after the poll that landed rows and after each poll that gave up empty-handed
    # (start-up, and 12:55:50 + two retries), so the freshness rule can fire when data stops.
    assert alerts == [T(2021, 9, 2, 12, 48, 0), T(2021, 9, 2, 12, 51, 50), T(2021, 9, 2, 12, 57, 50)]
    con = connect_raw(s.warehouse_dir)
    try:
        landed = con.execute("select count(*), max(settlementdate) from unit_scada").fetchall()[0]
    finally:
        con.close()
    assert landed[0] > 100 and landed[1] == T(2021, 9, 2, 12, 55)
    assert Ledger(s.warehouse_dir).lookup(scada)["status"] == "loaded"
    beats = [m for m in service_log.messages() if m.startswith("heartbeat:")]
    assert (
        beats == [beats[0]] and f"1 files, {landed[0]} rows landed, 1 job errors" in beats[0]
    )  # 13:00: the 12:48 rooftop error


def _with_handlers(svc: Service):
    import signal

    old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    svc.install_signal_handlers()
    try:
        return svc.run(until=T(2026, 6, 1, 11, 0, 0))
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def test_sigterm_lets_the_job_in_progress_finish_then_stops(settings):
    import os
    import signal

    clock = FakeClock(T(2026, 6, 1, 10, 0, 0))
    calls: list[str] = []

    def ingest(settings, sources):
        calls.append(sources[0])
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)
            calls.append("finished")
        return IngestReport()

    svc = Service(settings, clock=clock, hooks=Hooks(ingest=ingest, alerts=None, report=None),
                  sources=["dispatch_scada", "dispatch_is"])  # fmt: skip
    assert _with_handlers(svc) == 0
    assert calls == ["dispatch_scada", "finished"]  # no further source poll started after the signal


def test_a_second_signal_abandons_the_job_in_progress(settings):
    import os
    import signal
    import time

    clock = FakeClock(T(2026, 6, 1, 10, 0, 0))
    seen: list[str] = []

    def stuck(settings, sources):
        os.kill(os.getpid(), signal.SIGTERM)
        seen.append("first signal: carry on")
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
        seen.append("never reached")
        return IngestReport()

    svc = Service(settings, clock=clock, hooks=Hooks(ingest=stuck, alerts=None, report=None),
                  sources=["dispatch_scada"])  # fmt: skip
    assert _with_handlers(svc) == 130
    assert seen == ["first signal: carry on"]


def test_gap_catch_up_after_downtime_backfills_the_missed_days(settings, service_log):
    clock = FakeClock(T(2026, 6, 10, 9, 0, 0))
    newest = {
        "dispatch_scada": T(2026, 6, 7, 14, 35),  # asleep since the 7th: catch up 7th..9th
        "dispatch_is": T(2026, 6, 10, 8, 55),  # fine
        "rooftop_pv": T(2026, 3, 1, 12, 0),  # months: too long, tell the user
        "trading_is": T(2026, 6, 8, 0, 0),  # two days ago
    }
    caught: list[tuple] = []

    def catch_up(s, first, last, sources):
        caught.append((clock.now(), first, last, sources))
        if sources == ["dispatch_scada"]:
            raise OSError("archive unreachable")  # must not stop the next source

    hooks = Hooks(ingest=lambda settings, sources: IngestReport(), alerts=None, report=None,
                  nightly=lambda s: None, catch_up=catch_up, newest=lambda s, name: newest[name])  # fmt: skip
    svc = Service(settings, clock=clock, hooks=hooks, sources=list(newest))
    svc.run(until=T(2026, 6, 10, 9, 1, 0))
    assert caught == [
        (T(2026, 6, 10, 9, 0), dt.date(2026, 6, 7), dt.date(2026, 6, 9), ["dispatch_scada"]),
        (T(2026, 6, 10, 9, 0), dt.date(2026, 6, 8), dt.date(2026, 6, 9), ["trading_is"]),
    ]
    assert any("aemo-wh backfill --from 2026-03-01 --source rooftop_pv" in m for m in service_log.messages())
    assert svc.counters.total_errors == 1


def test_no_catch_up_for_a_fresh_warehouse(settings):
    caught: list = []
    hooks = Hooks(ingest=lambda settings, sources: IngestReport(), alerts=None, report=None,
                  catch_up=lambda *a: caught.append(a))  # fmt: skip
    svc = Service(settings, clock=FakeClock(T(2026, 6, 10, 9, 0, 0)), hooks=hooks)
    svc.run(until=T(2026, 6, 10, 9, 1, 0))  # real manifests: nothing landed, newest is None
    assert caught == []  # a fresh install backfills on request only


def test_service_catches_up_an_outage_from_the_archive_over_loopback(settings, nemweb):
    """Real catch-up: rooftop data stops at 2024-03-03 19:30, the service starts on 2024-03-21 and
    lands the weekly Archive bundle (2024-03-14..20) through the real backfill over HTTP."""
    from aemo_wh.ingest.run import ingest_files, run_ingest
    from aemo_wh.warehouse.reader import connect_raw

    from .conftest import ARCHIVE_BUNDLE, OPS_DATA

    s = settings.with_overrides(nemweb={"base_url": nemweb.url, "backoff_s": 0.01})
    ingest_files([OPS_DATA / "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240303200000_0000000412707330.zip"], s)
    hooks = Hooks(ingest=run_ingest, alerts=None, report=None, nightly=lambda st: None)
    svc = Service(s, clock=FakeClock(T(2024, 3, 21, 10, 0, 0)), hooks=hooks, sources=["rooftop_pv"])
    svc.run(until=T(2024, 3, 21, 10, 1, 0))
    con = connect_raw(s.warehouse_dir)
    try:
        files = [
            r[0]
            for r in con.execute("select distinct _source_file from rooftop_pv_actual order by 1").fetchall()
        ]
        newest = con.execute("select max(interval_datetime) from rooftop_pv_actual").fetchall()[0][0]
    finally:
        con.close()
    assert ARCHIVE_BUNDLE in files
    assert newest == T(2024, 3, 20, 23, 0)
    assert svc.counters.total_errors == 0
