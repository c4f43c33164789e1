"""The AEMO MMS "C/I/D" CSV reader: zip, zip-of-zips, `.ZIP`, CSV (CRLF or LF).

A file is a `C` header row, then tables (an `I` row naming report, sub-type, version and the
columns, followed by its `D` rows), then an optional `C,"END OF REPORT",N` footer where N counts
every line of the file. See ../shared/docs/nemweb_format.md.

How it parses (measured fastest in ../shared/docs/duckdb_warehouse.md §2.3, "hybrid"): the bytes
are split at the `I`/`C` rows with a C-speed regex (no per-line Python), each table block is
checked to hold only `D` rows of its own key (a byte count, also C speed), and pyarrow.csv parses
the block with the I-row column names. A D row whose width differs from its I row is an error.

Types: columns are matched by name and lower-cased. With `types` (what ingest passes: the
warehouse contract, `aemo_wh.warehouse.tables`), each landed table is parsed with exactly those
types and nothing is inferred: a value that does not fit raises BadSourceFile naming the table,
column, line of the CSV (zip member) and value; a column the types do not name is read as text;
blank fields are null. Tables `types` does not name are checked for structure but not parsed.
Without `types` (tools, tests) types follow the names: timestamps `"YYYY/MM/DD HH:MM:SS"` become
naive `timestamp[us]` (NEM time); numbers `float64`; identifiers (names ending in `ID`, plus
`ID_COLUMNS`) stay strings. The first four fields (row type, report, sub-type, version) are
dropped by position, never by name. A UTF-8 byte-order mark before the first row is skipped; a
CSV without its END OF REPORT footer is refused (a download cut at a line end looks just so).

This module reads a whole file into memory (every Current / Archive file, and the tests). The
chunked reader for the monthly MMSDM files (`iter_table_chunks`, `verify_footer`) lives in
`aemo_wh.nemweb.mms_stream`, on top of the row helpers here.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from aemo_wh.errors import BadSourceFile

TableKey = tuple[str, str, str]  # (report, sub-type, version) as in the I row
# (report, sub-type) -> column -> Arrow type: the tables to parse and how (the warehouse contract)
Types = Mapping[tuple[str, str], Mapping[str, pa.DataType]]
BOM = b"\xef\xbb\xbf"

TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
TIMESTAMP_TYPE = pa.timestamp("us")
# Columns that are identifiers or codes although their values may look numeric.
ID_COLUMNS = frozenset(
    {"TYPE", "DISPATCHINTERVAL", "PRICE_STATUS", "CASESUBTYPE", "SOLUTIONSTATUS", "SPDVERSION", "QI_TEXT"}
)
# Columns always parsed as timestamps (the time keys of the landed tables and LASTCHANGED).
TIMESTAMP_COLUMNS = frozenset({"SETTLEMENTDATE", "INTERVAL_DATETIME", "LASTCHANGED", "RUN_DATETIME"})
_TS_AS_DICT = pa.dictionary(pa.int32(), pa.string())  # read, then parsed per distinct value
MAX_ZIP_DEPTH = 2  # AEMO never nests deeper than a zip of zips
MAX_UNCOMPRESSED = 8 * 1024**3  # zip-bomb guard for one source file (nemweb.max_uncompressed_mb sets it)
READ_BLOCK = 1 << 20  # zip members are read this much at a time, counting against the size cap

FOOTER_RE = re.compile(rb'^C,"?END OF REPORT"?,(\d+)\s*$')
NO_FOOTER = "no END OF REPORT footer: the file may be truncated"


@dataclass(frozen=True)
class FileHeader:
    """The first `C` row: `C,<system>,<report id>,<publisher>,<visibility>,<date>,<time>,<id>,...`."""

    system: str
    report_id: str
    publisher: str  # "AEMO" for real files; the demo simulator writes "AEMO_WH_DEMO"
    visibility: str
    created: dt.datetime | None
    file_id: str
    name: str  # the file (or zip member) name the header was read from

    @classmethod
    def from_row(cls, row: bytes, name: str) -> FileHeader:
        fields = [f.strip().strip('"') for f in row.decode("ascii", "replace").split(",")]
        fields += [""] * (10 - len(fields))
        created = None
        with contextlib.suppress(ValueError):
            created = dt.datetime.strptime(f"{fields[5]} {fields[6]}", TIMESTAMP_FORMAT)
        return cls(fields[1], fields[2], fields[3], fields[4], created, fields[7], name)


@dataclass
class ParsedFile:
    """Every table of one source file (all members of a zip-of-zips combined)."""

    header: FileHeader
    tables: dict[TableKey, pa.Table] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)  # the CSVs read, in order
    lines: int = 0  # physical lines read over all CSVs
    footer_checked: int = 0  # CSVs whose END OF REPORT count was verified
    seen: list[TableKey] = field(default_factory=list)  # every table's I-row key, parsed or not

    def table(self, report: str, subtype: str) -> pa.Table | None:
        """All versions of (report, sub-type) combined by column name, or None when absent."""
        parts = [t for (r, s, _v), t in self.tables.items() if (r, s) == (report, subtype)]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else concat_by_name(parts)

    def rows(self) -> dict[str, int]:
        return {",".join(k): t.num_rows for k, t in self.tables.items()}


# ---------------------------------------------------------------------------------------------
# Public API


def read_file(
    source: str | Path | bytes, name: str | None = None, types: Types | None = None,
    max_uncompressed: int = MAX_UNCOMPRESSED,
) -> ParsedFile:
    """Parse one AEMO source file (zip, zip of zips or CSV) completely into Arrow tables.

    `source` is a path or the file's bytes; `name` is used in messages (defaults to the path's
    name); `types` see the module docstring; `max_uncompressed` caps the bytes a zip may expand to
    (counted while reading, so a zip bomb is refused with bounded memory). Raises BadSourceFile with the precise reason on anything that is not a whole, valid
    AEMO file (empty body, HTML page, truncated zip, bad row width, footer count mismatch, ...).

    Every CSV is checked on its own (header, row kinds, footer count); then the D rows of one
    table (same key and columns) from all CSVs are parsed in ONE pyarrow call: a daily Archive
    bundle is 288 CSVs, and a pyarrow read costs ~1 ms however small the block.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BadSourceFile(f"{name}: cannot read: {exc}") from exc
    else:
        data = bytes(source)
        name = name or "<bytes>"
    budget = [max_uncompressed, max_uncompressed]
    scans = [_scan_csv(csv_bytes, member) for member, csv_bytes in _iter_csvs(data, name, 0, budget)]
    if not scans:
        raise BadSourceFile(f"{name}: zip holds no CSV file")
    return _parse_scanned(scans, name, types)


