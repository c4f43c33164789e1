"""`aemo-wh health [--json]`: is the warehouse fresh and complete? For cron and monitoring.

Per time-series table: the newest interval, its age, missing intervals in the last 24 h
(counted from the table's first interval when it holds less than a day), plus quarantined
files and the last error from the ledger.

Exit codes: 0 healthy; 1 a table is stale or has gaps, or the whole warehouse is empty; 2 the warehouse
cannot be read (missing folder, unreadable manifest or parquet, broken ledger). An empty table beside
populated ones (a source this warehouse does not collect) is listed, not failed.

A table is stale when its newest interval is older than `alerts.freshness_minutes` plus two of
its intervals (a half-hourly rooftop interval is published ~30 min after it ends).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.log import get_logger
from aemo_wh.nemtime import now_nem
from aemo_wh.warehouse.check import last_check
from aemo_wh.warehouse.tables import TABLES, TableSpec

logger = get_logger(__name__)

HEALTHY, UNHEALTHY, UNREADABLE = 0, 1, 2
GAP_WINDOW = dt.timedelta(hours=24)
MAX_LISTED_GAPS = 5


class WarehouseUnreadable(Exception):
    """The warehouse (folder, manifests, parquet or ledger) cannot be read."""


@dataclass
class TableHealth:
    table: str
    newest_interval: str | None
    age_minutes: float | None
    stale_after_minutes: float
    missing_intervals_24h: int
    first_missing: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | stale | gaps | empty
    source: str = ""  # the ingest source that feeds the table
    quarantined_files: int = 0  # of that source
    last_error: dict[str, str] | None = None  # newest error / quarantine of that source


@dataclass
class HealthReport:
    checked_at: str
    warehouse: str
    tables: list[TableHealth]
    quarantined_files: int
    error_files: int
    last_error: dict[str, str] | None
    exit_code: int
    problem: str = ""
    last_check: dict | None = None  # `aemo-wh check`'s last result: checked_at, ok, problems
    balance: list[dict] = field(default_factory=list)  # balance_quality: newest day's residual per region

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def time_tables() -> list[TableSpec]:
    """The landed time-series tables (reference tables such as duid_info have no freshness)."""
    return [t for t in TABLES.values() if t.time_column]


def check_health(
    settings: Settings, now: dt.datetime | None = None, tables: list[str] | None = None
) -> HealthReport:
    """Evaluate freshness and gaps as of `now` (NEM time, default the clock)."""
    now = now or now_nem()
    root = settings.warehouse_dir
    specs = [t for t in time_tables() if tables is None or t.name in tables]
    try:
        if not root.is_dir():
            raise WarehouseUnreadable(f"warehouse folder {root} does not exist")
        results = _table_health(root, specs, now, settings.alerts.freshness_minutes)
        quarantined, errors, last_error = _ledger_summary(root)
        _attach_source_errors(root, results)
        checked = last_check(root)
        balance = _balance(settings)
    except WarehouseUnreadable as exc:
        return HealthReport(now.isoformat(sep=" "), str(root), [], 0, 0, None, UNREADABLE, str(exc))
    # An empty table beside populated ones is a source this warehouse does not collect (e.g.
    # trading_price without TradingIS files): shown, but not a failure. A wholly empty warehouse is.
    everything_empty = all(t.status == "empty" for t in results)
    bad = [t for t in results if t.status not in ("ok", "empty") or (everything_empty and t.status == "empty")]
    return HealthReport(
        checked_at=now.isoformat(sep=" "),
        warehouse=str(root),
        tables=results,
        quarantined_files=quarantined,
        error_files=errors,
        last_error=last_error,
        exit_code=UNHEALTHY if bad else HEALTHY,
        problem="; ".join(f"{t.table}: {t.status}" for t in bad),
        last_check={k: checked.get(k) for k in ("checked_at", "ok", "problems")} if checked else None,
        balance=balance,
    )


BALANCE_FLAG_PCT = 5.0  # a region's mean residual beyond this points at a registry / mapping error


def _balance(settings: Settings) -> list[dict]:
    """The newest day's energy balance per region (view balance_quality); [] when there is no data."""
    from aemo_wh import views

    try:
        con = views.connect(settings)
    except Exception as exc:  # noqa: BLE001 - the balance is a diagnostic; health's verdict stands without it
        logger.warning("health: energy balance unavailable: %s", exc)
        return []
    try:
        cur = con.execute("select * from balance_quality")
        names = [d[0] for d in cur.description]
        return [{k: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v) for k, v in zip(names, row, strict=True)}
                for row in cur.fetchall()]  # fmt: skip
    finally:
        con.close()


