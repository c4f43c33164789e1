"""A real HTTP server on 127.0.0.1 that serves a local folder laid out like NEMWeb.

Directory pages are rendered in the 2026 IIS "directory browsing" format NEMWeb serves today
(see ../shared/nemweb_samples/dirlisting/listing_reports_current_unquoted.html): one `<pre>`
block, entries `<date right-aligned in 38><size or &lt;dir&gt; right-aligned in 13> <A HREF>`,
root-relative hrefs, directory hrefs without a trailing slash, `#` written as `%23`. Paths are
matched case-insensitively, as IIS does (`/Reports/CURRENT/...` finds `Reports/Current/`).
File times are shown as the file's mtime in NEM time (UTC+10), like the real server.

Used by the tests (with `fault` hooks), the demo simulator and `aemo-wh demo serve`::

    with NemwebServer(folder) as srv:
        srv.add_fault("PUBLIC_DISPATCHSCADA_2025", status=500, times=1)
        requests.get(srv.url + "/Reports/Current/Dispatch_SCADA/")
"""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aemo_wh.log import get_logger
from aemo_wh.nemtime import NEM_TZ

logger = get_logger(__name__)


@dataclass
class Fault:
    """Serve `status` with `body` instead of the real response, `times` times (-1 = always).

    `match` is a substring of the decoded request path. `truncate_to` (bytes) serves the real
    file cut short with status 200, as a dropped connection would leave it.
    """

    match: str
    status: int = 500
    times: int = 1
    body: bytes | None = None
    content_type: str = "text/html"
    truncate_to: int | None = None
    delay_s: float = 0.0  # sleep before answering (timeouts)

    def applies(self, path: str) -> bool:
        return self.times != 0 and self.match in path


FaultHook = Callable[[str], "Fault | None"]


def render_listing(url_path: str, folder: Path, title_host: str = "nemweb.com.au") -> str:
    """The IIS directory page for `folder`, shown at `url_path` (e.g. "/Reports/Current/X/")."""
    if not url_path.endswith("/"):
        url_path += "/"
    parent = url_path.rstrip("/").rsplit("/", 1)[0] or "/"
    parts = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        st = entry.stat()
        when = dt.datetime.fromtimestamp(st.st_mtime, NEM_TZ)
        stamp = f"{when:%A}, {when:%B} {when.day}, {when:%Y %I:%M %p}"
        href = urllib.parse.quote(url_path + entry.name, safe="/")
        if entry.is_dir():
            size = "&lt;dir&gt;".rjust(13 + len("&lt;dir&gt;") - len("<dir>"))
        else:
            size = str(st.st_size).rjust(13)
        parts.append(f'{stamp.rjust(38)}{size} <A HREF="{href}">{html.escape(entry.name)}</A><br>')
    return (
        "<html>\n\t<head>\n"
        f"\t\t<title>{title_host} - {html.escape(url_path)}</title>\n"
        "\t</head>\n\t<body>\n"
        f"\t\t<H1>{title_host} - {html.escape(url_path)}</H1>\n"
        "\t\t<hr>\n"
        f'\t\t<pre><A HREF="{urllib.parse.quote(parent, safe="/")}">[To Parent Directory]</A><br><br>\n'
        + "".join(parts)
        + "</pre><hr></body>\n</html>\n"
    )


def resolve_ci(root: Path, rel: str) -> Path | None:
    """Resolve `rel` under `root` matching each component case-insensitively; None if absent."""
    node = root
    for part in [p for p in rel.split("/") if p]:
        if part in (".", ".."):
            return None
        exact = node / part
        if exact.exists():
            node = exact
            continue
        if not node.is_dir():
            return None
        low = part.lower()
        match = next((c for c in node.iterdir() if c.name.lower() == low), None)
        if match is None:
            return None
        node = match
    return node


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms on Linux) on every keep-alive response: 36 s for a 900-file demo ingest.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        logger.debug("nemweb server: " + format, *args)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._serve(head=False)

    def _send(self, status: int, body: bytes, ctype: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        owner = self.server.owner
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        owner.record(path, self.headers.get("User-Agent", ""))
        fault = owner.take_fault(path)
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
            if fault.status == 200 and fault.body is None and fault.truncate_to is None:
                fault = None  # a slow but otherwise normal answer
        target = resolve_ci(owner.root, path)
        if fault is not None and fault.truncate_to is None:
            body = (
                fault.body
                if fault.body is not None
                else f"<html><body>Error {fault.status}</body></html>".encode()
            )
            self._send(fault.status, body, fault.content_type, head)
            return
        if target is None:
            self._send(
                404,
                b"<html><body><h2>404 - File or directory not found.</h2></body></html>",
                "text/html",
                head,
            )
            return
        if target.is_dir():
            body = render_listing(path, target).encode("utf-8")
            self._send(200, body, "text/html; charset=UTF-8", head)
            return
        data = target.read_bytes()
        if fault is not None and fault.truncate_to is not None:
            data = data[: fault.truncate_to]
        ctype = "application/x-zip-compressed" if target.suffix.lower() == ".zip" else "text/csv"
        self._send(200, data, ctype, head)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: NemwebServer


class NemwebServer:
    """Serve `root` (a folder with `Reports/Current/...`) on 127.0.0.1; start/stop or use `with`."""

    def __init__(self, root: Path | str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root)
        self.host = host
        self.port = port
        self.faults: list[Fault] = []
        self.fault_hook: FaultHook | None = None  # called first; return a Fault to apply it once
        self.requests: list[str] = []  # decoded paths, in order
        self.user_agents: list[str] = []  # User-Agent of each request
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> NemwebServer:
        httpd = _Server((self.host, self.port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="nemweb-server", daemon=True)
        self._thread.start()
        logger.info("NEMWeb mirror of %s serving at %s", self.root, self.url)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (for `aemo-wh demo serve`)."""
        self.start()
        try:
            assert self._thread is not None
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> NemwebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults and request log -------------------------------------------------------------

    def add_fault(self, match: str, status: int = 500, times: int = 1, **kw: object) -> Fault:
        fault = Fault(match=match, status=status, times=times, **kw)  # type: ignore[arg-type]
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        if self.fault_hook is not None:
            hooked = self.fault_hook(path)
            if hooked is not None:
                return hooked
        with self._lock:
            for fault in self.faults:
                if fault.applies(path):
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def record(self, path: str, user_agent: str = "") -> None:
        with self._lock:
            self.requests.append(path)
            self.user_agents.append(user_agent)

    def count(self, fragment: str) -> int:
        """How many requests so far had `fragment` in their path."""
        with self._lock:
            return sum(fragment in p for p in self.requests)
