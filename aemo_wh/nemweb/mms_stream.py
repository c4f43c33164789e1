"""The streaming reader for large AEMO CSVs: the monthly MMSDM files, hundreds of MB each.

`aemo_wh.nemweb.mms_csv` reads a whole file into memory, which suits the small Current / Archive files.
A month of DISPATCH_UNIT_SCADA is ~400 MB of CSV, so backfill reads it here instead: the bytes are
cut at line ends into pieces of `chunk_bytes`, each piece is checked and parsed on its own, and
memory stays bounded by one piece plus its parsed table. The checks are those of `mms_csv` (C
header, I/D rows, row widths, footer count) and use its row helpers, so both readers accept and
reject the same files with the same messages; only the buffering differs.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from aemo_wh.errors import BadSourceFile
from aemo_wh.nemweb.mms_csv import (
    FOOTER_RE,
    TableKey,
    check_block,
    check_c_row,
    check_footer,
    d_prefix,
    line_at,
    parse_d_rows,
    parse_i_row,
    reject_non_csv,
    row_marks,
)


def iter_table_chunks(
    source: str | Path | BinaryIO, chunk_bytes: int = 16 * 1024**2, name: str | None = None
) -> Iterator[tuple[TableKey, pa.Table]]:
    """Stream (table key, Arrow chunk) pairs from a large CSV (or a zip holding one CSV).

    Memory stays bounded by `chunk_bytes` (plus one parsed chunk): the monthly MMSDM files are
    hundreds of MB. Each chunk is cut at a line end; the same checks as `parse_csv` apply,
    including the footer count at the end. Chunks of one table may differ in inferred type only
    where a column is entirely empty in a chunk; callers should use `mms_csv.conform()` when
    concatenating.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        with path.open("rb") as raw:
            if raw.read(4).startswith(b"PK"):
                raw.seek(0)
                yield from _iter_zip_chunks(raw, chunk_bytes, name)
            else:
                raw.seek(0)
                yield from _iter_stream_chunks(raw, chunk_bytes, name)
    else:
        yield from _iter_stream_chunks(source, chunk_bytes, name or "<stream>")


def verify_footer(source: str | Path, name: str | None = None) -> int:
    """Stream a large CSV (or single-CSV zip) once, counting lines, and check its END OF REPORT
    footer; returns the line count. Used before publishing a file chunk by chunk, so a truncated
    monthly file is rejected before any of it lands (~0.3 s per 400 MB)."""
    path = Path(source)
    name = name or path.name
    with path.open("rb") as raw:
        is_zip = raw.read(4).startswith(b"PK")
    if is_zip:
        try:
            with zipfile.ZipFile(path) as zf:
                member = next((i for i in zf.infolist() if i.filename.lower().endswith(".csv")), None)
                if member is None:
                    raise BadSourceFile(f"{name}: zip holds no CSV file")
                with zf.open(member) as fh:
                    return _count_and_check(fh, name)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise BadSourceFile(f"{name}: truncated or corrupt zip ({exc})") from exc
    with path.open("rb") as fh:
        return _count_and_check(fh, name)


def _count_and_check(fh: BinaryIO, name: str) -> int:
    lines = 0
    tail = b""
    last = b""
    while block := fh.read(1 << 22):
        lines += block.count(b"\n")
        last = block
        tail = (tail + block)[-256:]
    if last and not last.endswith(b"\n"):
        lines += 1
    footer_line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].rstrip(b"\r")
    m = FOOTER_RE.match(footer_line)
    if m:
        check_footer(int(m.group(1)), lines, name)
    return lines


def _iter_zip_chunks(raw: BinaryIO, chunk_bytes: int, name: str) -> Iterator[tuple[TableKey, pa.Table]]:
    try:
        zf = zipfile.ZipFile(raw)
    except zipfile.BadZipFile as exc:
        raise BadSourceFile(f"{name}: truncated or corrupt zip ({exc})") from exc
    with zf:
        members = [i for i in zf.infolist() if i.filename.lower().endswith(".csv")]
        if not members:
            raise BadSourceFile(f"{name}: zip holds no CSV file (streaming reads one CSV per zip)")
        for info in members:
            try:
                with zf.open(info) as fh:
                    yield from _iter_stream_chunks(fh, chunk_bytes, f"{name}/{info.filename}")
            except (zipfile.BadZipFile, EOFError) as exc:
                raise BadSourceFile(f"{name}: corrupt zip member {info.filename} ({exc})") from exc


