"""Email work per run: alert rules (after every ingest) and the daily report, on a demo warehouse.

Builds a simulated warehouse of N days with the demo simulator (through the real HTTP ingest),
or uses --warehouse DIR, then times with a real SMTP server on 127.0.0.1 (aiosmtpd):

* `run_alert_rules` first run (everything new) and steady state (nothing new): what each
  ingest pays;
* `build_report` for the last whole day (queries + two matplotlib charts + rendering);
* one outbox flush of the report (MIME + SMTP on loopback);
* `flush_outbox` against a server that never answers (timeout_s 10): the one-off cost of a
  dead server, and the next run's cost while in backoff.

    uv run --frozen python bench/bench_email.py [--days 7] [--warehouse DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from aemo_wh.config import load_settings  # noqa: E402
from aemo_wh.mail import compose, outbox  # noqa: E402
from aemo_wh.mail.alerts import run_alert_rules  # noqa: E402
from aemo_wh.mail.report import build_report, send_report  # noqa: E402


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--warehouse", type=Path)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_email_"))
    try:
        base = load_settings(config_file=tmp / "absent.toml", env={})
        if args.warehouse:
            wh = tmp / "warehouse"
            shutil.copytree(args.warehouse, wh)
            build_s = 0.0
        else:
            from aemo_wh.demo import build_demo_warehouse

            end = dt.datetime.combine(dt.date.today(), dt.time(1, 0))
            wh, build_s = timed(build_demo_warehouse, tmp / "demo", days=args.days, end=end, settings=base)
        sink, port = Sink(), free_port()
        ctl = Controller(sink, hostname="127.0.0.1", port=port)
        ctl.start()
        s = base.with_overrides(
            paths={"warehouse": wh, "overrides": tmp / "none.csv"},
            email={"smtp_host": "127.0.0.1", "smtp_port": port, "security": "none",
                   "sender": "bench@example.com", "recipients": ["desk@example.com"]})
        from aemo_wh import views

        con = views.connect(s)
        latest = con.execute("select max(settlementdate) from region_price").fetchall()[0][0]
        now = latest + dt.timedelta(minutes=5)
        first, t_first = timed(run_alert_rules, s, now=now)
        _, t_steady = timed(run_alert_rules, s, now=now + dt.timedelta(minutes=5))
        day = (latest - dt.timedelta(days=1)).date()
        report, t_report = timed(build_report, s, day)
        (_, summary), t_send = timed(send_report, s, report)
        ctl.stop()

        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        dead = s.with_overrides(email={"smtp_port": silent.getsockname()[1], "timeout_s": 10.0})
        outbox.enqueue(dead, compose.build_message(dead.email, "x", "y"), "bench")
        _, t_dead = timed(outbox.flush_outbox, dead)
        _, t_backoff = timed(run_alert_rules, dead, now=now + dt.timedelta(minutes=10))
        silent.close()
        rows = con.execute("select count(*) from unit_scada").fetchall()[0][0]

        print(f"demo warehouse: {args.days} days, {rows:,} SCADA rows (built in {build_s:.1f} s)")
        print(f"{'step':<52}{'seconds':>10}")
        print("-" * 62)
        for name, secs in [
            (f"run_alert_rules, first run ({len(first.alerts)} alerts sent)", t_first),
            ("run_alert_rules, steady state (nothing new)", t_steady),
            (f"build_report {day} (queries + 2 charts + render)", t_report),
            (f"send report over loopback SMTP ({len(report.html) // 1024} kB HTML)", t_send),
            ("flush_outbox, server silent (timeout_s 10)", t_dead),
            ("run_alert_rules while the server is in backoff", t_backoff),
        ]:
            print(f"{name:<52}{secs:>10.2f}")
        assert sink.count == len(first.alerts) + 1 and summary.sent
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
