"""``client.imports``: the profile import face (upload a file, poll the background job).

The upload is one multipart request whose file part is streamed from disk; the answer is an
``activity_id``, wrapped in a job handle whose ``status()``/``wait()`` poll the status endpoint.
Both faces use HTTP Basic with the key id and secret, taken from the client's token.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from traitbase.client._core import AsyncRunner, Call, Core, Op, Sleep, SyncRunner
from traitbase.client.errors import JobFailed, WaitTimeout

UPLOAD_PATH = "/v1/imports/profiles/upload"
STATUS_PATH = "/v1/imports/profiles/status/{}"
Format = Literal["json", "csv"]
EmptyCells = Literal["delete", "ignore"]  # what an empty CSV cell means (the server's default: delete)
FINAL = ("Completed", "Failed")
# The status endpoint allows 60 calls a minute per key (imports_status_rate_limit): poll below that.
DEFAULT_POLL_INTERVAL = 2.0
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class UploadStatistics:
    """The status answer's ``upload_statistics``: records read, well-formed, applied and failed so far."""

    successful_imports: int = 0
    parsed_imports: int = 0
    failed_imports: int = 0
    total_number_of_imports: int = 0


@dataclass(frozen=True)
class ImportStatus:
    """One answer of the status endpoint. ``error_log`` is a signed, expiring URL (or None)."""

    activity_id: str
    status: str
    target: dict[str, Any]
    upload_statistics: UploadStatistics
    error_log: str | None = None
    # Lines of the uploaded file (newlines counted while it was sent; None for gzip'd files): the
    # length of a progress bar. Empty lines and a CSV header make it a little more than the records.
    file_lines: int | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL

    @property
    def failed(self) -> bool:
        return self.status == "Failed"


ImportProgressCallback = Callable[[ImportStatus], None]


class _LineCountingFile(io.RawIOBase):
    """A binary file that counts the newlines httpx reads from it, so the upload costs no second pass.

    httpx rewinds the file before each attempt (a retried upload); the count restarts with it.
    """

    def __init__(self, path: Path) -> None:
        self._f = path.open("rb")
        self.name = path.name
        self.lines = 0
        self.gzip = False
        self._last = b"\n"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._f.fileno()

    def tell(self) -> int:
        return self._f.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        pos = self._f.seek(offset, whence)
        if pos == 0:
            self.lines, self.gzip, self._last = 0, False, b"\n"
        return pos

    def read(self, size: int = -1) -> bytes:
        at_start = self._f.tell() == 0
        chunk = self._f.read(size)
        if at_start and chunk.startswith(GZIP_MAGIC):
            self.gzip = True
        if chunk:
            self.lines += chunk.count(b"\n")
            self._last = chunk[-1:]
        return chunk

    def counted_lines(self) -> int | None:
        if self.gzip:
            return None
        return self.lines + (0 if self._last == b"\n" else 1)

    def close(self) -> None:
        self._f.close()
        super().close()


def infer_format(path: Path, fmt: str | None) -> Format:
    """``fmt`` if given, else by suffix: ``.csv`` (``.csv.gz``) is CSV, anything else JSON Lines."""
    value = fmt or ("csv" if ".csv" in [s.lower() for s in path.suffixes] else "json")
    if value not in ("json", "csv"):
        raise ValueError(f"format must be json or csv, not {value!r}")
    return value  # type: ignore[return-value]


def target_fields(app_id: str | None, org_id: int | None) -> dict[str, str]:
    if (app_id is None) == (org_id is None):
        raise ValueError("give exactly one of app_id (a project) or org_id (an organization)")
    return {"app_id": app_id} if app_id is not None else {"org_id": str(org_id)}


def status_of(activity_id: str, answer: dict[str, Any], file_lines: int | None) -> ImportStatus:
    return ImportStatus(
        activity_id=activity_id,
        status=answer["status"],
        target=answer["target"],
        upload_statistics=UploadStatistics(**answer["upload_statistics"]),
        error_log=answer.get("error_log"),
        file_lines=file_lines,
    )


def upload_op(
    path: Path, fields: dict[str, str], fmt: Format, credentials: tuple[str, str]
) -> Op[tuple[str, int | None]]:
    """The activity id, and the file's line count. Not repeated after a lost answer (it would import twice)."""
    with _LineCountingFile(path) as f:
        answer = yield Call(
            "POST",
            UPLOAD_PATH,
            data={**fields, "format": fmt},
            files={"file": (path.name, f, "application/octet-stream")},  # type: ignore[dict-item]
            basic_auth=credentials,
            idempotent=False,
        )
        return str(answer["activity_id"]), f.counted_lines()


def status_op(activity_id: str, credentials: tuple[str, str], file_lines: int | None) -> Op[ImportStatus]:
    answer = yield Call("GET", STATUS_PATH.format(quote(activity_id, safe="")), basic_auth=credentials)
    return status_of(activity_id, answer, file_lines)


def wait_op(
    activity_id: str,
    credentials: tuple[str, str],
    file_lines: int | None,
    *,
    poll_interval: float,
    timeout: float | None,
    on_progress: ImportProgressCallback | None,
) -> Op[ImportStatus]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        st = yield from status_op(activity_id, credentials, file_lines)
        if on_progress is not None:
            on_progress(st)
        if st.failed:
            raise JobFailed(f"import {activity_id} failed", st)
        if st.done:
            return st
        if deadline is not None and time.monotonic() + poll_interval > deadline:
            raise WaitTimeout(f"import {activity_id} is still {st.status} after {timeout} s", st)
        yield Sleep(poll_interval)


