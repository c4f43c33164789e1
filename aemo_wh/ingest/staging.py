"""Parsed chunks of a streamed file held on disk until the whole file has parsed: nothing partial lands.

A monthly MMSDM file is read chunk by chunk to bound memory, so it cannot be held whole before
publishing. Each parsed, contract-conformed chunk is written to `_staging/` as an uncompressed Arrow
IPC file instead; only when the last chunk has parsed (footer checked, every value cast) are the
chunks read back one at a time and published. A bad value anywhere in the file therefore lands
nothing of it. `_staging/` is purged at every writer start, so a crash leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

from aemo_wh.warehouse import layout
from aemo_wh.warehouse.tables import TableSpec


class StagedChunks:
    """Chunks (spec, table) written to staging in order; `publish` hands them to a callback."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[tuple[TableSpec, Path]] = []

    def add(self, spec: TableSpec, table: pa.Table) -> None:
        path = layout.staging_file(self.root, ".arrow")
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
        self.files.append((spec, path))

    def publish(self, publish: Callable[[TableSpec, pa.Table], Any]) -> None:
        """Read each chunk back (memory-mapped) and publish it, deleting it once published."""
        while self.files:
            spec, path = self.files.pop(0)
            with pa.memory_map(str(path)) as source:
                table = ipc.open_file(source).read_all()
                publish(spec, table)
            del table
            path.unlink(missing_ok=True)

    def discard(self) -> None:
        for _spec, path in self.files:
            path.unlink(missing_ok=True)
        self.files.clear()


@contextmanager
def staged_chunks(root: Path) -> Iterator[StagedChunks]:
    """A `StagedChunks` whose leftover files are deleted however the block ends."""
    staged = StagedChunks(root)
    try:
        yield staged
    finally:
        staged.discard()
