"""The table contract applied: every table the writer publishes has its spec's declared schema.

`conform` turns a parsed (or registry-built) table into the contract's schema: the declared columns
in declared order with their declared types (absent ones as nulls), then any undeclared column as
`string`, in name order. Casts are safe casts: a value that does not fit its type is an error, never
a silent null. `schema_problems` says why a file's schema is not the contract's; the writer calls it
on every file before publishing, and `aemo-wh check` on every published file.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from aemo_wh.errors import BadSourceFile
from aemo_wh.warehouse.tables import UNKNOWN_COLUMN_TYPE, TableSpec

CONTROL_CHARS = r"[\x00-\x1f\x7f]"


def contract_schema(spec: TableSpec, extra: list[str] | tuple[str, ...] = ()) -> pa.Schema:
    """The declared schema plus `extra` undeclared columns (as string, in name order)."""
    fields = [pa.field(n, t) for n, t in spec.columns]
    fields += [pa.field(n, UNKNOWN_COLUMN_TYPE) for n in sorted(extra)]
    return pa.schema(fields)


def conform(table: pa.Table, spec: TableSpec) -> pa.Table:
    """`table` in the contract's schema, or BadSourceFile naming the table and column that cannot be.

    Also the publish rules that need no file: key columns present and non-null (but `nullable_keys`);
    keys with no control characters.
    """
    if not spec.columns:
        raise ValueError(f"{spec.name}: the table declares no columns (warehouse/tables.py)")
    names = set(table.column_names)
    missing = [c for c in spec.primary_key if c not in names]
    if missing:
        raise BadSourceFile(f"{spec.name}: required column(s) missing: {', '.join(missing)}")
    types = spec.types
    extra = [c for c in table.column_names if c not in types]
    schema = contract_schema(spec, extra)
    cols = []
    for f in schema:
        if f.name not in names:
            cols.append(pa.nulls(table.num_rows, f.type))
            continue
        cols.append(_cast(table[f.name], f.type, spec.name, f.name))
    out = pa.Table.from_arrays(cols, schema=schema)
    _check_keys(out, spec)
    return out


def _cast(col: pa.ChunkedArray, target: pa.DataType, table: str, column: str) -> pa.ChunkedArray:
    if col.type == target:
        return col
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    if pa.types.is_timestamp(col.type) and col.type.tz is not None:
        col = pc.local_timestamp(col)  # wall time in the column's zone (NEM), then naive
    if col.type == target:
        return col
    if pa.types.is_null(col.type):
        return pa.chunked_array([pa.nulls(len(col), target)], target)
    try:
        return col.cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise BadSourceFile(
            f"{table}: column {column} is {col.type}, the contract says {target}: {str(exc).splitlines()[0]}"
        ) from exc


def _check_keys(table: pa.Table, spec: TableSpec) -> None:
    for key in spec.primary_key:
        col = table[key]
        if col.null_count and key not in spec.nullable_keys:  # a blank DUID, time, region... is no key
            raise BadSourceFile(f"{spec.name}: {col.null_count} row(s) without {key} (a key column)")
        if pa.types.is_string(col.type) and len(col):
            bad = pc.match_substring_regex(col, CONTROL_CHARS)
            if pc.any(bad).as_py():
                value = col.filter(pc.fill_null(bad, False))[0].as_py()
                raise BadSourceFile(f"{spec.name}: key column {key} holds a control character: {value!r}")


def schema_problems(
    schema: pa.Schema, spec: TableSpec, *, strict: bool = True, ignore: list[str] | tuple[str, ...] = ()
) -> list[str]:
    """Why `schema` (of a file about to be, or already, published) is not the contract's; [] when it is.

    Every column must carry its declared type (undeclared ones `string`). `strict` (the writer):
    every declared column present, in declared order. Not strict (`aemo-wh check` on published
    files): only the key columns must be present, as files written before the contract hold only the
    columns their source file had; readers match columns by name, so order and absence are harmless.
    `ignore`: columns whose type is not checked (all-null columns of a published file).
    """
    problems = []
    declared = [n for n, _t in spec.columns]
    required = declared if strict else list(spec.primary_key)
    absent = [n for n in required if n not in schema.names]
    if absent:
        problems.append(f"missing column(s) {', '.join(absent[:5])}{' …' if len(absent) > 5 else ''}")
    elif strict and list(schema.names[: len(declared)]) != declared:
        problems.append("columns not in the contract's order")
    types = spec.types
    for f in schema:
        if f.name in ignore:
            continue
        want = types.get(f.name, UNKNOWN_COLUMN_TYPE)
        if f.type != want:
            problems.append(f"column {f.name} is {f.type}, the contract says {want}")
    return problems
