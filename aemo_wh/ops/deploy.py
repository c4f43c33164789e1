"""Fill the deploy templates (`deploy/*.in`) with this install's location.

    python3 -m aemo_wh.ops.deploy [--root DIR] [--out DIR]      (what `make deploy-files` runs)

Placeholders: @ROOT@ (the project folder, default: the parent of this file), @USER@ (the owner
of that folder, for systemd's User=), @BINPATH@ (the folder holding `uv`, for cron's PATH).
Output: deploy/rendered/<name without .in>. Standard library only, so it runs before `uv sync`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"  # the templates


def _owner(path: Path) -> str:
    try:
        import pwd

        return pwd.getpwuid(path.stat().st_uid).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER", "root")


def placeholders(root: Path) -> dict[str, str]:
    """The values put into the templates for an install at `root`."""
    uv = shutil.which("uv")
    binpath = str(Path(uv).parent) if uv else str(Path(sys.executable).parent)
    return {"@ROOT@": str(root), "@USER@": _owner(root), "@BINPATH@": binpath}


def render(root: Path, out: Path, templates: Path = DEPLOY_DIR) -> list[Path]:
    """Render every `*.in` template under `templates` into `out`; returns the files written."""
    values = placeholders(root)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for tpl in sorted(templates.glob("*.in")):
        text = tpl.read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        target = out / tpl.name.removesuffix(".in")
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--root", type=Path, default=DEPLOY_DIR.parent, help="install location (default: this checkout)"
    )
    ap.add_argument("--out", type=Path, default=DEPLOY_DIR / "rendered", help="output folder")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    for path in render(root, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