def _iter_stream_chunks(fh: BinaryIO, chunk_bytes: int, name: str) -> Iterator[tuple[TableKey, pa.Table]]:
    """Cut the stream at line ends and parse each piece; the current table carries over.

    Each piece is parsed in place (offsets into the bytes read, no joined copy); only the line
    split across two reads is copied."""
    state = _Stream(name)
    carry = b""
    while piece := fh.read(chunk_bytes):
        last_nl = piece.rfind(b"\n")
        if last_nl < 0:
            carry += piece
            continue
        start = 0
        if carry:
            first_nl = piece.find(b"\n")
            head = carry + piece[: first_nl + 1]
            yield from state.feed(head, 0, len(head))
            start = first_nl + 1
        yield from state.feed(piece, start, last_nl + 1)
        carry = piece[last_nl + 1 :]
        del piece
    if carry:
        yield from state.feed(carry, 0, len(carry))
    state.finish()


class _Stream:
    """Parser state across pieces of one streamed CSV."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.current: tuple[TableKey, list[str]] | None = None
        self.lines = 0
        self.footer: int | None = None
        self.first = True

    def feed(self, data: bytes, start: int, end: int) -> Iterator[tuple[TableKey, pa.Table]]:
        """Parse the complete lines data[start:end]."""
        if start >= end:
            return
        name = self.name
        if self.first:
            if not data[start : start + 4096].strip():
                raise BadSourceFile(f"{name}: empty file")
            reject_non_csv(data[start : start + 512], name)
            if not data.startswith(b"C,", start):
                raise BadSourceFile(f"{name}: does not start with an AEMO 'C' header row")
        elif self.current is not None:
            fast = self._continue_table(data, start, end)
            if fast is not None:
                if fast.num_rows:
                    yield self.current[0], fast
                return
        yield from self._general(data, start, end)
        self.first = False

    def _continue_table(self, data: bytes, start: int, end: int) -> pa.Table | None:
        """The common case: every line continues the current table. One byte count plus the
        pyarrow parse prove it (rows parsed == lines with the table's D prefix); None otherwise."""
        assert self.current is not None
        key, columns = self.current
        prefix = d_prefix(key)
        if not data.startswith(prefix, start):
            return None
        n_prefixed = data.count(b"\n" + prefix, start, end) + 1
        try:
            table = parse_d_rows(memoryview(data)[start:end], columns, name=self.name, key=key)
        except BadSourceFile:
            return None  # e.g. the footer or another table's rows: the general path decides
        if table.num_rows != n_prefixed:
            return None
        self.lines += n_prefixed
        return table

    def _general(self, data: bytes, start: int, end: int) -> Iterator[tuple[TableKey, pa.Table]]:
        name = self.name
        self.lines += data.count(b"\n", start, end) + (0 if data[end - 1 : end] == b"\n" else 1)
        marks = row_marks(data, start, end)
        bounds = [start, *marks, end] if not marks or marks[0] != start else [*marks, end]
        for i, pos in enumerate(bounds[:-1]):
            stop = bounds[i + 1]
            body_start = pos
            if pos in marks:
                row = line_at(data, pos)
                body_start = pos + len(row) + 1
                if data.startswith(b"C,", pos):
                    self.footer = check_c_row(row, data, body_start, stop, name, header=self.first and pos == start)
                    self.current = None
                    continue
                self.current = parse_i_row(row, name)
            if body_start >= stop:
                continue
            if self.current is None:
                raise BadSourceFile(f"{name}: D rows before any I row")
            key, columns = self.current
            table = _parse_block(data, body_start, stop, key, columns, name)
            if table.num_rows:
                yield key, table

    def finish(self) -> None:
        if self.first:
            raise BadSourceFile(f"{self.name}: empty file")
        if self.footer is not None:
            check_footer(self.footer, self.lines, self.name)


def _parse_block(data: bytes, start: int, end: int, key: TableKey, columns: list[str], name: str) -> pa.Table:
    """Parse data[start:end] (D rows of one table) with pyarrow."""
    check_block(data, start, end, key, name)
    return parse_d_rows(memoryview(data)[start:end], columns, name=name, key=key)
