"""What the typed contracts (issue 12) cost and what they refuse, on real files and a zip bomb.

Rows of the table:
* parse of every real sample in tests/data/core: name-typed (the old reader, every table parsed)
  against contract-typed (ingest's reader: landed tables only, exact types), best of 5;
* a day of DispatchIS (288 copies of the real 2025-12-27 file, retimed, in one Archive-style zip
  of zips), both ways;
* zip bombs: 1 GiB of NUL; a real CSV head then 2 GiB of NUL; a real CSV head then 2 GiB of valid-
  looking D rows with a 1 GiB cap: time to refusal and the child's peak RSS (target: seconds, < 300 MB).

    uv run --frozen python bench/bench_contracts.py
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aemo_wh.ingest.run import parse_types  # noqa: E402
from aemo_wh.nemweb.mms_csv import read_file  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "core"
DISPATCHIS = SAMPLES / "dispatchis" / "sample_dispatchis.csv"
SCADA = SAMPLES / "dispatch_scada" / "sample_dispatchscada.csv"

CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from aemo_wh.errors import BadSourceFile
from aemo_wh.ingest.run import parse_types
from aemo_wh.nemweb.mms_csv import read_file
from aemo_wh.nemweb.mms_stream import iter_table_chunks, verify_footer
t0 = time.perf_counter()
try:
    if {stream}:
        verify_footer({path!r}, max_uncompressed={cap})
        list(iter_table_chunks({path!r}, types=parse_types(), max_uncompressed={cap}))
    else:
        read_file({path!r}, types=parse_types(), max_uncompressed={cap})
    verdict = "ACCEPTED"
except BadSourceFile as exc:
    verdict = exc.msg.split(": ", 1)[1][:60]
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))  # reset by exec
print(f"{{time.perf_counter() - t0:.2f}}|{{hwm / 1024:.0f}}|{{verdict}}")
"""


def best(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def day_bundle(tmp: Path) -> Path:
    """288 retimed copies of the real DispatchIS file, zipped each, in one zip (AEMO's Archive shape)."""
    text = DISPATCHIS.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as outer:
        for i in range(288):
            hh, mm = divmod(5 * i, 60)
            stamp = f"2025/12/27 {hh:02d}:{mm:02d}:00".encode()
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(f"PUBLIC_DISPATCHIS_20251227{hh:02d}{mm:02d}_{i:016d}.CSV",
                           text.replace(b"2025/12/27 00:05:00", stamp))  # fmt: skip
            outer.writestr(f"PUBLIC_DISPATCHIS_20251227{hh:02d}{mm:02d}_{i:016d}.zip", inner.getvalue())
    path = tmp / "PUBLIC_DISPATCHIS_20251227.zip"
    path.write_bytes(out.getvalue())
    return path


def bomb(tmp: Path, name: str, head: bytes, mib: int, line: bytes = b"") -> Path:
    path = tmp / name
    block = (line * ((1 << 20) // len(line) + 1))[: 1 << 20] if line else b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(name.replace(".zip", ".CSV"), "w", force_zip64=True) as fh:
        fh.write(head)
        for _ in range(mib):
            fh.write(block)
    return path


def refusal(path: Path, cap: int, stream: bool) -> list[str]:
    code = CHILD.format(root=str(ROOT), path=str(path), cap=cap, stream=stream)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.strip().split("|")


def main() -> int:
    types = parse_types()
    samples = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix.lower() in (".zip", ".csv"))
    parseable = []
    for p in samples:
        try:
            read_file(p)
            parseable.append(p)
        except Exception:  # noqa: BLE001 - the listings and reference workbooks are not C/I/D files
            continue
    rows = []
    old = best(lambda: [read_file(p) for p in parseable])
    new = best(lambda: [read_file(p, types=types) for p in parseable])
    rows.append((f"parse {len(parseable)} real samples", f"{old * 1000:.0f} ms", f"{new * 1000:.0f} ms"))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bundle = day_bundle(tmp)
        old = best(lambda: read_file(bundle), 3)
        new = best(lambda: read_file(bundle, types=types), 3)
        rows.append(("parse a DispatchIS day (288 CSVs)", f"{old * 1000:.0f} ms", f"{new * 1000:.0f} ms"))
        print(f"{'input':<40}{'name-typed, all tables':>24}{'contract-typed':>18}")
        for r in rows:
            print(f"{r[0]:<40}{r[1]:>24}{r[2]:>18}")
        print()
        scada = SCADA.read_bytes()
        head = scada[: scada.index(b"\nD,") + 1]
        cases = [
            ("1 GiB of NUL (in-memory reader)", bomb(tmp, "PUBLIC_DISPATCHSCADA_202512270010_1.zip", b"", 1024), 8 << 30, False),
            ("1 GiB of NUL (streaming reader)", tmp / "PUBLIC_DISPATCHSCADA_202512270010_1.zip", 8 << 30, True),
            ("C header + 2 GiB NUL (in-memory)", bomb(tmp, "PUBLIC_DISPATCHSCADA_202512270010_2.zip", head, 2048), 8 << 30, False),
            ("C header + 2 GiB NUL (streaming)", tmp / "PUBLIC_DISPATCHSCADA_202512270010_2.zip", 8 << 30, True),
            ("C header + 2 GiB of D rows, cap 1 GiB (streaming)",
             bomb(tmp, "PUBLIC_DISPATCHSCADA_202512270010_3.zip", head, 2048,
                  b'D,DISPATCH,UNIT_SCADA,1,"2025/12/27 00:05:00",BARCSF1,0.20,"2025/12/27 00:00:10"\r\n'),
             1 << 30, True),
        ]  # fmt: skip
        print(f"{'zip bomb':<46}{'refused in':>11}{'peak RSS':>10}  reason")
        for label, path, cap, stream in cases:
            secs, rss, why = refusal(path, cap, stream)
            print(f"{label:<46}{secs + ' s':>11}{rss + ' MB':>10}  {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
