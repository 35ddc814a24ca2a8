"""A JSON Lines import applied customer by customer (sorted first) gives exactly what file order gives.

Same profiles, same counters, same error log (line numbers and reasons), on a file full of edge
cases: bad JSON, state-dependent failures, integer and blank ids, empty and over-long lines, CRLF
ends, a byte-order mark. The sorted run is removed once the job is done.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import build_env, make_settings
from tests.imports.conftest import Imports
from traitbase.domain.imports import fold
from traitbase.domain.imports import job as import_job
from traitbase.storage import importsort

USERS = [f"u{i}" for i in range(12)] + ["7"]
OPS = ("assign", "increment", "set-add", "set-remove", "delete")


def _file(seed: int) -> bytes:
    rnd = random.Random(seed)
    lines: list[bytes] = []
    for _ in range(400):
        roll = rnd.random()
        if roll < 0.04:
            lines.append(
                rnd.choice([b"{not json", b"", b"   ", b'{"changes": []}', b'{"customer_id": " ", "changes": []}'])
            )
            continue
        if roll < 0.05:
            lines.append(
                b'{"customer_id": "u1", "changes": [{"op": "assign", "attr": "a", "value": "' + b"x" * 300 + b'"}]}'
            )
            continue
        uid: Any = 7 if roll < 0.1 else rnd.choice(USERS)
        attr = rnd.choice(("a", "n", "s", "d"))
        op = rnd.choice(OPS)
        value: Any = rnd.choice([rnd.randint(-5, 5), f"v{rnd.randint(0, 3)}", [f"t{rnd.randint(0, 4)}"], "2024-02-30"])
        change: dict[str, Any] = {"op": op, "attr": attr} | ({} if op == "delete" else {"value": value})
        lines.append(orjson.dumps({"customer_id": uid, "changes": [change]}))
    ends = [b"\r\n" if rnd.random() < 0.2 else b"\n" for _ in lines]
    return b"\xef\xbb\xbf" + b"".join(line + end for line, end in zip(lines, ends, strict=True))


def _import(
    tmp: Path, content: bytes, *, sorted_run: bool, monkeypatch: pytest.MonkeyPatch, processes: int = 1
) -> tuple[Any, ...]:
    real = import_job.run_profile_import
    sorts: list[int] = []
    sort_lines = importsort.sort_lines

    def counted(*args: Any, **kwargs: Any) -> int:
        sorts.append(sort_lines(*args, **kwargs))
        return sorts[-1]

    monkeypatch.setattr(importsort, "sort_lines", counted)
    if not sorted_run:

        def file_order(*args: Any, **kwargs: Any) -> dict[str, Any]:
            kwargs["sort"] = None
            return real(*args, **kwargs)

        monkeypatch.setattr(import_job, "run_profile_import", file_order)
    settings = make_settings(
        tmp, job_workers=0, imports_chunk_lines=7, imports_max_line_bytes=200, imports_apply_processes=processes
    )
    gen: Iterator[Any] = build_env(settings)
    imp = Imports(next(gen))
    try:
        creds = imp.credentials()
        activity = imp.upload(creds, content, app_id=imp.env.boot.project_id).json()["activity_id"]
        assert imp.run_jobs() == 1
        status = imp.status(creds, activity).json()
        log = imp.env.client.get(status["error_log"]).content if status["error_log"] else b""
        profiles = {uid: imp.user(uid) for uid in USERS}
        assert not any((tmp / "work" / "imports").glob("*")), "the sorted run outlives its job"
        assert len(sorts) == (1 if sorted_run else 0)
        return status["status"], status["upload_statistics"], log, profiles
    finally:
        next(gen, None)
        monkeypatch.setattr(import_job, "run_profile_import", real)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("processes", [1, 3])
def test_sorted_import_equals_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, gzipped: bool, processes: int
) -> None:
    """With ``processes`` > 1 every chunk (7 lines here) is shared among the worker and helpers."""
    content = _file(seed)
    if gzipped:
        content = gzip.compress(content, mtime=0)
    monkeypatch.setattr(fold, "APART_AFTER_LINES", 0)
    started: list[int] = []
    pool_init = fold.FoldPool.__init__

    def counted(self: fold.FoldPool, *args: Any, **kwargs: Any) -> None:
        started.append(kwargs["helpers"])
        pool_init(self, *args, **kwargs)

    monkeypatch.setattr(fold.FoldPool, "__init__", counted)
    by_customer = _import(tmp_path / "sorted", content, sorted_run=True, monkeypatch=monkeypatch, processes=processes)
    assert started == ([processes - 1] if processes > 1 else [])
    in_order = _import(tmp_path / "ordered", content, sorted_run=False, monkeypatch=monkeypatch)
    assert by_customer == in_order
    status, _, log, profiles = by_customer
    assert status == "Completed"
    assert log.count(b"\n") > 10  # the file does exercise failures
    assert sum(1 for p in profiles.values() if p) > 5
