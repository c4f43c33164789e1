"""`aemo-wh run`: the long-running service that keeps the warehouse up to date on AEMO's cadence.

Jobs (all times NEM time, UTC+10, whatever the host's time zone):

* dispatch sources (5-minute files): poll `DISPATCH_OFFSET_S` seconds after each 5-minute
  boundary (AEMO publishes 40-60 s after it). A source that finds nothing new is polled again
  `RETRY_S` later, at most `MAX_RETRIES` times, so a late file still lands within minutes while
  one folder is never listed more than once a minute (`Service._may_list`).
* rooftop PV (half-hourly files): the same, `ROOFTOP_OFFSET_S` after each half hour.
* after each dispatch poll that landed rows, or gave up finding none: the alert rules (`aemo_wh.mail.alerts`), when installed.
* nightly at `NIGHTLY_AT`: compaction of finished days, then retention
  (`warehouse.retention_days`, per table; absent = keep all).
* daily at `report.send_time`: the daily email report for the previous NEM day, when installed.
* hourly: a heartbeat line with files and rows landed in the last hour.
* at start-up and nightly: gap catch-up. NEMWeb's Current folders keep about two days; when a
  source's newest landed interval is older than `CATCH_UP_AFTER` (the machine was asleep or off),
  the missing days are loaded from Reports/Archive with `aemo_wh.ingest.backfill` (up to
  `CATCH_UP_MAX_DAYS`; a longer outage is logged with the backfill command to run).

Every job runs inside a guard: an exception is logged with its traceback and counted, and the
other jobs carry on. SIGTERM/SIGINT set a stop flag: no new job or source poll starts, the job in
progress finishes and the loop exits. A second signal abandons the job in progress at once (the
writer drops the unpublished file; nothing half-written becomes visible) and exits 130.

The `schedule` library reads `datetime.datetime.now()` from its own module. The service points
that at its `Clock` while it runs (`_clock_for_schedule`), which gives NEM time on any host
without a tz database and lets tests drive the whole loop with a fake clock.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import signal
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import schedule

from aemo_wh.config import Settings
from aemo_wh.log import get_logger
from aemo_wh.nemtime import now_nem

logger = get_logger(__name__)

DISPATCH_OFFSET_S = 50  # after each 5-minute boundary
ROOFTOP_OFFSET_S = 60  # after each half hour
RETRY_S = 60  # a folder is listed at most once per this many seconds
MAX_RETRIES = 2  # extra polls after a poll that found nothing new
NIGHTLY_AT = "00:20"  # compaction + retention (the day before is finished by then)
ROOFTOP_SOURCES = frozenset({"rooftop_pv"})
MAX_IDLE_S = 30.0  # wake at least this often (stop flag, clock jumps)
CATCH_UP_AFTER = dt.timedelta(hours=36)  # Current folders keep ~48 h of files
CATCH_UP_MAX_DAYS = 31

IngestFn = Callable[..., Any]


class Clock(Protocol):
    """Wall time in NEM time, and a way to wait that a stop request can cut short."""

    def now(self) -> dt.datetime: ...

    def wait(self, seconds: float, stop: threading.Event) -> None: ...


class SystemClock:
    """The real clock: `now_nem()`; waiting returns early when `stop` is set (signal handlers)."""

    def now(self) -> dt.datetime:
        return now_nem()

    def wait(self, seconds: float, stop: threading.Event) -> None:
        stop.wait(max(0.0, seconds))


class _ClockDatetime(dt.datetime):
    """`datetime` whose `now()` reads the service clock (installed into the `schedule` module)."""

    clock: Clock | None = None

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _ClockDatetime:  # type: ignore[override]
        if cls.clock is None or tz is not None:
            return super().now(tz)
        n = cls.clock.now()
        return cls(n.year, n.month, n.day, n.hour, n.minute, n.second, n.microsecond)


@contextlib.contextmanager
def _clock_for_schedule(clock: Clock) -> Iterator[None]:
    """Make `schedule` read `clock` instead of the host's local time, for the duration."""
    original = schedule.datetime
    shim = types.ModuleType("datetime")
    shim.__dict__.update({k: v for k, v in vars(dt).items() if not k.startswith("__")})
    shim.datetime = _ClockDatetime  # type: ignore[attr-defined]
    _ClockDatetime.clock = clock
    schedule.datetime = shim  # type: ignore[assignment]
    try:
        yield
    finally:
        schedule.datetime = original  # type: ignore[assignment]
        _ClockDatetime.clock = None


