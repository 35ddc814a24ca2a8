"""Applying import chunks: the chunk's users folded into documents, optionally in several processes.

``fold`` is the one way a chunk becomes writes: the chunk's users' stored documents in, their
changed documents, failed lines and counts out. The caller loads and writes inside the chunk's
transaction, together with the checkpoint.

Why several processes: decoding and applying the lines is Python work (about 10 µs a line with
five changes), on one core, and it is most of an import's time once the file is applied customer
by customer (the store takes under a tenth). A sorted chunk is split at customer boundaries into
one part per process: the worker decodes and applies the first part, helper processes the
others at the same time. Every line changes only its own customer, so parts that share no user
cannot interfere, and the result is the same as applying the chunk in one go.

Exactly once is unchanged: helpers keep nothing between chunks and write nothing. The worker
loads the chunk's users and writes them back in the chunk's one transaction, with its
checkpoint; a worker killed mid-chunk leaves nothing of it, and its helpers see their pipe close
and exit.

Per chunk: (1) before the transaction, each helper receives its lines, decodes them and answers
with the users they may change, while the worker decodes its own part; (2) in the transaction
the worker loads those users' documents, sends each helper its users' documents, applies its own
part meanwhile and collects the helpers' changed documents, failed lines and counts. Should two
parts name the same user (an id that decodes differently from its sort key), the worker applies
the whole chunk itself, in order.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

from traitbase.domain.imports import fastpath as fast
from traitbase.domain.imports.ops import Applier
from traitbase.domain.imports.parse import Chunk, ImportLimits, JsonChunk
from traitbase.domain.imports.reader import LineBatch
from traitbase.domain.imports.sortedrun import key_of
from traitbase.kit.procs import wait_or_kill
from traitbase.storage.importsort import LineFile, SortedRows

# Sorted runs of more lines than this are applied with helper processes (starting one costs
# about half a second).
APART_AFTER_LINES = 100_000
# The worker's share of a chunk against a helper's 1.0: it also reads the sorted run and does
# the database work.
_OWN_WEIGHT = 0.5
# A helper answers a share in well under a second; far longer means it is stuck, and the job's
# attempt fails rather than hanging while its lease is renewed.
_ANSWER_SECONDS = 300


@dataclass
class Folded:
    rows: list[tuple[str, str]]  # (user id, document) to write
    errors: list[tuple[int, bytes, str]]  # (line number, raw line, reason), in the order applied
    total: int
    parsed: int


def fold(chunks: Sequence[Chunk], docs: Mapping[str, str], applier: Applier) -> Folded:
    """Apply ``chunks`` in order to the users' stored documents (``docs``: user id -> JSON text)."""
    loads = orjson.loads
    states: dict[str, dict[str, Any]] = {uid: loads(doc) for uid, doc in docs.items()}
    existing = set(states)
    changed: set[str] = set()
    errors: list[tuple[int, bytes, str]] = []
    total = parsed = 0
    for chunk in chunks:
        result = chunk.apply(states, applier)
        changed |= result.changed
        errors += result.errors
        total += result.total
        parsed += result.parsed
    encode = fast.encode_attrs
    # A user that did not exist and still has no attribute is not created.
    rows = [(uid, encode(states[uid])) for uid in changed if states[uid] or uid in existing]
    return Folded(rows=rows, errors=errors, total=total, parsed=parsed)


def json_chunk(lines: list[bytes], numbers: list[int], too_long: list[bool], limits: ImportLimits) -> JsonChunk:
    """A decoded chunk of sorted lines (each with its line number and over-long flag)."""
    flagged = frozenset(i for i, long in enumerate(too_long) if long)
    batch = LineBatch(first=0, lines=lines, end=0, too_long=flagged, numbers=numbers)
    return JsonChunk(batch, fast.line_decoder(limits.max_value_length, limits.max_attr_length), limits)


Loader = Callable[[set[str]], Mapping[str, str]]


