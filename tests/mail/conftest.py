"""Real SMTP servers (aiosmtpd) on 127.0.0.1 for the email tests: plain, STARTTLS + AUTH, implicit SSL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "analyst@example.com"
PASSWORD = "s3cret-app-pass-word"  # noqa: S105 - a test password; asserted never to leak


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated: bool
    tls: bool


@dataclass
class Recorder:
    """aiosmtpd handler that keeps every message; optionally refuses senders."""

    allowed_senders: set[str] | None = None
    received: list[Received] = field(default_factory=list)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list) -> str:
        if self.allowed_senders is not None and address not in self.allowed_senders:
            return "553 5.7.1 Sender address not allowed for this account"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg,
                                      bool(session.authenticated),
                                      server.transport.get_extra_info("ssl_object") is not None))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    mode: str  # plain | starttls | ssl
    port: int
    recorder: Recorder
    ca_file: Path
    controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.recorder.received

    def email_settings(self, **extra: Any) -> dict[str, Any]:
        """The `[email]` section that talks to this server."""
        base: dict[str, Any] = {
            "smtp_host": "127.0.0.1", "smtp_port": self.port,
            "security": {"plain": "none", "starttls": "starttls", "ssl": "ssl"}[self.mode],
            "sender": "NEM Analysis <analyst@example.com>", "recipients": ["desk@example.com", "ops@example.com"],
            "timeout_s": 5.0, "ca_file": str(self.ca_file),
        }
        if self.mode != "plain":
            base.update(smtp_username=USER, smtp_password=PASSWORD)
        base.update(extra)
        return base

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def start(self) -> None:
        assert self.controller is None
        self.controller = _controller(self.mode, self.port, self.recorder, self._ctx, self._good_password)
        self.controller.start()

    _ctx: ssl.SSLContext | None = None
    _good_password: str = PASSWORD


@pytest.fixture(scope="session")
def tls_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, path


def _server_ctx(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


def _controller(mode: str, port: int, recorder: Recorder, ctx: ssl.SSLContext | None, good: str) -> Controller:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
              and auth_data.password.decode() == good)
        return AuthResult(success=ok, handled=False)

    kw: dict[str, Any] = {"hostname": "127.0.0.1", "port": port, "ready_timeout": 5.0}
    if mode == "starttls":
        kw.update(tls_context=ctx, require_starttls=True, authenticator=authenticator,
                  auth_required=True, auth_require_tls=True)
    elif mode == "ssl":
        kw.update(ssl_context=ctx, authenticator=authenticator, auth_required=True, auth_require_tls=False)
    return Controller(recorder, **kw)


@pytest.fixture()
def smtp_server(tls_ca: tuple[trustme.CA, Path]) -> Iterator[Callable[..., SmtpServer]]:
    """Factory: smtp_server("plain" | "starttls" | "ssl", allowed_senders=..., good_password=...)."""
    servers: list[SmtpServer] = []
    ca, ca_file = tls_ca

    def make(mode: str = "plain", allowed_senders: set[str] | None = None, good_password: str = PASSWORD,
             start: bool = True) -> SmtpServer:
        srv = SmtpServer(mode, free_port(), Recorder(allowed_senders), ca_file)
        srv._ctx = _server_ctx(ca) if mode != "plain" else None
        srv._good_password = good_password
        servers.append(srv)
        if start:
            srv.start()
        return srv

    yield make
    for srv in servers:
        srv.stop()


@pytest.fixture()
def smtp_password() -> str:
    """The password the test servers accept (asserted never to appear in output or logs)."""
    return PASSWORD


@pytest.fixture()
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run `aemo-wh ARGS` in a real process with AEMO_WH_* settings from a dict (root = tmp_path)."""

    def run(args: list[str], email: dict[str, Any] | None = None, extra_env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AEMO_WH_")}
        env.update(AEMO_WH_ROOT=str(tmp_path), AEMO_WH_CONFIG=str(tmp_path / "absent.toml"),
                   AEMO_WH_PATHS_WAREHOUSE=str(tmp_path / "warehouse"))
        for k, v in (email or {}).items():
            env[f"AEMO_WH_EMAIL_{k.upper()}"] = ",".join(v) if isinstance(v, list) else str(v)
        env.update(extra_env or {})
        # aemo_wh.cli.main as `aemo-wh` runs it, composed of the email commands only, so that a
        # half-built command module of another part cannot break these tests
        code = ("import sys, aemo_wh.cli as c; c.COMMAND_MODULES[:] = ['aemo_wh.mail.cli']; "
                "sys.exit(c.main(sys.argv[1:]))")
        return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                              text=True, timeout=timeout, cwd=tmp_path)

    return run


@pytest.fixture()
def unused_port() -> int:
    """A port nothing listens on (connection refused)."""
    return free_port()


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections but never says a word (a black-holed / wrong-protocol server)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield s.getsockname()[1]
    s.close()


# --- a small simulated warehouse (the demo simulator through the real HTTP ingest) ---------------

DEMO_END = dt.datetime(2026, 11, 26, 1, 0)  # NEM time; the warehouse holds 25 Nov whole + 1 hour
REPORT_DAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per session; tests get their own copy (alert and outbox state live in it)."""
    from aemo_wh.config import load_settings
    from aemo_wh.demo import build_demo_warehouse

    tmp = tmp_path_factory.mktemp("demo")
    base = load_settings(config_file=tmp / "absent.toml", env={})
    return build_demo_warehouse(tmp, days=1, end=DEMO_END, settings=base)


@pytest.fixture()
def demo(settings: Any, demo_warehouse: Path, tmp_path: Path) -> Any:
    """Settings over a private copy of the demo warehouse, with an overrides file in tmp_path."""
    wh = tmp_path / "demo_wh"
    shutil.copytree(demo_warehouse, wh)
    return settings.with_overrides(paths={"warehouse": wh, "overrides": tmp_path / "duid_overrides.csv"})


def publish_scada(s: Any, rows: list[tuple[str, dt.datetime, float]]) -> None:
    """Land (duid, interval end, MW) rows through the real writer, as an ingest would."""
    import pyarrow as pa

    from aemo_wh.warehouse import Warehouse
    from aemo_wh.warehouse.tables import UNIT_SCADA

    ts = pa.array([r[1] for r in rows], pa.timestamp("us"))
    table = pa.table({"settlementdate": ts, "duid": [r[0] for r in rows], "scadavalue": [float(r[2]) for r in rows],
                      "lastchanged": ts})  # fmt: skip
    with Warehouse(s.warehouse_dir).writer() as w:
        w.publish_batch([(UNIT_SCADA, table)], source_file="synthetic-test-scada")
