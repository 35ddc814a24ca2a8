"""Ending a helper process the product started: give it time to finish, then kill it."""

from __future__ import annotations

import subprocess


def wait_or_kill(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait up to ``timeout`` seconds for ``proc`` to exit; past that, kill it and reap it."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
