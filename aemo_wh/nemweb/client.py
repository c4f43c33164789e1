"""NEMWeb client: listings and downloads over HTTP(S), or from a local folder laid out like NEMWeb.

HTTP: one `requests.Session` with a User-Agent naming the project, connect/read timeouts,
retries with exponential backoff on 5xx / 429 / timeouts / connection errors / short bodies, and
a cap on download size. A download goes to a temp file beside its destination and is renamed
only when complete, so a partial download is never parsed. A 404 raises `FileGone` (not
retried: the ingest tries again next run).

Local folder (`nemweb.base_url = "/srv/mirror"` or `file:///srv/mirror`): listings come from the
folder (matched case-insensitively, like IIS) and downloads are copies, so the mirror itself is
never moved or quarantined.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import urllib.parse
import uuid
from pathlib import Path

import requests

from aemo_wh.config import NemwebSettings
from aemo_wh.errors import NemwebFetchError
from aemo_wh.log import get_logger
from aemo_wh.nemtime import NEM_TZ
from aemo_wh.nemweb.listing import ListingEntry, parse_listing
from aemo_wh.nemweb.server import resolve_ci

logger = get_logger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FileGone(NemwebFetchError):
    """The server answered 404 for a file (or folder): try again on a later run."""


class DownloadTooLarge(NemwebFetchError):
    """The file is larger than `nemweb.max_download_mb`."""


def is_local(base_url: str) -> bool:
    return not base_url.lower().startswith(("http://", "https://"))


def _local_root(base_url: str) -> Path:
    if base_url.lower().startswith("file://"):
        return Path(urllib.parse.unquote(urllib.parse.urlsplit(base_url).path))
    return Path(base_url).expanduser()


class NemwebClient:
    """Lists NEMWeb folders and downloads files from `settings.base_url`."""

    def __init__(self, settings: NemwebSettings, root: Path | None = None) -> None:
        self.settings = settings
        base = settings.base_url
        if is_local(base):
            local = _local_root(base)
            if not local.is_absolute() and root is not None:
                local = root / local
            self.local_root: Path | None = local
            self.base_url = str(local)
        else:
            self.local_root = None
            self.base_url = base.rstrip("/") + "/"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.max_bytes = int(settings.max_download_mb * 1024 * 1024)
        self.requests_made = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> NemwebClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- listings --------------------------------------------------------------------------------

    def folder_url(self, rel_dir: str) -> str:
        rel = rel_dir.strip("/") + "/"
        if self.local_root is not None:
            return str(self.local_root / rel)
        return urllib.parse.urljoin(self.base_url, urllib.parse.quote(rel, safe="/"))

    def list_folder(self, rel_dir: str) -> list[ListingEntry]:
        """Every entry of one NEMWeb folder (one request)."""
        if self.local_root is not None:
            return self._list_local(rel_dir)
        url = self.folder_url(rel_dir)
        resp = self._get(url, stream=False)
        try:
            return parse_listing(resp.text, url)
        finally:
            resp.close()

    def _list_local(self, rel_dir: str) -> list[ListingEntry]:
        assert self.local_root is not None
        folder = resolve_ci(self.local_root, rel_dir)
        if folder is None or not folder.is_dir():
            raise FileGone(f"folder not found in local mirror: {self.local_root / rel_dir}")
        out = []
        for p in sorted(folder.iterdir(), key=lambda x: x.name):
            if p.name.startswith("."):
                continue
            st = p.stat()
            when = dt.datetime.fromtimestamp(st.st_mtime, NEM_TZ).replace(
                tzinfo=None, second=0, microsecond=0
            )
            out.append(
                ListingEntry(p.name, str(p), str(p), None if p.is_dir() else st.st_size, when, p.is_dir())
            )
        return out

    # -- downloads -------------------------------------------------------------------------------

    def download(self, entry: ListingEntry | str, dest: Path) -> Path:
        """Fetch one file to `dest` (a file path). Returns dest; raises NemwebFetchError/FileGone."""
        url = entry.url if isinstance(entry, ListingEntry) else entry
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            if self.local_root is not None:
                self._copy_local(Path(url), tmp)
            else:
                self._download_http(url, tmp)
            if isinstance(entry, ListingEntry) and entry.size is not None:
                got = tmp.stat().st_size
                if got != entry.size:
                    raise NemwebFetchError(
                        f"{entry.name}: downloaded {got} bytes but the listing says {entry.size}"
                    )
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def _copy_local(self, src: Path, tmp: Path) -> None:
        if not src.is_file():
            raise FileGone(f"file not found in local mirror: {src}")
        size = src.stat().st_size
        if size > self.max_bytes:
            raise DownloadTooLarge(f"{src.name}: {size} bytes exceeds the {self.max_bytes} byte cap")
        shutil.copyfile(src, tmp)

    def _download_http(self, url: str, tmp: Path) -> None:
        candidates = [url]
        if "%23" in url:  # NEMWeb stores some names with a literal "%23" (see nemweb_format.md §4)
            candidates.append(url.replace("%23", "%2523"))
        last: NemwebFetchError | None = None
        for cand in candidates:
            try:
                self._fetch_to(cand, tmp)
                return
            except NemwebFetchError as exc:
                last = exc
                status = getattr(exc, "status", None)
                if status not in (400, 404):
                    raise
        assert last is not None
        raise last

    def _fetch_to(self, url: str, tmp: Path) -> None:
        attempts = max(1, self.settings.retries + 1)
        for attempt in range(attempts):
            resp = self._get(url, stream=True)
            try:
                declared = resp.headers.get("Content-Length")
                if declared and int(declared) > self.max_bytes:
                    raise DownloadTooLarge(f"{url}: {declared} bytes exceeds the {self.max_bytes} byte cap")
                got = 0
                with tmp.open("wb") as fh:
                    for block in resp.iter_content(chunk_size=1 << 20):
                        got += len(block)
                        if got > self.max_bytes:
                            raise DownloadTooLarge(f"{url}: more than the {self.max_bytes} byte cap")
                        fh.write(block)
                    fh.flush()
                    os.fsync(fh.fileno())
                if declared and got != int(declared):
                    raise _Retryable(f"{url}: got {got} of {declared} bytes")
                return
            except (_Retryable, requests.RequestException) as exc:
                if attempt + 1 >= attempts:
                    raise NemwebFetchError(f"download failed after {attempts} attempts: {exc}") from exc
                self._sleep(attempt, url, exc)
            finally:
                resp.close()

    # -- requests with retry ---------------------------------------------------------------------

    def _get(self, url: str, stream: bool) -> requests.Response:
        attempts = max(1, self.settings.retries + 1)
        timeout = (min(10.0, self.settings.timeout_s), self.settings.timeout_s)
        for attempt in range(attempts):
            self.requests_made += 1
            try:
                resp = self.session.get(url, timeout=timeout, stream=stream)
            except requests.RequestException as exc:
                if attempt + 1 >= attempts:
                    raise NemwebFetchError(
                        f"{url}: {type(exc).__name__} after {attempts} attempts", hint=str(exc)
                    ) from exc
                self._sleep(attempt, url, exc)
                continue
            if resp.status_code == 200:
                return resp
            status = resp.status_code
            resp.close()
            if status in RETRY_STATUS and attempt + 1 < attempts:
                self._sleep(attempt, url, f"HTTP {status}")
                continue
            err_cls = FileGone if status == 404 else NemwebFetchError
            err = err_cls(
                f"{url}: HTTP {status}" + (f" after {attempts} attempts" if status in RETRY_STATUS else "")
            )
            err.status = status  # type: ignore[attr-defined]
            raise err
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int, url: str, why: object) -> None:
        delay = self.settings.backoff_s * (2**attempt)
        logger.warning("retrying %s in %.1fs (%s)", url, delay, why)
        time.sleep(delay)


class _Retryable(Exception):
    pass
