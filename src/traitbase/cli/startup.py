"""Starting up: what is checked before anything is written, and how a failed start is reported.

A newcomer's first start used to end in a traceback of hundreds of lines for a read-only data
directory, a data directory that is a file, a bad ``TRAITBASE_PORT`` or log level. Now each
cause is found before the first-start bootstrap and ends in one sentence that names it and the
path or setting, with a documented exit status (``docs/cli.md``). ``--debug`` (or
``TRAITBASE_DEBUG=1``) adds the traceback.
"""

from __future__ import annotations

import socket
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path

import typer
from pydantic import ValidationError

from traitbase.cli import output
from traitbase.config import Settings
from traitbase.errors import DomainError
from traitbase.tools.settings_doc import env_var


class ExitCode(IntEnum):
    """The exit statuses of ``traitbase`` (documented in docs/cli.md; 2 is the command line's own)."""

    OK = 0
    FAILED = 1  # anything else; --debug shows the traceback
    USAGE = 2  # a bad option or argument on the command line
    SETTING = 3  # a setting (TRAITBASE_* or its option) has a value that cannot be used
    DATA_DIR = 4  # the data directory (or a path beside it) cannot be created, read or written
    ADDRESS = 5  # the server cannot listen on host:port (in use, not allowed, unknown host)
    DATA_DIR_IN_USE = 6  # embedded mode: another server already serves this data directory


class StartupError(Exception):
    """A start that cannot go on: ``sentence`` says why, naming the path or setting."""

    def __init__(self, code: ExitCode, sentence: str) -> None:
        super().__init__(sentence)
        self.code = code
        self.sentence = sentence


def _invalid_settings(exc: ValidationError) -> StartupError:
    parts = []
    for e in exc.errors():
        name = str(e["loc"][0]) if e["loc"] else "?"
        msg = str(e["msg"]).removeprefix("Value error, ")
        parts.append(f"the setting {name} ({env_var(name)}) is invalid: {msg} (got {e.get('input')!r})")
    return StartupError(ExitCode.SETTING, "; ".join(parts) + ".")


def _os_error(exc: BaseException, doing: str) -> StartupError:
    assert isinstance(exc, OSError)
    where = f" ({exc.filename})" if exc.filename else ""
    return StartupError(ExitCode.FAILED, f"{doing}: {exc.strerror or exc}{where}.")


def _domain_error(exc: BaseException, doing: str) -> StartupError:
    assert isinstance(exc, DomainError)
    return StartupError(ExitCode.FAILED, f"{doing}: {exc.message}.")


def _unexpected(exc: BaseException, doing: str) -> StartupError:
    text = str(exc).splitlines()[0] if str(exc) else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return StartupError(ExitCode.FAILED, f"{doing}: {detail} (run with --debug for the traceback).")


# How each kind of failure is told; the first matching type in this order wins.
EXPLAIN: list[tuple[type[BaseException], Callable[[BaseException, str], StartupError]]] = [
    (StartupError, lambda e, _: e if isinstance(e, StartupError) else _unexpected(e, _)),
    (ValidationError, lambda e, _: _invalid_settings(e) if isinstance(e, ValidationError) else _unexpected(e, _)),
    (DomainError, _domain_error),
    (OSError, _os_error),
]


def explain(exc: BaseException, *, doing: str = "Traitbase could not start") -> StartupError:
    for kind, tell in EXPLAIN:
        if isinstance(exc, kind):
            return tell(exc, doing)
    return _unexpected(exc, doing)


@contextmanager
def guarded(*, debug: bool, doing: str = "Traitbase could not start") -> Iterator[None]:
    """Turn any failure into one sentence on stderr and its exit status; the traceback only with ``debug``.

    ``doing`` opens the sentence of a failure no check foresaw (e.g. "Traitbase could not start").
    """
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        told = explain(exc, doing=doing)
        output.failure(told.sentence, trace=traceback.format_exc() if debug else None)
        raise typer.Exit(int(told.code)) from None


def load_settings(make: Callable[[], Settings]) -> Settings:
    try:
        return make()
    except ValidationError as exc:
        raise _invalid_settings(exc) from exc


def check_installation(settings: Settings) -> None:
    """For commands on an existing installation: the data directory must already be one."""
    d = settings.data_dir.absolute()
    if not d.is_dir():
        what = "is a file, not a directory" if d.exists() else "does not exist"
        raise StartupError(
            ExitCode.DATA_DIR, f"the data directory {d} {what}; pass --data-dir or {env_var('data_dir')}."
        )
    check_data_dir(settings)
    if settings.database_url is None and not (d / "traitbase.db").exists():
        raise StartupError(
            ExitCode.DATA_DIR,
            f"the data directory {d} has no Traitbase installation yet; "
            "run `traitbase serve` or `traitbase init` first.",
        )


def check_data_dir(settings: Settings) -> None:
    """The data directory exists (or can be made), is a directory and can be written, before anything else."""
    d = settings.data_dir.absolute()
    hint = f"choose another with --data-dir or {env_var('data_dir')}"
    if d.exists() and not d.is_dir():
        raise StartupError(ExitCode.DATA_DIR, f"the data directory {d} is a file, not a directory; {hint}.")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise StartupError(ExitCode.DATA_DIR, f"the data directory {d} cannot be created ({why}); {hint}.") from None
    try:
        with tempfile.NamedTemporaryFile(dir=d, prefix=".tb-write-check-"):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise StartupError(
            ExitCode.DATA_DIR, f"the data directory {d} is not writable ({why}); fix its permissions or {hint}."
        ) from None
    for name in ("blob_dir", "warehouse_temp_dir"):
        extra: Path | None = getattr(settings, name)
        if extra is not None and extra.exists() and not extra.is_dir():
            raise StartupError(ExitCode.DATA_DIR, f"{extra} ({name}, {env_var(name)}) is a file, not a directory.")


def listen_socket(host: str, port: int) -> socket.socket:
    """Bind ``host:port`` now, so a port in use is known before the first start prints its token."""
    hint = f"choose another with --port or {env_var('port')}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(
            ExitCode.ADDRESS,
            f"cannot listen on {host}:{port}: unknown host ({exc.strerror}); check --host or {env_var('host')}.",
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    # As uvicorn does: a port left in TIME_WAIT by the previous run can be bound again at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        why = exc.strerror or str(exc)
        raise StartupError(ExitCode.ADDRESS, f"cannot listen on {host}:{port}: {why}; {hint}.") from None
    sock.set_inheritable(True)
    return sock
