"""`aemo-wh email test`, `aemo-wh report send`, `aemo-wh alerts check`."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
from pathlib import Path

from aemo_wh.config import Settings
from aemo_wh.errors import ConfigError, EmailDeliveryError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `email`, `report` and `alerts` commands."""
    email = subparsers.add_parser("email", help="email: test the SMTP settings step by step; list or flush the outbox")
    email_sub = email.add_subparsers(dest="email_command", metavar="SUBCOMMAND", required=True)
    test = email_sub.add_parser("test", help="connect, negotiate TLS, log in and send a test message, step by step")
    test.add_argument("--to", action="append", metavar="ADDRESS", help="send to this address instead of email.recipients")
    test.set_defaults(func=cmd_email_test)
    outbox = email_sub.add_parser("outbox", help="list queued messages; --flush tries to send them now")
    outbox.add_argument("--flush", action="store_true", help="send due messages now (ignores the backoff)")
    outbox.set_defaults(func=cmd_email_outbox)

    report = subparsers.add_parser("report", help="daily HTML email report: send now (or write it to a file)")
    report_sub = report.add_subparsers(dest="report_command", metavar="SUBCOMMAND", required=True)
    send = report_sub.add_parser("send", help="build and send the daily report now")
    send.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                      help="NEM day to report (default: yesterday, NEM time)")
    send.add_argument("--to", type=Path, metavar="FILE.html", dest="to_file",
                      help="also write the HTML (with the charts inlined) to this file")
    send.add_argument("--no-send", action="store_true", help="only write --to FILE.html; send nothing")
    send.set_defaults(func=cmd_report_send)

    alerts = subparsers.add_parser("alerts", help="alert rules (unknown DUIDs, price crossings, stale data): check now")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="SUBCOMMAND", required=True)
    check = alerts_sub.add_parser("check", help="run the alert rules now (also run after every ingest)")
    check.set_defaults(func=cmd_alerts_check)


def _print_step(step: str, detail: str) -> None:
    print(f"  ok  {step:<9} {detail}", flush=True)


def cmd_email_test(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.mail import compose, smtp
    from aemo_wh.mail.settings import validate_email_settings

    e = settings.email
    print(f"Email settings: {e.smtp_host}:{e.smtp_port} security={e.security} "
          f"user={e.smtp_username or '(none)'} password={'(set)' if e.smtp_password else '(not set)'} "
          f"sender={e.sender} recipients={', '.join(args.to or e.recipients)}")
    for w in validate_email_settings(e):
        print(f"  warning: {w}")
    msg = compose.build_message(
        e, "aemo-wh test message",
        f"This is a test message from aemo-wh on {socket.gethostname()}.\n\n"
        f"Server {e.smtp_host}:{e.smtp_port} ({e.security}); sent {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC.\n"
        "If you can read this, alerts and reports will arrive too.\n",
        recipients=args.to,
    )
    try:
        smtp.deliver(e, msg, on_step=_print_step)
    except smtp.SmtpError as exc:
        code = f"reply code {exc.code}" if exc.code is not None else "no reply code"
        print(f"  FAILED at {exc.step}: {code}: {exc.reply}", flush=True)
        raise  # the CLI prints the error and its hint on stderr and exits 2
    print("Test message sent. Check the inbox (and the spam folder) of the recipients.")
    from aemo_wh.mail import outbox

    queued = outbox.pending(settings)
    if queued:
        print(f"{len(queued)} message(s) wait in the outbox; `aemo-wh email outbox --flush` sends them now.")
    return 0


def cmd_email_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.mail import outbox

    if args.flush:
        s = outbox.flush_outbox(settings, force=True)
        print(f"sent {len(s.sent)}, still queued {len(s.failed)}, expired {len(s.expired)}"
              + (" (another process is flushing)" if s.busy else ""))
        if s.error:
            print(f"last error: {s.error}")
    rows = outbox.pending(settings)
    if not rows:
        print("outbox is empty")
    for m in rows:
        print(f"{m['id']}  attempts={m['attempts']}  next={m['next_attempt_at']}  {m['subject']}"
              + (f"\n    last error: {m['last_error']}" if m["last_error"] else ""))
    return 0 if not (args.flush and rows) else 1


def cmd_report_send(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.mail import report

    day = args.date or report.default_report_day()
    built = report.build_report(settings, day)
    if args.to_file:
        args.to_file.parent.mkdir(parents=True, exist_ok=True)
        args.to_file.write_text(built.standalone_html(), encoding="utf-8")
        print(f"wrote {args.to_file}")
    if args.no_send:
        return 0
    msg_id, summary = report.send_report(settings, built)
    if msg_id in summary.sent:
        print(f"report for {day} sent to {', '.join(settings.email.recipients)}")
        return 0
    raise EmailDeliveryError(
        f"report for {day} not sent yet: {summary.error or 'another process is sending the outbox'}",
        hint="It is kept in the outbox and retried by later runs (`aemo-wh email outbox` shows it).",
    )


def cmd_alerts_check(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.mail.alerts import run_alert_rules

    summary = run_alert_rules(settings)
    print(summary.describe())
    if summary.config_error:
        raise ConfigError(summary.config_error, hint="See docs/email.md; alerts are checked but not sent.")
    return 0 if not summary.delivery_error else 1


