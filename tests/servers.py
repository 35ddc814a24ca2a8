"""The one helper for tests that run the real server (or a worker) as a separate process.

Processes get a scrubbed environment — the developer's own ``TRAITBASE_*`` settings never reach
them; each test passes exactly the settings it means — and are stopped by their own pid.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

CLI = [sys.executable, "-m", "traitbase.cli"]
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "traitbase.app:app_from_env"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**settings: str) -> dict[str, str]:
    """The shell environment minus every ``TRAITBASE_*`` variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAITBASE_")}
    env.update(settings)
    return env


class ServerProcess:
    """A server started with ``args`` that answers ``GET /healthz`` on ``port`` (waited for at start)."""

    def __init__(
        self,
        args: list[str],
        *,
        port: int,
        env: dict[str, str],
        stdout: IO[bytes] | int = subprocess.DEVNULL,
        stderr: IO[bytes] | int = subprocess.DEVNULL,
        start_timeout: float = 60.0,
        describe_failure: Path | None = None,
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(args, env=env, stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + start_timeout
        while True:
            if self.proc.poll() is not None:
                detail = describe_failure.read_text() if describe_failure else ""
                raise AssertionError(f"server exited with {self.proc.returncode}: {detail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                detail = describe_failure.read_text() if describe_failure else ""
                raise AssertionError(f"server did not answer within {start_timeout:g}s: {detail}")
            time.sleep(0.1)

    @classmethod
    def uvicorn(cls, data_dir: Path, **settings: str) -> ServerProcess:
        """``uvicorn --factory traitbase.app:app_from_env`` on a free port, configured by ``settings``."""
        port = free_port()
        env = clean_env(TRAITBASE_DATA_DIR=str(data_dir), **settings)
        args = [*UVICORN, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        return cls(args, port=port, env=env)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush or clean up."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
