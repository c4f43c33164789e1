"""`aemo-wh ingest`, `aemo-wh compact` and `aemo-wh status`.

`make ingest` (the cron job) runs `aemo-wh ingest`: one pass, exit 0 when there is nothing new
or when another writer holds the lock ("busy"); exit 1 when a folder could not be listed.
The NEMWeb pass also does what `aemo-wh run` schedules for itself, so cron users need nothing
else: closed days and months that still have small files are compacted under the same lock
(manifest reads only when there is nothing to do), then the alert rules run (`aemo_wh.mail.alerts`,
if installed; every pass, as freshness is judged when nothing lands). Neither can fail or undo
the ingest: errors are logged.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.log import get_logger

logger = get_logger(__name__)


def register(sub: Any) -> None:
    from aemo_wh.ingest.sources import SOURCES

    p = sub.add_parser("ingest", help="one ingest pass: list NEMWeb, download new files, land them")
    p.add_argument(
        "--source", action="append", choices=sorted(SOURCES), metavar="NAME",
        help=f"only this source (repeatable; default all: {', '.join(SOURCES)})",
    )  # fmt: skip
    p.add_argument(
        "--archive", action="store_true",
        help="also list Reports/Archive bundles for days no longer in Reports/Current",
    )  # fmt: skip
    p.add_argument("paths", nargs="*", type=Path, help="land these local files instead of listing NEMWeb")
    p.set_defaults(func=cmd_ingest)

    c = sub.add_parser("compact", help="merge small parquet of finished days into day / month files")
    c.set_defaults(func=cmd_compact)

    s = sub.add_parser("status", help="per table: rows, first/last interval, files, last ingest, quarantine")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_status)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.ingest.run import ingest_files, run_ingest
    from aemo_wh.warehouse import WarehouseBusy

    try:
        if args.paths:
            report = ingest_files(args.paths, settings)
        else:
            report = run_ingest(
                settings, sources=args.source, include_archive=args.archive, compact_closed=True
            )
    except WarehouseBusy:
        logger.info("busy: another writer holds the warehouse lock; nothing done")
        print("busy: another writer holds the warehouse lock; nothing done")
        return 0
    print(report.summary())
    if not args.paths and not report.busy:
        # every pass, not only when rows landed: freshness ("no new data for N minutes") is
        # judged when nothing arrives (docs/architecture.md, email entry points)
        run_alerts(settings)
    return 1 if report.errors else 0


def run_alerts(settings: Settings) -> None:
    """The alert rules after an ingest pass; any failure is logged, never raised."""
    try:
        from aemo_wh.mail.alerts import run_alert_rules
    except ImportError:
        return
    try:
        run_alert_rules(settings)
    except Exception as exc:  # noqa: BLE001 - an alert problem must never fail the ingest
        logger.error("alert rules after ingest failed: %s: %s", type(exc).__name__, exc)


def cmd_compact(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.warehouse import Warehouse, WarehouseBusy
    from aemo_wh.warehouse.compaction import compact

    wh = Warehouse(settings.warehouse_dir, grace_hours=settings.warehouse.grace_hours)
    try:
        with wh.writer() as w:
            result = compact(w)
    except WarehouseBusy:
        logger.info("busy: another writer holds the warehouse lock; compaction skipped")
        print("busy: another writer holds the warehouse lock; compaction skipped")
        return 0
    logger.info("compact: %s", result)
    print(json.dumps(result, default=str, sort_keys=True) if result else "nothing to compact")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.warehouse import Warehouse

    wh = Warehouse(settings.warehouse_dir, grace_hours=settings.warehouse.grace_hours)
    rows = wh.status()
    if args.json:
        print(json.dumps(rows, default=str, indent=2))
        return 0
    print(format_status(rows))
    skipped = wh.ledger.rows(status="skipped")
    if skipped:
        print(f"\n{len(skipped)} file(s) skipped: they hold no table this project lands (not examined again)")
        for r in skipped[:20]:
            print(f"  {r['name']}: {r['error']}")
        if len(skipped) > 20:
            print(f"  … and {len(skipped) - 20} more")
    return 0


def format_status(rows: list[dict[str, Any]]) -> str:
    """A plain text table of `Warehouse.status()` rows (columns as the warehouse reports them)."""
    if not rows:
        return "warehouse is empty"
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:.3g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