def parse_csv(data: bytes, name: str = "<csv>", types: Types | None = None) -> ParsedFile:
    """Parse the bytes of one AEMO CSV (several tables possible)."""
    return _parse_scanned([_scan_csv(data, name)], name, types)


@dataclass
class _Block:
    """The D rows of one table block of one CSV: where they are, for line numbers in messages."""

    key: TableKey
    columns: tuple[str, ...]
    body: memoryview
    data: bytes  # the whole CSV
    start: int  # offset of the block's first D row in `data`

    @property
    def first_line(self) -> int:
        return self.data.count(b"\n", 0, self.start) + 1


@dataclass
class _Scanned:
    """One CSV, checked: its header, line counts and the D-row bytes of each table block."""

    name: str
    header: FileHeader
    lines: int
    footer_checked: int
    blocks: list[_Block]


def _scan_csv(data: bytes, name: str) -> _Scanned:
    """Check the structure of one CSV (C header, I/D rows, footer) without parsing values."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if not data.strip():
        raise BadSourceFile(f"{name}: empty file")
    reject_non_csv(data, name)
    check_no_nul(data, name)
    single = _single_table(data, name)
    if single is not None:
        return single
    marks = row_marks(data)
    if not marks or marks[0] != 0 or not data.startswith(b"C,"):
        raise BadSourceFile(f"{name}: does not start with an AEMO 'C' header row")
    header = FileHeader.from_row(line_at(data, 0), name)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    blocks: list[_Block] = []
    footer: int | None = None
    marks.append(len(data))
    view = memoryview(data)
    for i, start in enumerate(marks[:-1]):
        end = marks[i + 1]
        row = line_at(data, start)
        body_start = start + len(row) + 1
        if data.startswith(b"C,", start):
            footer = check_c_row(row, data, body_start, end, name, header=start == 0, where=f" at byte {start}")
            continue
        key, columns = parse_i_row(row, name)
        check_block(data, body_start, end, key, name)
        blocks.append(_Block(key, tuple(columns), view[body_start:end], data, body_start))
    if footer is None:
        raise BadSourceFile(f"{name}: {NO_FOOTER}")
    check_footer(footer, lines, name)
    return _Scanned(name, header, lines, 1, blocks)


def _parse_scanned(scans: list[_Scanned], name: str, types: Types | None = None) -> ParsedFile:
    """Parse the checked CSVs of one file: one pyarrow read per (table key, columns).

    With `types`, only the tables it names are parsed. A bad value in a block joined from several
    CSVs is found again CSV by CSV, so the message names the member and its line."""
    groups: dict[tuple[TableKey, tuple[str, ...]], list[_Block]] = {}
    for sc in scans:
        for b in sc.blocks:
            if types is None or (b.key[0], b.key[1]) in types:
                groups.setdefault((b.key, b.columns), []).append(b)
    per_key: dict[TableKey, list[pa.Table]] = {}
    members = {id(b): sc.name for sc in scans for b in sc.blocks}
    for (key, columns), blocks in groups.items():
        col_types = None if types is None else types[(key[0], key[1])]
        if len(blocks) == 1:
            b = blocks[0]
            table = parse_d_rows(b.body, list(columns), name=members[id(b)], key=key, types=col_types,
                                 first_line=b.first_line)  # fmt: skip
        else:
            try:
                table = parse_d_rows(_join_lines([b.body for b in blocks]), list(columns),
                                     name=f"{name} ({len(blocks)} CSVs)", key=key, types=col_types)  # fmt: skip
            except BadSourceFile:
                for b in blocks:  # name the CSV and line; re-raises the first block's error
                    parse_d_rows(b.body, list(columns), name=members[id(b)], key=key, types=col_types,
                                 first_line=b.first_line)  # fmt: skip
                raise
        per_key.setdefault(key, []).append(table)
    return ParsedFile(
        header=scans[0].header,
        tables={k: (v[0] if len(v) == 1 else concat_by_name(v)) for k, v in per_key.items()},
        members=[sc.name for sc in scans],
        lines=sum(sc.lines for sc in scans),
        footer_checked=sum(sc.footer_checked for sc in scans),
        seen=sorted({b.key for sc in scans for b in sc.blocks}),
    )


def _join_lines(pieces: list[memoryview]) -> bytes | memoryview:
    """The pieces as one buffer of whole lines (a newline added where a piece lacks its last one)."""
    pieces = [p for p in pieces if len(p)]
    if len(pieces) == 1:
        return pieces[0]
    out = bytearray()
    for p in pieces:
        out += p
        if p[-1] != 10:  # b"\n"
            out += b"\n"
    return bytes(out)


def _single_table(data: bytes, name: str) -> _Scanned | None:
    """Fast path for the common one-table file (C header, I row, D rows, footer): two byte counts
    prove every body line is a D row of that table, so no search for further I/C rows is needed
    (it costs ~1 s per 400 MB). Returns None when the file is anything else."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if not data.startswith(b"C,"):
        return None
    head = line_at(data, 0)
    i_start = len(head) + 1
    if not data.startswith(b"I,", i_start):
        return None
    i_row = line_at(data, i_start)
    body = i_start + len(i_row) + 1
    trimmed = len(data.rstrip(b"\r\n"))
    last = data.rfind(b"\n", 0, trimmed) + 1
    if last <= body or not data.startswith(b"C,", last):
        return None
    m = FOOTER_RE.match(line_at(data, last).rstrip(b"\r"))
    if not m:
        return None
    key, columns = parse_i_row(i_row, name)
    prefix = d_prefix(key)
    n_body = data.count(b"\n", body, last)
    if data.count(b"\n" + prefix, body - 1, last) != n_body:
        return None  # more tables, or a bad row: the general path finds and names it
    lines = data.count(b"\n", 0, body) + n_body + data.count(b"\n", last) + (0 if data.endswith(b"\n") else 1)
    check_footer(int(m.group(1)), lines, name)
    header = FileHeader.from_row(head, name)
    return _Scanned(name, header, lines, 1, [_Block(key, tuple(columns), memoryview(data)[body:last], data, body)])


