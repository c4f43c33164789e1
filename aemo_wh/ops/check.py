"""`aemo-wh check [--repair] [--json]` (`make check`): is every published file what its table's contract says?

Prints one row per table (files, rows, bad files, duplicate keys) and each problem, then exits 0 when
the warehouse is sound, 1 when it is not. `--repair` (takes the writer lock) moves the bad files out
of the manifests into `_quarantine/parquet/`, marks the AEMO files they came from for a re-fetch by
the next ingest, merges duplicate keys away, and checks again. See aemo_wh/warehouse/check.py.
"""

from __future__ import annotations

import argparse
import json

from aemo_wh.config import Settings
from aemo_wh.log import get_logger
from aemo_wh.warehouse.check import CheckResult, check_warehouse, repair

logger = get_logger(__name__)

SOUND, DAMAGED = 0, 1


def render_text(result: CheckResult) -> str:
    head = f"{'table':<30}{'files':>7}{'rows':>13}{'bad files':>11}{'dup keys':>10}  status"
    lines = [head, "-" * len(head)]
    for t in result.tables:
        status = "ok" if t.ok else "PROBLEM"
        lines.append(f"{t.table:<30}{t.files:>7}{t.rows:>13,}{len(t.bad_files):>11}{t.duplicate_keys:>10}  {status}")
    for t in result.tables:
        for p in t.bad_files:
            lines.append(f"{t.table}: {p.path}: {p.problem}")
        if t.duplicate_keys:
            lines.append(f"{t.table}: {t.duplicate_keys} key(s) twice, partitions {', '.join(t.duplicate_dates)}")
    lines.append("SOUND" if result.ok else f"DAMAGED: {result.problems} problem(s); `aemo-wh check --repair` heals them")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    root = settings.warehouse_dir
    result = check_warehouse(root)
    if args.repair and not result.ok:
        from aemo_wh.warehouse import Warehouse

        print(render_text(result))
        with Warehouse(root, grace_hours=settings.warehouse.grace_hours).writer(timeout_s=300) as w:
            done = repair(w, result)
        logger.info("check --repair: %s", done)
        print(f"\nrepaired: {done['files_quarantined']} file(s) quarantined, {done['sources_marked']} source "
              f"file(s) marked for re-fetch (next `aemo-wh ingest`), {done['partitions_merged']} partition(s) "
              "merged\n")  # fmt: skip
        result = check_warehouse(root)
    print(json.dumps(result.to_dict(), indent=2) if args.json else render_text(result))
    if not result.ok:
        logger.warning("check: %d problem(s) in %s", result.problems, root)
    return SOUND if result.ok else DAMAGED


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check", help="verify every published file against its table's contract; --repair heals",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--repair", action="store_true", help="quarantine bad files, re-fetch their sources, merge duplicates")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_check)
