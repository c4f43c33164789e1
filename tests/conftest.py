"""Fixtures every test gets: no developer config, .env or SMTP secrets leak into a test."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"


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
