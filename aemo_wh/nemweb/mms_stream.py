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
    BOM,
    FOOTER_RE,
    MAX_UNCOMPRESSED,
    NO_FOOTER,
    TableKey,
    Types,
    check_block,
    check_c_row,
    check_footer,
    check_head,
    check_no_nul,
    d_prefix,
    line_at,
    parse_d_rows,
    parse_i_row,
    reject_non_csv,
    row_marks,
)


def iter_table_chunks(
    source: str | Path | BinaryIO,
    chunk_bytes: int = 16 * 1024**2,
    name: str | None = None,
    types: Types | None = None,
    max_uncompressed: int = MAX_UNCOMPRESSED,
) -> Iterator[tuple[TableKey, pa.Table]]:
    """Stream (table key, Arrow chunk) pairs from a large CSV (or a zip holding one CSV).

    Memory stays bounded by `chunk_bytes` (plus one parsed chunk): the monthly MMSDM files are
    hundreds of MB. Each chunk is cut at a line end; the same checks as `parse_csv` apply,
    including the footer count at the end. With `types` every chunk of a table has the same schema;
    without, chunks may differ in inferred type where a column is entirely empty in a chunk
    (`mms_csv.concat_by_name` combines them). `types` and `max_uncompressed` as in `mms_csv.read_file`; with `types`, tables
    it does not name are checked but not parsed (nor yielded).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        with path.open("rb") as raw:
            if raw.read(4).startswith(b"PK"):
                raw.seek(0)
                yield from _iter_zip_chunks(raw, chunk_bytes, name, types, max_uncompressed)
            else:
                raw.seek(0)
                yield from _iter_stream_chunks(raw, chunk_bytes, _Stream(name, types, max_uncompressed))
    else:
        yield from _iter_stream_chunks(source, chunk_bytes, _Stream(name or "<stream>", types, max_uncompressed))


def verify_footer(source: str | Path, name: str | None = None, max_uncompressed: int = MAX_UNCOMPRESSED) -> int:
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
                    return _count_and_check(fh, name, max_uncompressed)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise BadSourceFile(f"{name}: truncated or corrupt zip ({exc})") from exc
    with path.open("rb") as fh:
        return _count_and_check(fh, name, max_uncompressed)


def _count_and_check(fh: BinaryIO, name: str, max_uncompressed: int) -> int:
    lines = 0
    total = 0
    tail = b""
    last = b""
    while block := fh.read(1 << 22):
        if not total:
            check_head(block, name)  # 1 GiB of NUL bytes is refused at its first block
        check_no_nul(block, name, total)
        total += len(block)
        if total > max_uncompressed:
            raise BadSourceFile(
                f"{name}: expands to more than {max_uncompressed / 1024**2:,.0f} MB "
                "(the nemweb.max_uncompressed_mb cap): a zip bomb, or raise the cap"
            )
        lines += block.count(b"\n")
        last = block
        tail = (tail + block)[-256:]
    if last and not last.endswith(b"\n"):
        lines += 1
    footer_line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].rstrip(b"\r")
    m = FOOTER_RE.match(footer_line)
    if not m:
        raise BadSourceFile(f"{name}: {NO_FOOTER}")
    check_footer(int(m.group(1)), lines, name)
    return lines


def _iter_zip_chunks(
    raw: BinaryIO, chunk_bytes: int, name: str, types: Types | None, max_uncompressed: int
) -> Iterator[tuple[TableKey, pa.Table]]:
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
                    state = _Stream(f"{name}/{info.filename}", types, max_uncompressed)
                    yield from _iter_stream_chunks(fh, chunk_bytes, state)
            except (zipfile.BadZipFile, EOFError) as exc:
                raise BadSourceFile(f"{name}: corrupt zip member {info.filename} ({exc})") from exc


def _iter_stream_chunks(fh: BinaryIO, chunk_bytes: int, state: _Stream) -> Iterator[tuple[TableKey, pa.Table]]:
    """Cut the stream at line ends and parse each piece; the current table carries over.

    Each piece is parsed in place (offsets into the bytes read, no joined copy); only the line
    split across two reads is copied."""
    carry = b""
    total = 0
    while piece := fh.read(chunk_bytes):
        if not total and piece.startswith(BOM):
            piece = piece[len(BOM) :]
        check_no_nul(piece, state.name, total)
        total += len(piece)
        if total > state.max_uncompressed:
            raise BadSourceFile(
                f"{state.name}: expands to more than {state.max_uncompressed / 1024**2:,.0f} MB "
                "(the nemweb.max_uncompressed_mb cap): a zip bomb, or raise the cap"
            )
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

    def __init__(self, name: str, types: Types | None = None, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
        self.name = name
        self.types = types
        self.max_uncompressed = max_uncompressed
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
        if self.skipped(key):
            n_lines = data.count(b"\n", start, end) + (0 if data[end - 1 : end] == b"\n" else 1)
            if n_lines != n_prefixed:
                return None
            self.lines += n_prefixed
            return _NOTHING
        try:
            table = parse_d_rows(memoryview(data)[start:end], columns, name=self.name, key=key,
                                 types=self.types_for(key), first_line=self.lines + 1)  # fmt: skip
        except BadSourceFile:
            return None  # e.g. the footer or another table's rows: the general path decides
        if table.num_rows != n_prefixed:
            return None
        self.lines += n_prefixed
        return table

    def types_for(self, key: TableKey) -> dict | None:
        return None if self.types is None else dict(self.types[(key[0], key[1])])

    def skipped(self, key: TableKey) -> bool:
        """True when `types` is given and does not name the table (checked, not parsed)."""
        return self.types is not None and (key[0], key[1]) not in self.types

    def _general(self, data: bytes, start: int, end: int) -> Iterator[tuple[TableKey, pa.Table]]:
        name = self.name
        lines_before = self.lines
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
            check_block(data, body_start, stop, key, name)
            if self.skipped(key):
                continue
            first_line = lines_before + data.count(b"\n", start, body_start) + 1
            table = parse_d_rows(memoryview(data)[body_start:stop], columns, name=name, key=key,
                                 types=self.types_for(key), first_line=first_line)  # fmt: skip
            if table.num_rows:
                yield key, table

    def finish(self) -> None:
        if self.first:
            raise BadSourceFile(f"{self.name}: empty file")
        if self.footer is None:
            raise BadSourceFile(f"{self.name}: {NO_FOOTER}")
        check_footer(self.footer, self.lines, self.name)


_NOTHING = pa.table({})  # a piece of a table that is checked but not parsed
