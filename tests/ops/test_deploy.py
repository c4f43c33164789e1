"""deploy/: templates rendered from the install location, never from a user's home."""

from __future__ import annotations

import importlib.util
import plistlib
import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _render_module():
    spec = importlib.util.spec_from_file_location("deploy_render", DEPLOY / "render.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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
    written = _render_module().render(root, out)
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
