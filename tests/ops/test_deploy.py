"""deploy/: templates rendered from the install location, never from a user's home."""

from __future__ import annotations

import plistlib
import re
import subprocess
import sys
from pathlib import Path

from aemo_wh.ops import deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_templates_hold_no_home_or_user_paths():
    for tpl in DEPLOY.glob("*.in"):
        text = tpl.read_text()
        assert not re.search(r"/home/|/Users/|~/(?!Library/LaunchAgents)|\$HOME", text.split("-->")[-1]), (
            tpl.name
        )
        assert "@ROOT@" in text, tpl.name


def test_render_fills_every_placeholder_with_the_install_location(tmp_path):
    root = tmp_path / "opt" / "aemo-wh"
    root.mkdir(parents=True)
    out = tmp_path / "rendered"
    written = deploy.render(root, out)
    names = {p.name for p in written}
    assert names == {
        "crontab", "aemo-wh.service", "aemo-wh-dashboard.service",
        "au.aemo-wh.run.plist", "au.aemo-wh.dashboard.plist",
    }  # fmt: skip
    for p in written:
        text = p.read_text()
        assert not re.search(r"@[A-Z]+@", text), p.name
        assert str(root) in text
    unit = (out / "aemo-wh.service").read_text()
    assert f"ExecStart={root}/.venv/bin/aemo-wh run" in unit
    assert f"WorkingDirectory={root}" in unit
    cron = (out / "crontab").read_text().splitlines()
    job = [line for line in cron if line and not line.startswith(("#", "PATH="))]
    assert job == [
        f"1-56/5 * * * * cd {root} && make --no-print-directory ingest >/dev/null 2>>{root}/logs/cron.err"
    ]
    plist = plistlib.loads((out / "au.aemo-wh.run.plist").read_bytes())
    assert plist["ProgramArguments"] == [f"{root}/.venv/bin/aemo-wh", "run"]
    assert plist["WorkingDirectory"] == str(root)
    dash = plistlib.loads((out / "au.aemo-wh.dashboard.plist").read_bytes())
    assert dash["ProgramArguments"][-1] == "dashboard"


def test_renders_with_the_standard_library_only_before_uv_sync(tmp_path):
    """`make deploy-files` runs `python3 -m aemo_wh.ops.deploy` with no project dependencies installed."""
    code = (
        "import sys, runpy; sys.modules['duckdb'] = sys.modules['pyarrow'] = None; "
        "sys.argv = ['deploy', '--root', sys.argv[1], '--out', sys.argv[2]]; "
        "runpy.run_module('aemo_wh.ops.deploy', run_name='__main__')"
    )
    out = tmp_path / "rendered"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code, str(tmp_path), str(out)],
        cwd=DEPLOY.parent, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "crontab").is_file()