class FoldPool:
    """``helpers`` helper processes that apply shares of each sorted chunk (see the module docstring)."""

    def __init__(self, limits: ImportLimits, helpers: int, lines: Path) -> None:
        self.limits = limits
        self._procs: list[tuple[subprocess.Popen[bytes], Connection, Connection]] = []
        self.lines = LineFile(lines)
        code = "from traitbase.domain.imports.fold import _serve; _serve()"
        try:
            for _ in range(helpers):
                proc = subprocess.Popen(
                    [sys.executable, "-c", code, orjson.dumps(asdict(limits)).decode(), str(lines)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
                assert proc.stdin is not None and proc.stdout is not None
                down = Connection(os.dup(proc.stdin.fileno()), readable=False)
                up = Connection(os.dup(proc.stdout.fileno()), writable=False)
                proc.stdin.close()
                proc.stdout.close()
                self._procs.append((proc, down, up))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> FoldPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for proc, down, up in self._procs:
            with contextlib.suppress(OSError):
                down.send(None)
            down.close()
            up.close()
            wait_or_kill(proc, 10)
        self._procs = []
        self.lines.close()

    def start(self, rows: SortedRows) -> Started:
        """Step (1a): split the chunk and send each helper its share to read and decode.

        Helpers read their lines from the sorted run themselves (only positions go down the pipe).
        A helper answers its messages in the order it gets them, so the worker may start the
        next chunk while this one's results are still to come (see ``PreparedChunk.fold``).
        """
        cuts = _cuts(rows, [_OWN_WEIGHT] + [1.0] * len(self._procs), self.limits, self.lines)
        parts = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
        sent: list[tuple[int, int, int]] = []  # (helper, start, stop)
        for h, (begin, end) in enumerate(parts[1:]):
            if end > begin:
                cols = (rows.numbers, rows.offsets, rows.lengths, rows.too_long)
                self.send(h, ("decode", *(col[begin:end] for col in cols)))
                sent.append((h, begin, end))
        return Started(rows, parts[0], sent)

    def finish(self, started: Started) -> PreparedChunk:
        """Step (1b): decode the worker's own share, then collect the users each helper's share names."""
        own = self.chunk(started.rows, *started.own)
        helper_uids = [set(self.answer(h)) for h, _, _ in started.sent]
        return PreparedChunk(self, started.rows, own, started.sent, helper_uids)

    def chunk(self, rows: SortedRows, start: int, stop: int) -> JsonChunk:
        lines = self.lines.read(rows.offsets[start:stop], rows.lengths[start:stop])
        return json_chunk(lines, rows.numbers[start:stop], rows.too_long[start:stop], self.limits)

    def send(self, helper: int, msg: object) -> None:
        self._procs[helper][1].send(msg)

    def answer(self, helper: int) -> Any:
        up = self._procs[helper][2]
        try:
            if not up.poll(_ANSWER_SECONDS):
                raise RuntimeError(f"an import helper process did not answer within {_ANSWER_SECONDS} s")
            status, value = up.recv()
        except (EOFError, OSError):
            raise RuntimeError("an import helper process ended unexpectedly") from None
        if status != "ok":
            raise RuntimeError(f"an import helper process failed: {value}")
        return value


@dataclass
class Started:
    rows: SortedRows
    own: tuple[int, int]  # the worker's share: (start, stop) in the chunk
    sent: list[tuple[int, int, int]]  # (helper, start, stop)


@dataclass
class PreparedChunk:
    pool: FoldPool
    rows: SortedRows
    own: JsonChunk
    sent: list[tuple[int, int, int]]
    helper_uids: list[set[str]]

    def user_ids(self) -> set[str]:
        return self.own.user_ids().union(*self.helper_uids)

    def fold(self, load: Loader, applier: Applier, ahead: SortedRows | None = None) -> tuple[Folded, Started | None]:
        """Step (2), inside the chunk's transaction: ``load`` gives the stored documents of users.

        ``ahead``, the next chunk, is sent to the helpers once they have answered with this one:
        they decode it while the worker writes and commits this chunk.
        """
        docs = load(self.user_ids())
        every = [self.own.user_ids(), *self.helper_uids]
        if sum(map(len, every)) != len(set().union(*every)):  # two parts name one user
            for h, _, _ in self.sent:
                self.pool.send(h, ("drop",))
                self.pool.answer(h)
            rest = [self.pool.chunk(self.rows, s, e) for _, s, e in self.sent]
            started = self.pool.start(ahead) if ahead is not None else None
            return fold([self.own, *rest], docs, applier), started
        for (h, _, _), uids in zip(self.sent, self.helper_uids, strict=True):
            self.pool.send(h, ("apply", {uid: docs[uid] for uid in uids if uid in docs}))
        result = fold([self.own], {uid: docs[uid] for uid in self.own.user_ids() if uid in docs}, applier)
        for h, _, _ in self.sent:
            part: Folded = self.pool.answer(h)
            result.rows += part.rows
            result.errors += part.errors
            result.total += part.total
            result.parsed += part.parsed
        # Only now: a helper writing its (large) result while the worker writes the next share
        # to it would leave both blocked on full pipes.
        return result, self.pool.start(ahead) if ahead is not None else None


def _cuts(rows: SortedRows, weights: list[float], limits: ImportLimits, lines: LineFile) -> list[int]:
    """Part boundaries (positions in the chunk) near the weighted shares, moved to customer boundaries."""
    n = len(rows.numbers)
    total = sum(weights)

    def key(i: int) -> str:
        if rows.too_long[i]:
            return ""
        return key_of(lines.read([rows.offsets[i]], [rows.lengths[i]])[0], limits)

    cuts, acc = [0], 0.0
    for w in weights[:-1]:
        acc += w
        i = max(cuts[-1], round(n * acc / total))
        if 0 < i < n:
            before = key(i - 1)
            while i < n and key(i) == before:
                i += 1
        cuts.append(i)
    cuts.append(n)
    return cuts


def _serve() -> None:
    """A helper process: chunk parts and documents on stdin, users and results on stdout."""
    limits = ImportLimits(**orjson.loads(sys.argv[1]))
    lines = LineFile(Path(sys.argv[2]))
    applier = Applier(max_value_length=limits.max_value_length, max_attr_length=limits.max_attr_length)
    # Parts allocate many containers and hold no reference cycles: reference counting frees them.
    gc.disable()
    down = Connection(os.dup(0), writable=False)
    up = Connection(os.dup(1), readable=False)
    pending: JsonChunk | None = None
    while True:
        try:
            msg = down.recv()
        except EOFError:  # the worker is gone
            return
        if msg is None:
            return
        try:
            if msg[0] == "decode":
                _, numbers, offsets, lengths, too_long = msg
                pending = json_chunk(lines.read(offsets, lengths), numbers, too_long, limits)
                answer: Any = sorted(pending.user_ids())
            elif msg[0] == "apply":
                assert pending is not None
                answer = fold([pending], msg[1], applier)
                pending = None
            else:  # "drop": the worker applies this part itself
                pending, answer = None, None
        except Exception as exc:  # reported to the worker, which fails the chunk
            up.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        up.send(("ok", answer))