def _table_health(
    root: Path, specs: list[TableSpec], now: dt.datetime, freshness_min: float
) -> list[TableHealth]:
    try:
        from aemo_wh.warehouse.reader import connect_raw

        con = connect_raw(root)
    except Exception as exc:  # a corrupt manifest, missing module pieces, ...
        raise WarehouseUnreadable(f"cannot open the warehouse: {type(exc).__name__}: {exc}") from exc
    out = []
    try:
        for spec in specs:
            out.append(_one_table(con, spec, now, freshness_min))
    finally:
        con.close()
    return out


def _one_table(con: Any, spec: TableSpec, now: dt.datetime, freshness_min: float) -> TableHealth:
    col, step = spec.time_column, spec.interval_minutes
    stale_after = freshness_min + 2 * step
    try:
        first, newest = con.execute(f'select min("{col}"), max("{col}") from "{spec.name}"').fetchall()[0]
        if newest is None:
            return TableHealth(spec.name, None, None, stale_after, 0, status="empty")
        start = max(first, now - GAP_WINDOW)
        # Expected interval ends from the window start up to the newest one; anti-join the present ones.
        missing = con.execute(
            f"""
            with expected as (
                select unnest(generate_series($start::timestamp, $newest::timestamp,
                                              to_minutes($step::bigint))) as ts
            ),
            present as (
                select distinct "{col}" as ts from "{spec.name}"
                where "{col}" >= $start::timestamp and "{col}" <= $newest::timestamp
            )
            select e.ts from expected e anti join present p on e.ts = p.ts order by e.ts
            """,
            {"start": _align(start, first, step), "newest": newest, "step": step},
        ).fetchall()
    except Exception as exc:
        raise WarehouseUnreadable(f"cannot read table {spec.name}: {type(exc).__name__}: {exc}") from exc
    age = (now - newest).total_seconds() / 60
    status = "stale" if age > stale_after else ("gaps" if missing else "ok")
    return TableHealth(
        table=spec.name,
        newest_interval=newest.isoformat(sep=" "),
        age_minutes=round(age, 1),
        stale_after_minutes=stale_after,
        missing_intervals_24h=len(missing),
        first_missing=[m[0].isoformat(sep=" ") for m in missing[:MAX_LISTED_GAPS]],
        status=status,
    )