@dataclass
class Counters:
    """What the service did since the last heartbeat (and in total)."""

    files: int = 0
    rows: int = 0
    errors: int = 0
    total_files: int = 0
    total_rows: int = 0
    total_errors: int = 0

    def add(self, files: int, rows: int) -> None:
        self.files += files
        self.rows += rows
        self.total_files += files
        self.total_rows += rows

    def error(self) -> None:
        self.errors += 1
        self.total_errors += 1

    def reset_hour(self) -> None:
        self.files = self.rows = self.errors = 0


def _report_counts(report: Any) -> tuple[int, int]:
    """(files landed, rows landed) from an `IngestReport`."""
    files = getattr(report, "files_loaded", None)
    if files is None:
        loaded = getattr(report, "loaded", ())
        files = loaded if isinstance(loaded, int) else len(loaded)
    rows = getattr(report, "rows_total", None)
    if rows is None:
        per_table = getattr(report, "rows", {}) or {}
        rows = sum(per_table.values()) if isinstance(per_table, dict) else int(per_table)
    return int(files), int(rows)


def _default_ingest(settings: Settings, sources: list[str]) -> Any:
    from aemo_wh.ingest.run import run_ingest

    return run_ingest(settings, sources=sources)


def _optional(module: str, attr: str) -> Callable[..., Any] | None:
    """A function from a feature that may not be installed in this checkout (e.g. email)."""
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def _all_source_names() -> list[str]:
    from aemo_wh.ingest.sources import all_sources

    return [s.name for s in all_sources()]


@dataclass
class Hooks:
    """What the jobs call; the defaults are the real implementations (tests swap some)."""

    ingest: IngestFn = _default_ingest
    alerts: Callable[[Settings], Any] | None = field(
        default_factory=lambda: _optional("aemo_wh.mail.alerts", "run_alert_rules")
    )
    report: Callable[[Settings, dt.date], Any] | None = field(
        default_factory=lambda: _optional("aemo_wh.mail.report", "send_daily_report")
    )
    nightly: Callable[[Settings], Any] | None = None  # default: compaction + retention below
    catch_up: Callable[[Settings, dt.date, dt.date, list[str]], Any] | None = None  # default: backfill
    newest: Callable[[Settings, str], dt.datetime | None] | None = None  # default: from the manifests


def newest_interval(settings: Settings, source: str) -> dt.datetime | None:
    """The newest interval landed for any table of `source` (manifest max_ts; no data read)."""
    from aemo_wh.ingest.sources import SOURCES
    from aemo_wh.warehouse import Warehouse

    wh = Warehouse(settings.warehouse_dir, grace_hours=settings.warehouse.grace_hours)
    stamps = [e.max_dt for spec in SOURCES[source].tables for e in wh.manifest(spec.name).files if e.max_ts]
    return max(stamps, default=None)


def backfill_gap(settings: Settings, first: dt.date, last: dt.date, sources: list[str]) -> Any:
    from aemo_wh.ingest.backfill import run_backfill

    return run_backfill(settings, first, last, sources)


def nightly_maintenance(settings: Settings) -> None:
    """Compact finished days/months, then drop partitions older than each table's retention."""
    from aemo_wh.warehouse import Warehouse
    from aemo_wh.warehouse.compaction import apply_retention, compact

    wh = Warehouse(settings.warehouse_dir, grace_hours=settings.warehouse.grace_hours)
    with wh.writer(timeout_s=300) as writer:  # a backfill may hold the lock for a while
        compacted = compact(writer)
        dropped = (
            apply_retention(writer, settings.warehouse.retention_days)
            if settings.warehouse.retention_days
            else {}
        )
    logger.info("service: compaction %s; retention %s", compacted or "nothing to do", dropped or "keep all")