def concat_by_name(tables: list[pa.Table]) -> pa.Table:
    """Concatenate tables whose column sets or (null) types differ; columns matched by name."""
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise BadSourceFile(f"tables with the same key disagree on column types: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# Containers


def reject_non_csv(data: bytes, name: str) -> None:
    """Raise BadSourceFile when `data` starts like an HTML/XML page (an error page served as a file)."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head:
        raise BadSourceFile(f"{name}: is an HTML page, not an AEMO file (error page served as data?)")


def _iter_csvs(data: bytes, name: str, depth: int, budget: list[int]) -> Iterator[tuple[str, bytes]]:
    """Yield (member name, CSV bytes) for a CSV, a zip of CSVs or a zip of zips."""
    if not data:
        raise BadSourceFile(f"{name}: empty file")
    if not data.startswith(b"PK"):
        reject_non_csv(data, name)
        yield name, data
        return
    if depth >= MAX_ZIP_DEPTH:
        raise BadSourceFile(f"{name}: zip nested deeper than {MAX_ZIP_DEPTH} levels")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BadSourceFile(f"{name}: truncated or corrupt zip ({exc})") from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if not infos:
            raise BadSourceFile(f"{name}: empty zip")
        for info in sorted(infos, key=lambda i: i.filename):
            lower = info.filename.lower()
            if not lower.endswith((".zip", ".csv")):
                continue  # other members (none seen in real files) are ignored
            try:
                inner = read_member(zf, info, budget, name)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise BadSourceFile(f"{name}: corrupt zip member {info.filename} ({exc})") from exc
            if lower.endswith(".zip"):
                yield from _iter_csvs(inner, f"{name}/{info.filename}", depth + 1, budget)
            else:
                yield f"{name}/{info.filename}" if depth else info.filename, inner


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], name: str) -> bytes:
    """A zip member's bytes, read in blocks that count against `budget` ([bytes left, the cap]).

    The header's declared size is not trusted (a zip bomb can lie), and the first block must look
    like an AEMO CSV (a `C` row, after an optional BOM) or a zip, so 1 GiB of NUL bytes is refused
    after its first MiB, not after expanding it all."""
    out = bytearray()
    member = f"{name}/{info.filename}"
    is_csv = info.filename.lower().endswith(".csv")
    with zf.open(info) as fh:
        while block := fh.read(READ_BLOCK):
            if not out:
                check_head(block, member)
            if is_csv:
                check_no_nul(block, member, len(out))
            budget[0] -= len(block)
            if budget[0] < 0:
                raise BadSourceFile(
                    f"{name}: expands to more than {budget[1] / 1024**2:,.0f} MB "
                    "(the nemweb.max_uncompressed_mb cap): a zip bomb, or raise the cap"
                )
            out += block
    return bytes(out)


def check_no_nul(block: bytes, name: str, offset: int = 0) -> None:
    """AEMO's CSVs are text: a NUL byte means a corrupt file or a bomb (memchr-fast, checked per block)."""
    pos = block.find(b"\0")
    if pos >= 0:
        raise BadSourceFile(f"{name}: NUL byte at byte {offset + pos}: not an AEMO CSV (corrupt, or a zip bomb)")


def check_head(block: bytes, name: str) -> None:
    """Raise BadSourceFile unless `block` (a file's first bytes) starts like an AEMO CSV or a zip."""
    head = block[len(BOM) :] if block.startswith(BOM) else block
    if head.startswith((b"C,", b"PK")):
        return
    reject_non_csv(head, name)
    if not head.strip():
        raise BadSourceFile(f"{name}: empty file")
    raise BadSourceFile(f"{name}: does not start with an AEMO 'C' header row")


# ---------------------------------------------------------------------------------------------
# Rows and blocks (also used by the streaming reader, aemo_wh.nemweb.mms_stream)


def row_marks(data: bytes, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets of the lines in data[start:end] that start with `I,` or `C,` (bytes.find is
    memchr-fast; a MULTILINE regex over hundreds of MB is ~10x slower)."""
    end = len(data) if end is None else end
    marks = [start] if data.startswith((b"I,", b"C,"), start, end) else []
    for needle in (b"\nI,", b"\nC,"):
        pos = data.find(needle, start, end)
        while pos >= 0:
            marks.append(pos + 1)
            pos = data.find(needle, pos + 1, end)
    marks.sort()
    return marks


def line_at(data: bytes, start: int) -> bytes:
    """The line that starts at offset `start`, without its newline."""
    end = data.find(b"\n", start)
    return data[start : len(data) if end < 0 else end]


def parse_i_row(row: bytes, name: str) -> tuple[TableKey, list[str]]:
    """The table key and lower-cased column names of an `I` row (duplicate names get `_dup`)."""
    text = row.rstrip(b"\r").decode("ascii", "replace")
    fields = next(csv.reader([text]))
    if len(fields) < 5:
        raise BadSourceFile(f"{name}: I row without columns: {text[:80]!r}")
    key = (fields[1].strip().upper(), fields[2].strip().upper(), fields[3].strip())
    columns: list[str] = []
    seen: set[str] = set()
    for raw in fields[4:]:
        col = raw.strip().lower() or f"column_{len(columns) + 5}"
        while col in seen:  # duplicate names never seen in real files; keep both
            col += "_dup"
        seen.add(col)
        columns.append(col)
    return key, columns


def _column_types(columns: list[str]) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {}
    for col in columns:
        up = col.upper()
        if up in TIMESTAMP_COLUMNS:
            types[col] = _TS_AS_DICT
        elif up.endswith("ID") or up in ID_COLUMNS:
            types[col] = pa.string()
    return types


def _timestamps_from_dictionary(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Parse each chunk's dictionary once and gather: a month of SCADA has 8,640 distinct
    SETTLEMENTDATE strings for 4.5 M rows, so this is ~4x faster than strptime on every value."""
    chunks = []
    for chunk in col.chunks:
        parsed = pc.strptime(chunk.dictionary, format=TIMESTAMP_FORMAT, unit="us", error_is_null=False)
        chunks.append(pc.take(parsed, chunk.indices))
    return pa.chunked_array(chunks, type=TIMESTAMP_TYPE)


def _fix_types(table: pa.Table) -> pa.Table:
    """Integers -> float64; timestamps -> timestamp[us]; all-empty columns typed by their name."""
    changed = False
    cols = []
    for f, col in zip(table.schema, table.columns, strict=True):
        target = f.type
        up = f.name.upper()
        if pa.types.is_dictionary(f.type):
            cols.append(_timestamps_from_dictionary(col))
            changed = True
            continue
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) and f.type != pa.float64():
            target = pa.float64()
        elif pa.types.is_timestamp(f.type) and f.type != TIMESTAMP_TYPE:
            target = TIMESTAMP_TYPE
        elif pa.types.is_null(f.type):
            if up.endswith(("DATE", "DATETIME", "TIME")):
                target = TIMESTAMP_TYPE
            elif up.endswith("ID") or up in ID_COLUMNS:
                target = pa.string()
            else:
                target = pa.float64()
        elif pa.types.is_boolean(f.type):
            target = pa.float64()
        if target != f.type:
            col = col.cast(target)
            changed = True
        cols.append(col)
    return pa.table(cols, names=table.column_names) if changed else table


def d_prefix(key: TableKey) -> bytes:
    """The bytes every D row of table `key` starts with: `D,<report>,<sub-type>,<version>,`."""
    return ("D," + ",".join(key) + ",").encode("ascii")


def check_footer(footer: int, lines: int, name: str) -> None:
    """Raise BadSourceFile unless the END OF REPORT count equals the lines read."""
    if footer != lines:
        raise BadSourceFile(
            f"{name}: footer says {footer} lines but the file has {lines} (truncated or altered)"
        )


def check_c_row(
    row: bytes, data: bytes, body_start: int, body_end: int, name: str, *, header: bool, where: str = ""
) -> int | None:
    """Check a `C` row and the bytes after it up to the next I row, data[body_start:body_end].

    Only the file's `header` row or the END OF REPORT footer may stand there, and nothing may
    follow it before an I row. Returns the footer's line count (None for the header row); `where`
    places the row in the messages."""
    m = FOOTER_RE.match(row.rstrip(b"\r"))
    if not m and not header:
        raise BadSourceFile(f"{name}: unexpected C row{where}: {row[:80]!r}")
    if body_start < body_end and data[body_start:body_end].strip():
        raise BadSourceFile(f"{name}: rows after a C row{where} have no I row")
    return int(m.group(1)) if m else None


def check_block(data: bytes, start: int, end: int, key: TableKey, name: str) -> None:
    """Every line of data[start:end] must be a D row of table `key` (a C-speed count, no Python loop)."""
    prefix = d_prefix(key)
    # Every line of the block must be a D row of this table (a C-speed count, no Python loop).
    if end > start and data[end - 1 : end] != b"\n":
        n_lines = data.count(b"\n", start, end) + 1
    else:
        n_lines = data.count(b"\n", start, end)
    n_d = data.count(b"\n" + prefix, start, end) + (1 if data.startswith(prefix, start) else 0)
    if n_d != n_lines:
        bad = _first_bad_line(data, start, end, prefix)
        raise BadSourceFile(f"{name}: table {','.join(key)}: row is not a D row of this table: {bad[:100]!r}")


def _first_bad_line(data: bytes, start: int, end: int, prefix: bytes) -> bytes:
    for line in data[start:end].split(b"\n"):
        if line.strip() and not line.startswith(prefix):
            return line
    return b""


def parse_d_rows(
    block: bytes | memoryview,
    columns: list[str],
    name: str = "<csv>",
    key: TableKey = ("", "", ""),
    types: Mapping[str, pa.DataType] | None = None,
    first_line: int | None = None,
) -> pa.Table:
    """Parse `D,<key>,<values...>` lines into a typed table with the given (lower-case) columns.

    `types`: parse exactly so (columns it does not name as text) and raise BadSourceFile naming the
    column, line and value that does not fit; None: types by column name (module docstring).
    `first_line`: the CSV line of the block's first row, for messages (else rows are counted from 1).
    """
    if types is not None:
        wanted = {c: types.get(c, pa.string()) for c in columns}
        if not len(block) or not bytes(block[:4096]).strip():
            return pa.schema([pa.field(c, t) for c, t in wanted.items()]).empty_table()
        read_types = {c: (_TS_AS_DICT if pa.types.is_timestamp(t) else t) for c, t in wanted.items()}
    else:
        if not len(block) or not bytes(block[:4096]).strip():
            return _empty_table(columns)
        read_types = _column_types(columns)
    where = f"{name}: table {','.join(key)}"
    try:
        table = _read_d_rows(block, columns, read_types)
    except pa.ArrowInvalid as exc:
        msg = str(exc).split("\n")[0]
        if types is not None:
            m = re.match(r"In CSV column #(\d+): CSV conversion error to (\w+)", msg)
            if m and 0 <= int(m.group(1)) - 4 < len(columns):
                column = columns[int(m.group(1)) - 4]
                _raise_bad_value(block, columns, column, read_types[column], where, first_line)
        raise BadSourceFile(f"{where}: {msg}") from exc
    if types is None:
        try:
            return _fix_types(table)
        except pa.ArrowInvalid as exc:
            raise BadSourceFile(f"{where}: {str(exc).splitlines()[0]}") from exc
    return _typed_timestamps(table, where, first_line)


def _read_d_rows(block: bytes | memoryview, columns: list[str], column_types: dict) -> pa.Table:
    meta = ["__row", "__report", "__subtype", "__version"]
    return pacsv.read_csv(
        pa.py_buffer(block),
        read_options=pacsv.ReadOptions(column_names=meta + columns, block_size=1 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            include_columns=columns,
            column_types=column_types,
            timestamp_parsers=[TIMESTAMP_FORMAT],
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _line(first_line: int | None, row: int) -> str:
    return f"line {first_line + row}" if first_line is not None else f"row {row + 1} of the table"


def _raise_bad_value(
    block: bytes | memoryview, columns: list[str], column: str, typ: pa.DataType, where: str,
    first_line: int | None,
) -> None:
    """Find the first value of `column` that does not cast to `typ` and raise BadSourceFile naming it.

    Only on the error path: the column is read again as bytes and halved until one value is left (bytes,
    so a value that is not UTF-8 text is found the same way)."""
    raw = _read_d_rows(block, columns, {c: pa.binary() for c in columns})[column].combine_chunks()

    def fits(values: pa.Array) -> bool:
        try:
            text = values.cast(pa.string())
            if not pa.types.is_string(typ):
                text.cast(typ)
            return True
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False

    lo, hi = 0, len(raw)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(raw.slice(lo, mid - lo)):
            lo = mid
        else:
            hi = mid
    value = raw[lo].as_py()
    try:
        shown, what = value.decode("utf-8"), f"a {_kind(typ)}"
    except UnicodeDecodeError:
        shown, what = value, "UTF-8 text"
    raise BadSourceFile(f"{where}: column {column}, {_line(first_line, lo)}: {shown!r} is not {what}")


def _kind(typ: pa.DataType) -> str:
    return "number" if pa.types.is_floating(typ) else "text" if pa.types.is_string(typ) else str(typ)


def _typed_timestamps(table: pa.Table, where: str, first_line: int | None) -> pa.Table:
    """Dictionary-read timestamp columns parsed strictly (a bad value raises, naming its line)."""
    cols, changed = [], False
    for f, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(f.type):
            try:
                col = _timestamps_from_dictionary(col)
            except pa.ArrowInvalid:
                row, value = _first_bad_timestamp(col)
                raise BadSourceFile(
                    f"{where}: column {f.name}, {_line(first_line, row)}: {value!r} is not a time "
                    f"({TIMESTAMP_FORMAT})"
                ) from None
            changed = True
        cols.append(col)
    return pa.table(cols, names=table.column_names) if changed else table


def _first_bad_timestamp(col: pa.ChunkedArray) -> tuple[int, str]:
    offset = 0
    for chunk in col.chunks:
        parsed = pc.strptime(chunk.dictionary, format=TIMESTAMP_FORMAT, unit="us", error_is_null=True)
        bad = pc.and_(pc.is_null(parsed), pc.is_valid(chunk.dictionary))
        if pc.any(bad).as_py():
            bad_codes = pc.indices_nonzero(bad)
            hit = pc.indices_nonzero(pc.fill_null(pc.is_in(chunk.indices, value_set=bad_codes.cast(chunk.indices.type)), False))
            row = hit[0].as_py()
            return offset + row, chunk.dictionary[chunk.indices[row].as_py()].as_py()
        offset += len(chunk)
    return 0, ""


def _empty_table(columns: list[str]) -> pa.Table:
    fields = []
    for col, typ in zip(columns, [_column_types([c]).get(c) for c in columns], strict=True):
        up = col.upper()
        if typ == _TS_AS_DICT:
            typ = TIMESTAMP_TYPE
        if typ is None:
            typ = TIMESTAMP_TYPE if up.endswith(("DATE", "DATETIME")) else pa.float64()
        fields.append(pa.field(col, typ))
    return pa.schema(fields).empty_table()
