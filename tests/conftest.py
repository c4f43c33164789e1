"""Fixtures every test gets: no developer config, .env or SMTP secrets leak into a test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download does not work offline
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(autouse=True)
def no_machine_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point config at an absent file and a fresh root so nothing of the developer's is read."""
    monkeypatch.setenv("AEMO_WH_CONFIG", str(tmp_path / "absent.toml"))
    for var in ("AEMO_WH_EMAIL_SMTP_PASSWORD", "AEMO_WH_EMAIL_SMTP_HOST", "AEMO_WH_NEMWEB_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture()
def settings(tmp_path: Path):
    """Settings whose warehouse and logs live in this test's tmp folder."""
    from aemo_wh.config import load_settings

    s = load_settings(config_file=tmp_path / "absent.toml")
    return s.with_overrides(paths={"warehouse": tmp_path / "warehouse", "logs": tmp_path / "logs"})


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session.

    Playwright's sync API runs an event loop on the main thread while it is open, so a second
    `sync_playwright()` in the same session fails; every browser test shares this one.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make browser` (Debian's chromium package)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