def _align(start: dt.datetime, first: dt.datetime, step: int) -> dt.datetime:
    """The first interval end at or after `start` on the grid of `first` (steps of `step` minutes)."""
    if start <= first:
        return first
    steps = -(-(start - first) // dt.timedelta(minutes=step))
    return first + steps * dt.timedelta(minutes=step)


def _ledger_summary(root: Path) -> tuple[int, int, dict[str, str] | None]:
    """(quarantined files, error files, newest error or quarantine) from the ledger (read-only)."""
    from aemo_wh.warehouse.ledger import Ledger

    ledger = Ledger(root)
    try:
        counts = ledger.counts()
        recent = ledger.rows(status="error", limit=1) + ledger.rows(status="quarantined", limit=1)
    except sqlite3.Error as exc:
        raise WarehouseUnreadable(f"cannot read the ledger {ledger.path}: {exc}") from exc
    last = None
    if recent:
        row = max(recent, key=lambda r: r["loaded_at"] or "")
        last = {
            "file": row["name"],
            "status": row["status"],
            "error": row["error"] or "",
            "at": row["loaded_at"],
        }
    return counts.get("quarantined", 0), counts.get("error", 0), last


def _attach_source_errors(root: Path, results: list[TableHealth]) -> None:
    """Per table: quarantined files and the newest error of the source that feeds it."""
    from aemo_wh.ingest.sources import SOURCES
    from aemo_wh.warehouse.ledger import Ledger

    ledger = Ledger(root)
    owner = {spec.name: src.name for src in SOURCES.values() for spec in src.tables}
    try:
        for t in results:
            t.source = owner.get(t.table, "")
            if not t.source:
                continue
            quarantined = ledger.rows(status="quarantined", source=t.source)
            recent = ledger.rows(status="error", source=t.source, limit=1) + quarantined[:1]
            t.quarantined_files = len(quarantined)
            if recent:
                row = max(recent, key=lambda r: r["loaded_at"] or "")
                t.last_error = {"file": row["name"], "status": row["status"], "error": row["error"] or "",
                                "at": row["loaded_at"]}  # fmt: skip
    except sqlite3.Error as exc:
        raise WarehouseUnreadable(f"cannot read the ledger {ledger.path}: {exc}") from exc


def render_text(report: HealthReport) -> str:
    """The human-readable table printed by `aemo-wh health`."""
    lines = [f"warehouse {report.warehouse} checked at {report.checked_at} (NEM time)"]
    if report.exit_code == UNREADABLE:
        lines.append(f"UNREADABLE: {report.problem}")
        return "\n".join(lines)
    head = f"{'table':<28}{'newest interval':<21}{'age (min)':>10}{'gaps 24h':>10}{'quarantined':>13}  status"
    lines.append(head)
    for t in report.tables:
        age = "-" if t.age_minutes is None else f"{t.age_minutes:.0f}"
        newest = t.newest_interval or "-"
        lines.append(
            f"{t.table:<28}{newest:<21}{age:>10}{t.missing_intervals_24h:>10}{t.quarantined_files:>13}  {t.status}"
        )
        if t.first_missing:
            lines.append(f"{'':<28}first missing: {', '.join(t.first_missing)}")
        if t.last_error:
            e = t.last_error
            lines.append(f"{'':<28}last error: {e['file']} ({e['status']} at {e['at']}): {e['error']}")
    lines.append(f"quarantined files: {report.quarantined_files}; files with errors: {report.error_files}")
    if report.balance:
        lines.append("energy balance, newest day (scheduled SCADA + net import vs TOTALDEMAND, % of demand):")
        for b in report.balance:
            mean = b["mean_residual_pct"]
            flag = ""
            if mean is not None and abs(mean) > BALANCE_FLAG_PCT:
                flag = "  <- far from 0: a DUID in the wrong region or missing? (`aemo-wh registry unknown`)"
            worst = b["max_abs_residual_pct"]
            lines.append(
                f"  {b['region_id']:<6} mean {_pct(mean)}  worst |{'-' if worst is None else f'{worst:.2f}'}|  "
                f"incl. non-scheduled {_pct(b['mean_residual_nonsched_pct'])}  over {b['intervals']} intervals{flag}"
            )
    c = report.last_check
    if c is None:
        lines.append("contract check: never run (`aemo-wh check`)")
    else:
        verdict = "ok" if c["ok"] else f"{c['problems']} problem(s): run `aemo-wh check --repair`"
        lines.append(f"contract check at {c['checked_at']} (UTC): {verdict}")
    if report.last_error:
        e = report.last_error
        lines.append(f"last error: {e['file']} ({e['status']} at {e['at']}): {e['error']}")
    lines.append("HEALTHY" if report.exit_code == HEALTHY else f"UNHEALTHY: {report.problem}")
    return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "   -  " if v is None else f"{v:+6.2f}"


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    now = dt.datetime.fromisoformat(args.at) if args.at else None
    report = check_health(settings, now=now, tables=args.table or None)
    print(report.to_json() if args.json else render_text(report))
    if report.exit_code != HEALTHY:
        logger.warning("health: exit %d: %s", report.exit_code, report.problem)
    return report.exit_code


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "health",
        help="freshness, gaps and errors per table; exit 0 healthy, 1 stale/gaps, 2 unreadable",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--table", action="append", help="only these tables (repeatable; default all)")
    p.add_argument("--at", help="evaluate as of this NEM time (YYYY-MM-DD HH:MM), e.g. to replay an incident")
    p.set_defaults(func=cmd_health)
