"""The NEMWeb client against a real HTTP server on 127.0.0.1 (and against a local folder)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from aemo_wh.config import NemwebSettings
from aemo_wh.errors import NemwebFetchError
from aemo_wh.nemweb.client import DownloadTooLarge, FileGone, NemwebClient
from aemo_wh.nemweb.listing import ListingEntry
from aemo_wh.nemweb.server import Fault, NemwebServer

SCADA = "PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip"
FOLDER = "Reports/Current/Dispatch_SCADA/"


@pytest.fixture()
def server(mirror: Path):
    with NemwebServer(mirror) as srv:
        yield srv


def _client(base: str, **kw: object) -> NemwebClient:
    return NemwebClient(NemwebSettings(base_url=base, backoff_s=0.01, timeout_s=5.0, **kw))  # type: ignore[arg-type]


def test_listing_is_one_request_and_files_download_whole(
    server: NemwebServer, mirror: Path, tmp_path: Path
) -> None:
    client = _client(server.url)
    entries = client.list_folder(FOLDER)
    assert server.count("/Dispatch_SCADA/") == 1
    entry = next(e for e in entries if e.name == SCADA)
    dest = client.download(entry, tmp_path / "dl" / SCADA)
    assert dest.read_bytes() == (mirror / FOLDER / SCADA).read_bytes()
    assert list((tmp_path / "dl").iterdir()) == [dest]  # no temp file left behind


def test_user_agent_names_the_project(server: NemwebServer) -> None:
    _client(server.url).list_folder(FOLDER)
    assert server.user_agents[-1].startswith("aemo-wh/")


def test_500_then_200_is_retried(server: NemwebServer, tmp_path: Path) -> None:
    client = _client(server.url)
    entry = next(e for e in client.list_folder(FOLDER) if e.name == SCADA)
    server.add_fault(SCADA, status=500, times=2)
    client.download(entry, tmp_path / SCADA)
    assert server.count(SCADA) == 3


def test_persistent_500_gives_up_after_the_configured_retries(server: NemwebServer, tmp_path: Path) -> None:
    client = _client(server.url, retries=2)
    server.add_fault(SCADA, status=503, times=-1)
    with pytest.raises(NemwebFetchError, match="HTTP 503"):
        client.download(f"{server.url}/{FOLDER}{SCADA}", tmp_path / SCADA)
    assert server.count(SCADA) == 3
    assert not (tmp_path / SCADA).exists()


def test_404_is_not_retried(server: NemwebServer, tmp_path: Path) -> None:
    client = _client(server.url)
    with pytest.raises(FileGone):
        client.download(
            f"{server.url}/{FOLDER}PUBLIC_DISPATCHSCADA_209901010005_0000000000000001.zip", tmp_path / "x"
        )
    assert server.count("2099") == 1


def test_timeout_is_retried(server: NemwebServer, tmp_path: Path) -> None:
    client = _client(server.url)
    client.settings = NemwebSettings(base_url=server.url, backoff_s=0.01, timeout_s=0.3)
    server.add_fault(SCADA, status=200, times=1, delay_s=1.0)
    t0 = time.monotonic()
    client.download(f"{server.url}/{FOLDER}{SCADA}", tmp_path / SCADA)
    assert server.count(SCADA) == 2
    assert time.monotonic() - t0 < 5


def test_connection_refused_raises_fetch_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = _client(f"http://127.0.0.1:{port}", retries=1)
    with pytest.raises(NemwebFetchError, match="ConnectionError after 2 attempts"):
        client.list_folder(FOLDER)


def test_size_cap(server: NemwebServer, tmp_path: Path) -> None:
    client = _client(server.url, max_download_mb=0.001)  # ~1 KB; the file is ~18 KB
    with pytest.raises(DownloadTooLarge):
        client.download(f"{server.url}/{FOLDER}{SCADA}", tmp_path / SCADA)
    assert not (tmp_path / SCADA).exists()


def test_body_shorter_than_the_listing_is_a_failed_download(server: NemwebServer, tmp_path: Path) -> None:
    client = _client(server.url)
    entry = next(e for e in client.list_folder(FOLDER) if e.name == SCADA)
    server.add_fault(SCADA, status=200, times=-1, truncate_to=100)
    with pytest.raises(NemwebFetchError, match="listing says"):
        client.download(entry, tmp_path / SCADA)
    assert not (tmp_path / SCADA).exists()


def test_hash_names_fall_back_to_double_encoding(tmp_path: Path) -> None:
    """NEMWeb stores MMSDM `#` names with a literal %23 on disk (nemweb_format.md §4)."""
    root = tmp_path / "site"
    folder = root / "Data_Archive"
    folder.mkdir(parents=True)
    (folder / "PUBLIC_ARCHIVE%23DAYTRACK%23FILE01%23202409010000.zip").write_bytes(b"PK-bytes")
    with NemwebServer(root) as srv:
        srv.fault_hook = lambda path: Fault("#", status=400) if "#" in path else None
        href = "/Data_Archive/PUBLIC_ARCHIVE%23DAYTRACK%23FILE01%23202409010000.zip"
        entry = ListingEntry(
            "PUBLIC_ARCHIVE#DAYTRACK#FILE01#202409010000.zip", href, srv.url + href, 8, None, False
        )  # type: ignore[arg-type]
        out = _client(srv.url).download(entry, tmp_path / "out.zip")
        assert out.read_bytes() == b"PK-bytes"
        assert srv.requests[-1] == "/Data_Archive/PUBLIC_ARCHIVE%23DAYTRACK%23FILE01%23202409010000.zip"


def test_local_folder_base_lists_case_insensitively_and_copies(mirror: Path, tmp_path: Path) -> None:
    client = _client(str(mirror))
    entries = client.list_folder("reports/CURRENT/dispatch_scada")
    entry = next(e for e in entries if e.name == SCADA)
    out = client.download(entry, tmp_path / SCADA)
    assert out.read_bytes() == (mirror / FOLDER / SCADA).read_bytes()
    assert (mirror / FOLDER / SCADA).exists()  # the mirror is never moved
    with pytest.raises(FileGone):
        client.list_folder("Reports/Current/Nope")
