"""The `aemo-wh` command line.

Each feature module that offers subcommands exposes `register(subparsers)`, which adds
its parsers and sets `func=<callable(args, settings) -> int>` as the default. This file
only composes them; the list below is the order they appear in `--help`.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from aemo_wh.config import load_settings
from aemo_wh.errors import AemoWhError
from aemo_wh.log import configure_logging, get_logger

COMMAND_MODULES = [
    "aemo_wh.ingest.cli",       # ingest, compact, status
    "aemo_wh.registry.cli",     # registry refresh | unknown
    "aemo_wh.ops.shell",        # sql
    "aemo_wh.demo.cli",         # demo build | serve | live
    "dashboard.cli",            # dashboard
    "aemo_wh.mail.cli",         # email test, report send, alerts check
    "aemo_wh.ops.service",      # run
    "aemo_wh.ingest.backfill",  # backfill
    "aemo_wh.ops.health",       # health
    "aemo_wh.ops.check",        # check [--repair]
]

logger = get_logger("aemo_wh.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aemo-wh", description="NEM Analysis: AEMO NEMWeb warehouse")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name.rsplit(".", 1)[0]) is None or importlib.util.find_spec(name) is None:
            continue  # feature not installed in this checkout
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
        configure_logging(settings.log_file, level=10 if args.verbose else 20)
        return int(args.func(args, settings) or 0)
    except AemoWhError as exc:
        logger.error("%s", exc.msg)
        print(f"error: {exc.msg}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        logger.exception("unexpected error in `aemo-wh %s`", args.command)
        return 1


if __name__ == "__main__":
    sys.exit(main())
