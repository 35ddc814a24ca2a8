"""JSON Lines imports applied customer by customer: the file is sorted by (customer, line) first.

Why: applying the file in chunks of its own order rereads and rewrites a customer in every chunk
that mentions them (200,000 customers over 2,000,000 lines: each customer in most chunks). Every
line changes only its own customer, so any order that keeps each customer's lines in file order
gives the same profiles, counts and per-line errors. Sorted, a customer's lines are adjacent and
each customer is read and written about once per import (``storage.importsort`` does the sort,
out of core, under a memory limit).

Exactly once: the sorted run is a file of the job (reproducible: the order is total), and the
checkpoint is a position in it, committed in the same transaction as the chunk it ends. Line
numbers travel with the lines, so errors name the same lines as before; the error log is written
in line order as always.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from traitbase.domain.imports import fastpath as fast
from traitbase.domain.imports.ops import LineError, parse_json_line
from traitbase.domain.imports.parse import ImportLimits, JsonChunk
from traitbase.domain.imports.reader import LineBatch, read_batches
from traitbase.storage import importsort


class _Key(msgspec.Struct):
    customer_id: str | int


_key_decoder = msgspec.json.Decoder(_Key)
# Lines the reference path refuses (bad JSON, no usable id) get this key: their order does not
# matter, they change nothing.
_NO_CUSTOMER = ""


@dataclass
class SortedChunk:
    """A chunk of the sorted run and the checkpoint that ends it."""

    chunk: JsonChunk
    checkpoint: dict[str, Any]


def stage(batch: LineBatch, limits: ImportLimits) -> importsort.StagedLines:
    """The lines of a file batch with their sort key (the customer id the apply step will use).

    Empty lines are dropped here: they are not records (``JsonChunk`` skips them alike).
    """
    if not batch.too_long and batch.numbers is None and all(map(bytes.strip, batch.lines)):
        # The common batch (no empty or over-long line), built in C rather than a call a line.
        lines, flags = batch.lines, [False] * len(batch.lines)
        numbers = list(range(batch.first, batch.first + len(lines)))
    else:
        keep = [i for i, raw in enumerate(batch.lines) if i in batch.too_long or raw.strip()]
        lines = [batch.lines[i] for i in keep]
        flags = [i in batch.too_long for i in keep]
        numbers = [batch.number(i) for i in keep]
    decode = _key_decoder.decode
    try:
        keys = [_NO_CUSTOMER if long else _id(decode(raw).customer_id) for raw, long in zip(lines, flags, strict=True)]
    # RecursionError: a line nested past the interpreter's limit (skipping its unknown fields recurses).
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        keys = [_NO_CUSTOMER if long else key_of(raw, limits) for raw, long in zip(lines, flags, strict=True)]
    return importsort.StagedLines(keys=keys, numbers=numbers, lines=lines, too_long=flags)


def _id(raw: str | int) -> str:
    return raw if type(raw) is str else str(raw)


def key_of(raw: bytes, limits: ImportLimits) -> str:
    """The sort key of one line (as ``stage`` gives it): its customer id, or ``""``."""
    try:
        return _id(_key_decoder.decode(raw).customer_id)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        pass
    try:
        return parse_json_line(raw.rstrip(b"\r\n"), max_id_length=limits.max_id_length)[0]
    except LineError:
        return _NO_CUSTOMER


def ensure_sorted(fh: BinaryIO, *, work_dir: Path, limits: ImportLimits, memory_mb: int, expect: int | None) -> int:
    """The job's sorted run (made now unless a complete one with ``expect`` lines is there); its lines."""
    found = importsort.sorted_rows(work_dir)
    if found is not None and (expect is None or found == expect):
        return found
    batches = read_batches(
        fh, start=0, first_line=1, max_line_bytes=limits.max_line_bytes, batch_lines=limits.chunk_lines
    )
    return importsort.sort_lines((stage(b, limits) for b in batches), work_dir=work_dir, memory_mb=memory_mb)


def chunks(work_dir: Path, *, start: int, rows: int, limits: ImportLimits) -> Iterator[SortedChunk]:
    """Chunks of the sorted run from position ``start``, each with the checkpoint after it."""
    decoder = fast.line_decoder(limits.max_value_length, limits.max_attr_length)
    done = start
    for part in importsort.read_sorted(work_dir, start=start, batch_lines=limits.chunk_lines):
        too_long = frozenset(i for i, long in enumerate(part.too_long) if long)
        batch = LineBatch(first=0, lines=part.lines, end=0, too_long=too_long, numbers=part.numbers)
        done += len(part.numbers)
        yield SortedChunk(JsonChunk(batch, decoder, limits), {"sorted": {"rows": rows, "done": done}})


def positions(
    work_dir: Path, *, start: int, rows: int, limits: ImportLimits
) -> Iterator[tuple[importsort.SortedRows, dict[str, Any]]]:
    """Where the sorted run's lines are (from position ``start``), each chunk with the checkpoint after it."""
    done = start
    for part in importsort.read_sorted_rows(work_dir, start=start, batch_lines=limits.chunk_lines):
        done += len(part.numbers)
        yield part, {"sorted": {"rows": rows, "done": done}}
