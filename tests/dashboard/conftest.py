"""Dashboard test fixtures: a small demo warehouse, the real server in a subprocess, Chromium.

The server is started exactly as a user would (`python -m aemo_wh.cli dashboard ...`) on a free
loopback port; the browser is Debian's chromium driven by Playwright (no browser download).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts" / "dashboard"
REFRESH_S = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-day simulated warehouse landed by the ordinary ingest (mirror/ and warehouse/ inside)."""
    from aemo_wh.demo import build_demo_warehouse

    base = tmp_path_factory.mktemp("dashboard_demo")
    # up to now by default (the page's live refresh is tested against it); AEMO_WH_TEST_DEMO_END
    # (ISO NEM time) pins the day, to check the tests on other seasons
    end = os.environ.get("AEMO_WH_TEST_DEMO_END")
    build_demo_warehouse(base, days=1, end=dt.datetime.fromisoformat(end) if end else None)
    return base


PINNED_END = dt.datetime(2026, 1, 17)  # a Saturday, 00:00: "today" is the whole of Friday 16 January


@pytest.fixture(scope="session")
def pinned_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-day simulated warehouse ending PINNED_END (the ordinary ingest), for the tests of
    Today, Comparison and Price Analysis against the views: this week whole, last week partial,
    a year earlier empty, a 7-day window with a previous period."""
    from aemo_wh.demo import build_demo_warehouse

    base = tmp_path_factory.mktemp("pinned_demo")
    build_demo_warehouse(base, days=10, end=PINNED_END)
    return base / "warehouse"


@pytest.fixture(scope="session")
def pinned_con(pinned_warehouse: Path) -> Iterator[object]:
    from aemo_wh import views

    con = views.connect(pinned_warehouse)
    yield con
    con.close()


@pytest.fixture(scope="session")
def server_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the served dashboard's stdout and stderr go (its log file is logs/aemo_wh.log beside it)."""
    return tmp_path_factory.mktemp("dashboard_server") / "server.out"


@pytest.fixture(scope="session")
def server(demo: Path, server_out: Path) -> Iterator[str]:
    """`aemo-wh dashboard` on a free port over the demo warehouse; yields its URL."""
    port = free_port()
    scratch = server_out.parent
    env = {
        **os.environ,
        "AEMO_WH_CONFIG": str(scratch / "absent.toml"),
        "AEMO_WH_PATHS_LOGS": str(scratch / "logs"),
        "AEMO_WH_DASHBOARD_REFRESH_S": str(REFRESH_S),
    }
    env.pop("BOKEH_RESOURCES", None)
    log = server_out.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aemo_wh.cli", "dashboard", "--port", str(port), "--warehouse",
         str(demo / "warehouse")],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/liveness", proc=proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class PageProbe:
    """A page plus what it asked for from outside 127.0.0.1 and its console errors."""

    def __init__(self, page) -> None:
        self.page = page
        self.external: list[str] = []
        self.errors: list[str] = []
        self.frames: list[str] = []  # text frames the server sent over the websocket
        self.sent: list[str] = []  # text frames the browser sent
        self.step = "load"
        page.on("request", self._on_request)
        page.on("websocket", self._on_websocket)
        page.on("console", lambda m: self.errors.append(f"{self.step}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"{self.step}: {e}"))

    def _on_websocket(self, ws) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(payload) if isinstance(payload, str) else None)
        ws.on("framesent", lambda payload: self.sent.append(payload) if isinstance(payload, str) else None)

    def patches_since(self, mark: int, sent: bool = False) -> list[list[dict]]:
        """The event lists of the Bokeh PATCH-DOC messages received (or `sent`) after frame `mark`, in order."""
        out = []
        for text in (self.sent if sent else self.frames)[mark:]:
            try:
                content = json.loads(text)
            except ValueError:
                continue
            if isinstance(content, dict) and isinstance(content.get("events"), list):
                out.append(content["events"])
        return out

    def acknowledged(self, mark: int, wanted) -> bool:
        """True when a PATCH-DOC the browser sent after frame `mark` holds an event for which `wanted(event)`
        is true and the server has answered it OK: the server has then applied it (Bokeh's protocol sends a
        header, a metadata and a content frame per message; the server's OK names the header's msgid)."""
        ids = set()
        for i in range(max(mark, 2), len(self.sent)):
            try:
                content = json.loads(self.sent[i])
                header = json.loads(self.sent[i - 2])
            except ValueError:
                continue
            if (isinstance(content, dict) and isinstance(header, dict) and header.get("msgtype") == "PATCH-DOC"
                    and any(wanted(e) for e in content.get("events", []))):
                ids.add(header.get("msgid"))
        for text in list(self.frames):
            try:
                header = json.loads(text)
            except ValueError:
                continue
            if isinstance(header, dict) and header.get("msgtype") == "OK" and header.get("reqid") in ids:
                return True
        return False

    def _on_request(self, request) -> None:
        url = request.url
        if not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            self.external.append(url)


@pytest.fixture()
def app(browser, server: str) -> Iterator[PageProbe]:
    """A fresh browser session on the dashboard, loaded and showing its first chart."""
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = context.new_page()
    page.set_default_timeout(20_000)
    probe = PageProbe(page)
    page.goto(server)
    page.locator("canvas").first.wait_for(state="visible")
    yield probe
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
