"""`aemo-wh registry refresh | unknown | show`: the DUID registry from the command line.

refresh: fetch AEMO's registration list (URL from settings, or --url / --file), validate it, and
publish it as the warehouse table `duid_info` (level "ref"; one writer at a time). A file that
cannot be read, or that holds suspiciously few DUIDs, is rejected and the registry stays as it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.errors import AemoWhError
from aemo_wh.log import get_logger

logger = get_logger(__name__)

MIN_DUIDS = 100  # a real list has ~560; fewer means a wrong or truncated file
# aemo.com.au answers 403 to non-browser agents (NEMOSIS notes the same); say who we are as well.
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) aemo-wh/0.1 (NEM Analysis)"


def register(sub: Any) -> None:
    p = sub.add_parser("registry", help="DUID registry: refresh from AEMO, list unknown DUIDs, show one")
    rsub = p.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    r = rsub.add_parser("refresh", help="download AEMO's registration list and rebuild duid_info")
    src = r.add_mutually_exclusive_group()
    src.add_argument("--url", help="workbook URL (default: nemweb.registration_list_url)")
    src.add_argument("--file", type=Path, help="use this local .xlsx instead of downloading")
    r.set_defaults(func=cmd_refresh)
    u = rsub.add_parser("unknown", help="DUIDs seen in unit_scada but absent from the registry")
    u.set_defaults(func=cmd_unknown)
    s = rsub.add_parser("show", help="the registry row of one DUID (after overrides)")
    s.add_argument("duid")
    s.set_defaults(func=cmd_show)


def fetch_workbook(settings: Settings, url: str, dest: Path) -> Path:
    """Download the workbook to `dest` with the project's HTTP client (timeouts, retries, size cap)."""
    from aemo_wh.nemweb.client import NemwebClient

    nemweb = dataclasses.replace(settings.nemweb, base_url=url, user_agent=BROWSER_UA)
    with NemwebClient(nemweb, root=settings.root) as client:
        return client.download(url, dest)


def refresh_registry(settings: Settings, url: str | None = None, file: Path | None = None) -> dict[str, Any]:
    """Validate a workbook and publish it as `duid_info`. Returns counts for the report."""
    import polars as pl

    from aemo_wh.registry.build import published_files, workbook_frame
    from aemo_wh.warehouse import Warehouse
    from aemo_wh.warehouse.tables import DUID_INFO

    root = settings.warehouse_dir
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".registry-") as tmp:
        if file is not None:
            path = file
        else:
            url = url or settings.nemweb.registration_list_url
            path = fetch_workbook(settings, url, Path(tmp) / "registration-list.xlsx")
        frame = workbook_frame(path)
        if frame.height < MIN_DUIDS:
            raise AemoWhError(
                f"{file or url}: only {frame.height} DUIDs; refusing to replace the registry",
                hint="Check that this is AEMO's NEM Registration and Exemption List.",
            )
        old = published_files(root)
        before = set(pl.read_parquet(old)["duid"]) if old else set()
        wh = Warehouse(root, grace_hours=settings.warehouse.grace_hours)
        with wh.writer() as w:
            rows = w.replace_table(DUID_INFO, frame.to_arrow())
    now = set(frame["duid"])
    report = {
        "source": str(file or url),
        "duids": rows,
        "added": sorted(now - before) if before else [],
        "removed": sorted(before - now),
        "by_class": dict(frame.group_by("fuel_class").len().sort("fuel_class").iter_rows()),
    }
    logger.info("registry refreshed from %s: %d DUIDs (%d added, %d removed)",
                report["source"], rows, len(report["added"]), len(report["removed"]))
    return report


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    report = refresh_registry(settings, url=args.url, file=args.file)
    print(f"duid_info: {report['duids']} DUIDs from {report['source']}")
    print("  " + ", ".join(f"{k} {v}" for k, v in report["by_class"].items()))
    for label in ("added", "removed"):
        if report[label]:
            print(f"  {label}: {', '.join(report[label][:20])}{' ...' if len(report[label]) > 20 else ''}")
    return 0


def print_rows(columns: list[str], rows: list[tuple]) -> None:
    """A plain aligned text table (stdout belongs to the data)."""
    text = [[("" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in text:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def cmd_unknown(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.views import connect

    con = connect(settings)
    try:
        rel = con.execute(
            "select duid, first_seen, last_seen, max_mw, intervals_seen from unknown_duids "
            "order by max_mw desc nulls last, duid"
        )
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    if not rows:
        print("every DUID in unit_scada is in the registry")
        return 0
    print_rows(columns, rows)
    print(f"{len(rows)} unknown DUID(s); add them to {settings.path(settings.paths.overrides)} to classify them")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.registry.overrides import read_overrides
    from aemo_wh.views import connect

    read_overrides(settings.path(settings.paths.overrides))  # a bad overrides file is an error here
    con = connect(settings)
    try:
        rel = con.execute("select * from duid_info where duid = upper(?)", [args.duid])
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    if not rows:
        print(f"{args.duid}: not in the registry")
        return 1
    for c, v in zip(columns, rows[0], strict=True):
        print(f"{c:24} {'' if v is None else v}")
    return 0
