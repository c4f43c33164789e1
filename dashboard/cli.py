"""`aemo-wh dashboard [--port 5010] [--address 127.0.0.1] [--warehouse PATH]` and `serve()`.

One process serves every browser session from one `Store` (one DuckDB connection and one
query cache). Panel/Bokeh resources are served by this server (no CDN), so the page works
offline. Basic auth is switched on when the address is not loopback and
`[dashboard] basic_auth_user` + `AEMO_WH_DASHBOARD_BASIC_AUTH_PASSWORD` are set; on such an address
without a login the server refuses to start unless `--allow-anonymous` (or `[dashboard]
allow_anonymous = true`) says the page is meant for everyone who can reach it.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import secrets
import warnings
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.errors import ConfigError
from aemo_wh.log import get_logger

logger = get_logger("dashboard.cli")


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="serve the Nem Analysis dashboard (Panel)")
    p.add_argument("--port", type=int, default=None, help="port (default [dashboard] port, 5010)")
    p.add_argument("--address", default=None, help="bind address (default [dashboard] address, 127.0.0.1)")
    p.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default [paths] warehouse)")
    p.add_argument("--show", action="store_true", help="open a browser")
    p.add_argument("--allow-anonymous", action="store_true",
                   help="serve a non-loopback address without a login (default: refuse)")
    p.set_defaults(func=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    if args.allow_anonymous:
        settings = settings.with_overrides(dashboard={"allow_anonymous": True})
    return serve(settings, args.port, args.address, warehouse=args.warehouse, show=args.show)


def is_loopback(address: str) -> bool:
    if address in ("localhost", ""):
        return address == "localhost"
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def basic_auth(settings: Settings, address: str) -> dict[str, str] | None:
    """{user: password} when the server is reachable from other hosts and credentials are set."""
    d = settings.dashboard
    if is_loopback(address):
        return None
    if d.basic_auth_user and d.basic_auth_password:
        return {d.basic_auth_user: d.basic_auth_password}
    if d.basic_auth_user or d.basic_auth_password:
        raise ConfigError(
            "dashboard basic auth needs both a user and a password",
            hint="Set [dashboard] basic_auth_user and AEMO_WH_DASHBOARD_BASIC_AUTH_PASSWORD (env or .env).",
        )
    if not d.allow_anonymous:
        raise ConfigError(
            f"refusing to serve the dashboard on {address} without a login: anyone who can reach it could read it",
            hint="Set [dashboard] basic_auth_user and AEMO_WH_DASHBOARD_BASIC_AUTH_PASSWORD (env or .env) for a "
            "login, or pass --allow-anonymous (or [dashboard] allow_anonymous = true) to serve everyone; "
            "the default address 127.0.0.1 needs neither.",
        )
    logger.warning("dashboard on %s without basic auth (allow_anonymous): anyone who can reach it can read it", address)
    return None


class _ClosedPageReplies(logging.Filter):
    """Drops Bokeh's warning for an OK it could not send: a closing page sends its last patches and the
    server's replies find the socket closed (measured: ~40 per closed tab walk); Bokeh calls on_close anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Failed sending message as connection was closed" in record.getMessage():
            return False
        # the same reply written by Tornado's own task: asyncio reports its WebSocketClosedError unretrieved
        error = record.exc_info[1] if record.exc_info else None
        return not (record.name == "asyncio" and type(error).__name__ == "WebSocketClosedError")


def quiet_server_noise() -> None:
    """Keep the one log file about this product (issue 19 item 17).

    Three messages said nothing an operator can act on: Bokeh's `reference already known` (a patch from
    the page names a stylesheet model the server has; Bokeh recovers, bokeh#12915) and the replies to a
    closed page above, as Bokeh's warning or as asyncio's unretrieved WebSocketClosedError. Everything
    else from Bokeh and Tornado still reaches the log.
    """
    from bokeh.util.warnings import BokehUserWarning

    warnings.filterwarnings("ignore", message="reference already known", category=BokehUserWarning)
    for name in ("bokeh.server.views.ws", "asyncio"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _ClosedPageReplies) for f in log.filters):
            log.addFilter(_ClosedPageReplies())


def serve(
    settings: Settings,
    port: int | None = None,
    address: str | None = None,
    warehouse: Path | None = None,
    show: bool = False,
    threaded: bool = False,
) -> Any:
    """Serve the dashboard until interrupted (or return the server thread when `threaded`)."""
    import panel as pn

    from aemo_wh import views
    from dashboard.app import create_app, register_tabs, warm_up
    from dashboard.store import Store

    port = settings.dashboard.port if port is None else port
    address = address or settings.dashboard.address
    if warehouse is not None:
        settings = settings.with_overrides(paths={"warehouse": Path(warehouse).resolve()})
    root = settings.warehouse_dir
    if not root.is_dir():
        raise ConfigError(f"no warehouse at {root}", hint="Run `make ingest` (or `make demo`) first, or pass --warehouse.")
    auth = basic_auth(settings, address)  # before the warm-up: a refused address fails at once
    register_tabs()
    quiet_server_noise()
    store = Store(root, connect=lambda _root: views.connect(settings), refresh=views.refresh)
    refresh_s = float(settings.dashboard.refresh_s)
    logger.info("dashboard warm-up (every tab built once, heap frozen) took %.0f ms", warm_up(store))
    origins = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    options: dict[str, Any] = dict(
        port=port, address=address, websocket_origin=origins if is_loopback(address) else ["*"],
        show=show, title="Nem Analysis", threaded=threaded, liveness=True,
    )
    if auth:
        options.update(basic_auth=auth, cookie_secret=secrets.token_urlsafe(32))
    logger.info("dashboard on http://%s:%d/ (warehouse %s, refresh %ss)", address, port, root, refresh_s)
    print(f"Nem Analysis dashboard: http://{address}:{port}/  (warehouse {root})", flush=True)
    return pn.serve({"/": lambda: create_app(store, refresh_s)}, **options)
