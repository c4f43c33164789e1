"""One log file for every component: `logs/aemo_wh.log` (rotating) plus stderr.

Modules call `get_logger(__name__)`; only entry points call `configure_logging`.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

FORMAT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    """A logger under the `aemo_wh` namespace (component = module name)."""
    if not name.startswith(("aemo_wh", "dashboard")):
        name = f"aemo_wh.{name}"
    return logging.getLogger(name)


def configure_logging(log_file: Path, level: int = logging.INFO, stderr: bool = True) -> None:
    """Attach the rotating file handler (and stderr) to the `aemo_wh` and `dashboard` loggers.

    A log folder that cannot be created or written (a read-only disk, a path under a file) does not
    stop the command: it logs to stderr only, after one warning naming the path and the reason.
    """
    fmt = logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = []
    problem = ""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(log_file, maxBytes=10_000_000, backupCount=5, encoding="utf-8")
        )
    except OSError as exc:
        problem = f"{type(exc).__name__}: {exc.strerror or exc}"
    if stderr or problem:
        handlers.append(logging.StreamHandler(sys.stderr))
    for h in handlers:
        h.setFormatter(fmt)
    for name in ("aemo_wh", "dashboard"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        for h in handlers:
            logger.addHandler(h)
        logger.setLevel(level)
        logger.propagate = False
    if problem:
        logging.getLogger("aemo_wh.log").warning(
            "cannot write the log file %s (%s): logging to stderr only; set paths.logs "
            "(AEMO_WH_PATHS_LOGS) to a folder that can be created", log_file, problem,
        )
