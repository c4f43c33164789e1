"""Wrong settings and unusable paths end with one clear message, never a traceback (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aemo_wh.config import load_settings
from aemo_wh.errors import ConfigError


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AEMO_WH_")}
    base.update(AEMO_WH_ROOT=str(tmp_path), AEMO_WH_CONFIG=str(tmp_path / "aemo_wh.toml"),
                AEMO_WH_PATHS_WAREHOUSE=str(tmp_path / "warehouse"), AEMO_WH_PATHS_LOGS=str(tmp_path / "logs"))  # fmt: skip
    base.update(env)
    return subprocess.run([sys.executable, "-m", "aemo_wh.cli", *args], env=base, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)  # fmt: skip


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[email]\nsmtp_port = "abc"\n', "[email] smtp_port must be an integer, got 'abc'"),
        ("[email]\nsmtp_port = true\n", "[email] smtp_port must be an integer, got True"),
        ('[alerts]\nfreshness_minutes = "soon"\n', "[alerts] freshness_minutes must be"),
        ("[email]\nrecipients = \"a@b.c\"\n", "[email] recipients must be a list of strings"),
        ("[dashboard]\nallow_anonymous = \"yes\"\n", "[dashboard] allow_anonymous must be true or false"),
    ],
)
def test_a_wrong_typed_setting_is_named_with_its_file(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "aemo_wh.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings(config_file=cfg)
    assert message in err.value.msg and str(cfg) in err.value.msg


@pytest.mark.parametrize("command", [["email", "test"], ["health"], ["status"]])
def test_every_command_exits_2_on_a_wrong_typed_setting(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "aemo_wh.toml").write_text('[email]\nsmtp_port = "abc"\n')
    res = _run(command, tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "error: [email] smtp_port must be an integer, got 'abc'" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_wrong_typed_environment_setting_is_named(tmp_path: Path) -> None:
    res = _run(["health"], tmp_path, AEMO_WH_EMAIL_SMTP_PORT="abc")
    assert res.returncode == 2 and "AEMO_WH_EMAIL_SMTP_PORT must be an integer, got 'abc'" in res.stderr


def test_a_logs_folder_that_cannot_be_created_is_named_and_health_still_reports(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = _run(["health"], tmp_path, AEMO_WH_PATHS_LOGS=str(blocker / "logs"))
    assert "Traceback" not in res.stderr
    assert f"cannot write the log file {blocker / 'logs' / 'aemo_wh.log'}" in res.stderr
    assert "UNREADABLE" in res.stdout and res.returncode == 2  # the report itself (no warehouse here)


def test_the_dashboard_refuses_a_public_address_without_a_login(tmp_path: Path) -> None:
    (tmp_path / "warehouse").mkdir()
    res = _run(["dashboard", "--address", "0.0.0.0", "--port", "1"], tmp_path)
    assert res.returncode == 2
    assert "refusing to serve the dashboard on 0.0.0.0 without a login" in res.stderr
    assert "--allow-anonymous" in res.stderr