_WAIT_DOC = """Poll the status every ``poll_interval`` seconds until the import ends; return the final status.

``on_progress`` is called with each status seen (the last one is the final status). Raises
``JobFailed`` if the job ends ``Failed`` and ``WaitTimeout`` after ``timeout`` seconds (the job
goes on on the server); both carry the last status as ``.status``. Keep ``poll_interval`` at
1 s or more: the status endpoint allows 60 calls a minute per key (a 429 is waited out).
"""

_UPLOAD_DOC = """Upload a profile file (JSON Lines or CSV) and return a handle on its import job.

Exactly one of ``app_id`` (a project's own attributes) or ``org_id`` (organization attributes).
``format`` defaults to ``csv`` for a ``.csv`` file and ``json`` otherwise. ``empty_cells``
(CSV): ``"delete"`` (the server's default) deletes the attribute of an empty cell, ``"ignore"``
leaves it unchanged. The file is streamed,
never read whole into memory. Authenticates with HTTP Basic: the key id and secret of the
client's token (a key with the ``upload`` scope).
"""


class ImportJob:
    """A profile import running on the server."""

    def __init__(self, run: SyncRunner, credentials: tuple[str, str], activity_id: str, file_lines: int | None):
        self._run = run
        self._credentials = credentials
        self.activity_id = activity_id
        self.file_lines = file_lines

    def status(self) -> ImportStatus:
        return self._run(status_op(self.activity_id, self._credentials, self.file_lines))

    def wait(
        self,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | None = None,
        on_progress: ImportProgressCallback | None = None,
    ) -> ImportStatus:
        return self._run(
            wait_op(
                self.activity_id,
                self._credentials,
                self.file_lines,
                poll_interval=poll_interval,
                timeout=timeout,
                on_progress=on_progress,
            )
        )

    wait.__doc__ = _WAIT_DOC


class AsyncImportJob:
    """A profile import running on the server (``await job.wait()``)."""

    def __init__(self, run: AsyncRunner, credentials: tuple[str, str], activity_id: str, file_lines: int | None):
        self._run = run
        self._credentials = credentials
        self.activity_id = activity_id
        self.file_lines = file_lines

    async def status(self) -> ImportStatus:
        return await self._run(status_op(self.activity_id, self._credentials, self.file_lines))

    async def wait(
        self,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | None = None,
        on_progress: ImportProgressCallback | None = None,
    ) -> ImportStatus:
        return await self._run(
            wait_op(
                self.activity_id,
                self._credentials,
                self.file_lines,
                poll_interval=poll_interval,
                timeout=timeout,
                on_progress=on_progress,
            )
        )

    wait.__doc__ = _WAIT_DOC


def _prepare(
    core: Core,
    path: str | os.PathLike[str],
    app_id: str | None,
    org_id: int | None,
    fmt: str | None,
    empty_cells: EmptyCells | None = None,
) -> tuple[Op[tuple[str, int | None]], tuple[str, str]]:
    file = Path(path)
    fields = target_fields(app_id, org_id)
    if empty_cells is not None:
        fields["empty_cells"] = empty_cells
    credentials = core.key_credentials()
    return upload_op(file, fields, infer_format(file, fmt), credentials), credentials


class Imports:
    def __init__(self, run: SyncRunner, core: Core) -> None:
        self._run = run
        self._core = core

    def upload_profiles(
        self,
        path: str | os.PathLike[str],
        *,
        app_id: str | None = None,
        org_id: int | None = None,
        format: Format | None = None,
        empty_cells: EmptyCells | None = None,
    ) -> ImportJob:
        op, credentials = _prepare(self._core, path, app_id, org_id, format, empty_cells)
        activity_id, lines = self._run(op)
        return ImportJob(self._run, credentials, activity_id, lines)

    def job(self, activity_id: str) -> ImportJob:
        """A handle on an import started earlier (by its ``activity_id``)."""
        return ImportJob(self._run, self._core.key_credentials(), activity_id, None)

    upload_profiles.__doc__ = _UPLOAD_DOC


class AsyncImports:
    def __init__(self, run: AsyncRunner, core: Core) -> None:
        self._run = run
        self._core = core

    async def upload_profiles(
        self,
        path: str | os.PathLike[str],
        *,
        app_id: str | None = None,
        org_id: int | None = None,
        format: Format | None = None,
        empty_cells: EmptyCells | None = None,
    ) -> AsyncImportJob:
        op, credentials = _prepare(self._core, path, app_id, org_id, format, empty_cells)
        activity_id, lines = await self._run(op)
        return AsyncImportJob(self._run, credentials, activity_id, lines)

    def job(self, activity_id: str) -> AsyncImportJob:
        """A handle on an import started earlier (by its ``activity_id``)."""
        return AsyncImportJob(self._run, self._core.key_credentials(), activity_id, None)

    upload_profiles.__doc__ = _UPLOAD_DOC


__all__ = [
    "AsyncImportJob",
    "AsyncImports",
    "ImportJob",
    "ImportProgressCallback",
    "ImportStatus",
    "Imports",
    "UploadStatistics",
]
