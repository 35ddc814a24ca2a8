"""The import sort: (key, line) order, the same here or in a child process, read back from any position."""

from __future__ import annotations

from pathlib import Path

import pytest

from traitbase.storage import importsort

STAGED = [
    importsort.StagedLines(keys=["b", "a", "b"], numbers=[1, 2, 3], lines=[b"b1", b"a2", b"b3"], too_long=[False] * 3),
    importsort.StagedLines(keys=["", "a"], numbers=[5, 7], lines=[b"{bad", b"a7\r"], too_long=[True, False]),
]


@pytest.mark.parametrize("apart_after", [0, 10**9])
def test_lines_come_back_in_key_then_line_order(tmp_path: Path, apart_after: int) -> None:
    work = tmp_path / "job"
    assert importsort.sort_lines(STAGED, work_dir=work, memory_mb=64, apart_after=apart_after) == 5
    assert importsort.sorted_rows(work) == 5
    batches = list(importsort.read_sorted(work, start=0, batch_lines=2))
    assert [(b.numbers, b.lines, b.too_long) for b in batches] == [
        ([5, 2], [b"{bad", b"a2"], [True, False]),
        ([7, 1], [b"a7\r", b"b1"], [False, False]),
        ([3], [b"b3"], [False]),
    ]
    resumed = list(importsort.read_sorted(work, start=3, batch_lines=10))
    assert [(b.numbers, b.lines) for b in resumed] == [([1, 3], [b"b1", b"b3"])]
    assert sorted(p.name for p in work.iterdir()) == ["lines.bin", "sorted.parquet"]
    importsort.remove(work)
    assert importsort.sorted_rows(work) is None