class Service:
    """The scheduler. `run()` blocks until `stop()` (or a signal, or `until` on the clock)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        hooks: Hooks | None = None,
        sources: list[str] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.hooks = hooks or Hooks()
        names = sources if sources is not None else _all_source_names()
        self.rooftop = [n for n in names if n in ROOFTOP_SOURCES]
        self.dispatch = [n for n in names if n not in ROOFTOP_SOURCES]
        self.scheduler = schedule.Scheduler()
        self.counters = Counters()
        self.stop_event = threading.Event()
        self._last_listing: dict[str, dt.datetime] = {}
        self._started = self.clock.now()

    # -- control --------------------------------------------------------------------------

    def stop(self, signum: int | None = None, _frame: object = None) -> None:
        if signum is not None:
            name = signal.Signals(signum).name
            if self.stop_event.is_set():
                logger.warning("service: second %s, abandoning the job in progress", name)
                raise KeyboardInterrupt
            logger.info("service: %s received, stopping after the current job", name)
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, until: dt.datetime | None = None) -> int:
        """Schedule the jobs, poll everything once, then loop until stopped."""
        with _clock_for_schedule(self.clock):
            self._schedule_jobs()
            logger.info(
                "service: started (dispatch sources %s, rooftop %s, report at %s NEM time)",
                ",".join(self.dispatch) or "-",
                ",".join(self.rooftop) or "-",
                self.settings.report.send_time,
            )
            abandoned = False
            try:
                self._guard("startup poll", self._startup)
                while not self.stop_event.is_set():
                    self.scheduler.run_pending()
                    now = self.clock.now()
                    if until is not None and now >= until:
                        break
                    idle = self.scheduler.idle_seconds
                    wait = MAX_IDLE_S if idle is None else min(max(idle, 0.0), MAX_IDLE_S)
                    if until is not None:
                        wait = min(wait, max((until - now).total_seconds(), 0.0))
                    self.clock.wait(wait, self.stop_event)
            except KeyboardInterrupt:
                abandoned = True
            finally:
                self.scheduler.clear()
        c = self.counters
        logger.info(
            "service: stopped; %d files, %d rows landed, %d job errors since start",
            c.total_files,
            c.total_rows,
            c.total_errors,
        )
        return 130 if abandoned else 0

    # -- jobs -----------------------------------------------------------------------------

    def _schedule_jobs(self) -> None:
        s = self.scheduler
        if self.dispatch:
            for minute in range(0, 60, 5):
                at = _hourly_at(minute, DISPATCH_OFFSET_S)
                s.every().hour.at(at).do(self._guard, "dispatch poll", self._poll, self.dispatch, 0, True)
        if self.rooftop:
            for minute in (0, 30):
                at = _hourly_at(minute, ROOFTOP_OFFSET_S)
                s.every().hour.at(at).do(self._guard, "rooftop poll", self._poll, self.rooftop, 0, False)
        s.every().day.at(NIGHTLY_AT).do(self._guard, "nightly maintenance", self._nightly)
        s.every().day.at(NIGHTLY_AT).do(self._guard, "gap catch-up", self._catch_up)
        s.every().day.at(_hhmm(self.settings.report.send_time)).do(self._guard, "daily report", self._report)
        s.every().hour.at("00:00").do(self._guard, "heartbeat", self._heartbeat)

    def _startup(self) -> None:
        if self.dispatch:
            self._poll(self.dispatch, MAX_RETRIES, True)
        if self.rooftop:
            self._poll(self.rooftop, MAX_RETRIES, False)
        self._guard("gap catch-up", self._catch_up)

    def _catch_up(self) -> None:
        """Load days missed while the service was not running (see the module docstring)."""
        newest_fn = self.hooks.newest or newest_interval
        catch_up = self.hooks.catch_up or backfill_gap
        now = self.clock.now()
        yesterday = now.date() - dt.timedelta(days=1)
        for name in self.dispatch + self.rooftop:
            if self.stop_event.is_set():
                return
            newest = newest_fn(self.settings, name)
            if newest is None or now - newest <= CATCH_UP_AFTER:
                continue  # nothing landed yet (a fresh install backfills on request) or no gap
            first = newest.date()
            if (yesterday - first).days > CATCH_UP_MAX_DAYS:
                logger.warning(
                    "service: %s has no data after %s; too long to catch up automatically. "
                    "Run: aemo-wh backfill --from %s --source %s",
                    name, newest, first, name,
                )  # fmt: skip
                continue
            logger.info("service: %s newest interval %s; catching up %s..%s from the archive", name, newest,
                        first, yesterday)  # fmt: skip
            self._guard(f"catch-up of {name}", catch_up, self.settings, first, yesterday, [name])

    def _guard(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one job; an exception is logged and counted, never propagated to the loop."""
        if self.stop_event.is_set():
            return None
        try:
            return fn(*args)
        except Exception:
            self.counters.error()
            logger.exception("service: %s failed (the other jobs go on)", what)
            return None

    def _may_list(self, source: str) -> bool:
        """At most one listing of a source's folder per RETRY_S seconds."""
        last = self._last_listing.get(source)
        now = self.clock.now()
        if last is not None and (now - last).total_seconds() < RETRY_S:
            logger.debug("service: %s listed %.0f s ago, skipping", source, (now - last).total_seconds())
            return False
        self._last_listing[source] = now
        return True

    def _poll(self, sources: list[str], attempt: int, run_alerts: bool) -> Any:
        """Ingest each source once; schedule a polite retry for those that found nothing new."""
        landed_rows = 0
        empty: list[str] = []
        for name in sources:
            if self.stop_event.is_set():
                break
            if not self._may_list(name):
                continue
            try:
                report = self.hooks.ingest(self.settings, sources=[name])
            except Exception:
                self.counters.error()
                logger.exception("service: ingest of %s failed (other sources go on)", name)
                continue
            if getattr(report, "busy", False):
                logger.info("service: warehouse busy (another writer); %s retried later", name)
            files, rows = _report_counts(report)
            self.counters.add(files, rows)
            landed_rows += rows
            if files:
                logger.info("service: %s landed %d files, %d rows", name, files, rows)
            else:
                empty.append(name)
        retrying = bool(empty) and attempt < MAX_RETRIES
        # Alert rules run when rows landed, and also when a poll gives up empty-handed: the
        # data-freshness rule must fire exactly when nothing new arrives.
        if run_alerts and (landed_rows or not retrying) and self.hooks.alerts is not None and not self.stop_event.is_set():
            self._guard("alert rules", self.hooks.alerts, self.settings)
        if retrying and not self.stop_event.is_set():
            logger.debug("service: nothing new yet for %s; retry in %d s", ",".join(empty), RETRY_S)
            self.scheduler.every(RETRY_S).seconds.do(self._retry, empty, attempt + 1, run_alerts)
        return None

    def _retry(self, sources: list[str], attempt: int, run_alerts: bool) -> type[schedule.CancelJob]:
        self._guard("retry poll", self._poll, sources, attempt, run_alerts)
        return schedule.CancelJob

    def _nightly(self) -> None:
        fn = self.hooks.nightly or nightly_maintenance
        started = time.monotonic()
        fn(self.settings)
        logger.info("service: nightly compaction and retention done in %.1f s", time.monotonic() - started)

    def _report(self) -> None:
        if self.hooks.report is None:
            logger.info("service: daily report skipped (email reports not installed)")
            return
        day = self.clock.now().date() - dt.timedelta(days=1)
        self.hooks.report(self.settings, day)
        logger.info("service: daily report for %s handed to the outbox", day)

    def _heartbeat(self) -> None:
        c = self.counters
        uptime_h = (self.clock.now() - self._started).total_seconds() / 3600
        logger.info(
            "heartbeat: last hour %d files, %d rows landed, %d job errors; up %.1f h, %d rows in total",
            c.files,
            c.rows,
            c.errors,
            uptime_h,
            c.total_rows,
        )
        c.reset_hour()


def _hourly_at(minute: int, offset_s: int) -> str:
    """`schedule`'s hourly `at` string (MM:SS) for `offset_s` seconds after minute `minute`."""
    total = minute * 60 + offset_s
    return f"{(total // 60) % 60:02d}:{total % 60:02d}"


def _hhmm(value: str) -> str:
    """Validate a HH:MM setting (report.send_time) early, with a clear message."""
    from aemo_wh.errors import ConfigError

    try:
        parsed = dt.datetime.strptime(value.strip(), "%H:%M")
    except ValueError as exc:
        raise ConfigError(f"report.send_time must be HH:MM (NEM time), got {value!r}") from exc
    return parsed.strftime("%H:%M")


# -- CLI ------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.ingest.run import select_sources

    names = [s.name for s in select_sources(args.source)]  # unknown names fail here, clearly
    _hhmm(settings.report.send_time)
    service = Service(settings, sources=names)
    service.install_signal_handlers()
    return service.run()


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="long-running service: ingest on AEMO's cadence, alerts, nightly compaction, daily report",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--source", action="append", help="only these sources (repeatable; default all)")
    p.set_defaults(func=cmd_run)
