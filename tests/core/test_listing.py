"""Directory listings of the three real NEMWeb eras, and the loopback server's own pages."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from aemo_wh.nemweb.listing import file_entries, parse_listing
from aemo_wh.nemweb.server import render_listing

from .conftest import CORE

LISTINGS = CORE / "dirlisting"
LOOPBACK = "http://127.0.0.1:8123/Reports/Current/X/"


def _page(name: str) -> str:
    return (LISTINGS / name).read_text(encoding="utf-8")


def test_2012_era_upper_case_zip_and_zero_padded_day() -> None:
    entries = parse_listing(_page("testPage.htm"), LOOPBACK)
    assert len(entries) == 803  # every <A HREF> but the parent link
    first = entries[0]
    assert first.name == "PUBLIC_DISPATCHIS_201209010000_0000000238785239.ZIP"
    assert first.size == 11512
    assert first.modified == dt.datetime(2012, 8, 31, 23, 56)  # "Friday, August 31, 2012 11:56 PM"
    assert entries[1].modified == dt.datetime(2012, 9, 1, 0, 0)  # "September 01, 2012 12:00 AM"
    assert first.url == "http://127.0.0.1:8123/REPORTS/CURRENT/DispatchIS_Reports/" + first.name
    assert not any(e.is_dir for e in entries)


def test_2021_era_space_padded_hour_and_dir_entry() -> None:
    entries = parse_listing(_page("nemweb_dispatch_scada_dirlisting.html"), LOOPBACK)
    assert len(entries) == 579
    dup = entries[0]
    assert dup.is_dir and dup.name == "DUPLICATE" and dup.size is None
    assert dup.href == "/Reports/CURRENT/Dispatch_SCADA/DUPLICATE/"
    one = next(e for e in entries if e.name == "PUBLIC_DISPATCHSCADA_202108311305_0000000348261057.zip")
    assert one.modified == dt.datetime(2021, 8, 31, 13, 0)  # " 1:00 PM", market time
    assert one.size == 3073
    files = file_entries(
        _page("nemweb_dispatch_scada_dirlisting.html"), LOOPBACK, r"PUBLIC_DISPATCHSCADA_\d{12}_\d{16}\.zip"
    )
    assert len(files) == 578
    assert [f.name for f in files] == sorted(f.name for f in files)


def test_2021_browser_saved_copy_with_lower_case_tags_and_absolute_hrefs() -> None:
    entries = parse_listing(_page("nemweb_dirlisting.html"), LOOPBACK)
    assert len(entries) == 578
    assert entries[1].url.startswith(
        "http://nemweb.com.au/Reports/Current/DispatchIS_Reports/PUBLIC_DISPATCHIS_"
    )


def test_2026_era_zero_padded_hour_dir_without_slash() -> None:
    entries = parse_listing(_page("listing_reports_current_unquoted.html"), LOOPBACK)
    assert entries[0].is_dir and entries[0].href == "/Reports/CURRENT/TradingIS_Reports/DUPLICATE"
    assert entries[0].modified == dt.datetime(2026, 4, 27, 17, 47)  # "05:47 PM"
    assert entries[1].name == "PUBLIC_TRADINGIS_202606272235_0000000524610383.zip"
    assert entries[1].size == 706
    assert entries[1].modified == dt.datetime(2026, 6, 27, 22, 33)


def test_2026_archive_hash_names_keep_percent_23_in_href() -> None:
    entries = parse_listing(_page("listing_data_archive_quoted.html"), LOOPBACK)
    first = entries[0]
    assert first.name == "PUBLIC_ARCHIVE#ADG_DETAIL#FILE01#202605010000.zip"
    assert first.href.endswith("/PUBLIC_ARCHIVE%23ADG_DETAIL%23FILE01%23202605010000.zip")
    assert "%23" in first.url and "#" not in first.url  # a '#' would start a URL fragment
    assert max(e.size for e in entries) == 2242866


def test_parent_link_is_not_an_entry() -> None:
    for name in os.listdir(LISTINGS):
        if name.endswith((".htm", ".html")):
            assert all("Parent" not in e.name for e in parse_listing(_page(name), LOOPBACK))


def test_server_pages_parse_back_to_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "Reports" / "Current" / "Dispatch_SCADA"
    (folder / "DUPLICATE").mkdir(parents=True)
    files = {
        "PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip": 3040,
        "PUBLIC_ARCHIVE#X#FILE01#1.zip": 7,
    }
    stamp = dt.datetime(2025, 12, 27, 0, 0, 23, tzinfo=dt.timezone(dt.timedelta(hours=10))).timestamp()
    for name, size in files.items():
        (folder / name).write_bytes(b"x" * size)
        os.utime(folder / name, (stamp, stamp))
    page = render_listing("/Reports/CURRENT/Dispatch_SCADA/", folder)
    entries = parse_listing(page, "http://127.0.0.1:1/Reports/CURRENT/Dispatch_SCADA/")
    assert {e.name: e.size for e in entries if not e.is_dir} == files
    assert [e.name for e in entries if e.is_dir] == ["DUPLICATE"]
    scada = next(e for e in entries if e.name.startswith("PUBLIC_DISPATCHSCADA"))
    assert scada.modified == dt.datetime(2025, 12, 27, 0, 0)  # NEM time, whatever the host TZ
    hashed = next(e for e in entries if e.name.startswith("PUBLIC_ARCHIVE"))
    assert hashed.href.endswith("PUBLIC_ARCHIVE%23X%23FILE01%231.zip")


@pytest.mark.parametrize(
    "name", ["listing_reports_current_unquoted.html", "nemweb_dispatch_scada_dirlisting.html"]
)
def test_server_page_has_the_real_entry_layout(name: str, tmp_path: Path) -> None:
    """Date right-aligned in 38 characters, size in 13, then one space and the link."""
    real = _page(name)
    (tmp_path / "a.zip").write_bytes(b"x" * 706)
    ours = render_listing("/Reports/CURRENT/TradingIS_Reports/", tmp_path)
    import re

    grammar = re.compile(r"(?:<br>|\n)([ \w,:]{38})([ \d]{13}) <A HREF=", re.IGNORECASE)
    assert grammar.search(real) and grammar.search(ours)
