"""CLI output of the audience commands (a printer module beside ``output.py``, which is near its size limit)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from traitbase.cli.output import _flush, err, json, out, show_record
from traitbase.client import FileProgress


def lines(values: Iterable[str]) -> int:
    """Values one per line on stdout as they come (an export of any size); returns how many."""
    count = 0
    for value in values:
        sys.stdout.write(value + "\n")
        count += 1
    _flush()
    return count


def json_array(values: Iterable[Any]) -> int:
    """A JSON array written an element at a time, so it is never built in memory; returns its length."""
    count = 0
    sys.stdout.write("[")
    for value in values:
        sys.stdout.write(("," if count else "") + "\n  " + orjson.dumps(value).decode())
        count += 1
    sys.stdout.write("\n]\n" if count else "]\n")
    _flush()
    return count


def membership(audience_id: int, member_id: str, member: bool, *, as_json: bool) -> None:
    if as_json:
        json({"audience_id": audience_id, "member_id": member_id, "member": member})
        return
    out.print(f"{member_id} is {'' if member else 'not '}a member of audience {audience_id}.")
    _flush()


@contextmanager
def file_progress(total_bytes: int) -> Iterator[Callable[[FileProgress], None]]:
    """Two bars over the file's bytes: hashing it (MD5), then uploading it; silent when not a terminal."""
    progress = Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        tasks = {"md5": progress.add_task("MD5", total=total_bytes), "upload": progress.add_task("Upload", total=None)}

        def report(p: FileProgress) -> None:
            progress.update(tasks[p.stage], completed=p.done, total=p.total)

        yield report


@contextmanager
def waiting(message: str) -> Iterator[None]:
    """A spinner on stderr while the server works (a plain notice when stderr is not a terminal)."""
    if not err.is_terminal:
        err.print(message)
        yield
        return
    with err.status(message):
        yield


def uploaded_audience(result: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        json(result)
        return
    loaded = result.get("audience")
    if loaded is None:
        out.print(f"Audience {result['audience_id']} created; its members are loading in the background.")
        _flush()
        return
    show_record("audience", loaded, as_json=False)
    out.print(f"Audience {loaded['id']} loaded: {loaded['member_count']} members.")
    _flush()
