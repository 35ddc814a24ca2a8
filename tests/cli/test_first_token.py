"""The first-start token is printed only once the server serves; a lost one is replaced by ``admin-key create``.

Real sockets and subprocesses, with an environment each test builds (``PATH``, ``HOME`` and the
``TRAITBASE_*`` variables it sets). Every server started here is stopped by its own pid.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.cli.test_startup_errors import CLI, one_sentence, scrubbed, serve

START_TIMEOUT = 60.0
TOKEN = re.compile(r"^Admin token: (\S+)$", re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def started(home: Path, data: Path, port: int) -> Iterator[tuple[str, str]]:
    """A running ``traitbase serve``: (its URL, its stdout up to and including the first token)."""
    out, err = home / f"serve-{port}.out", home / f"serve-{port}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(
            [*CLI, "serve", "--data-dir", str(data), "--port", str(port)],
            stdout=fo,
            stderr=fe,
            env=scrubbed(home),
            cwd=home,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not TOKEN.search(out.read_text()):
            assert proc.poll() is None, f"serve exited with {proc.returncode}: {err.read_text()}"
            assert time.monotonic() < deadline, f"no token within {START_TIMEOUT}s: {err.read_text()}"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", out.read_text()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_port_in_use_fails_before_the_first_start_and_the_next_start_prints_the_token(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve(tmp_path, "--data-dir", str(data), "--port", str(port))
    assert (done.returncode, done.stdout, one_sentence(done)) == (
        5,
        "",
        f"cannot listen on 127.0.0.1:{port}: Address already in use; choose another with --port or TRAITBASE_PORT.",
    )
    assert sorted(p.name for p in data.iterdir()) == []  # nothing bootstrapped, no token spent
    with started(tmp_path, data, free_port()) as (url, stdout):
        token = TOKEN.findall(stdout)[0]
        # Printed once serving: the server answers at once, and the token is a working admin key.
        keys = httpx.get(f"{url}/admin/v1/keys", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert keys.status_code == 200, keys.text
        assert [k["name"] for k in keys.json()["data"]] == ["bootstrap admin"]


def test_admin_key_create_mints_a_working_admin_key_from_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with started(tmp_path, data, free_port()) as (url, _):
        made = subprocess.run(
            [*CLI, "admin-key", "create", "--data-dir", str(data), "--name", "ops laptop", "--json"],
            env=scrubbed(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
        key = json.loads(made.stdout)
        assert sorted(key) == ["admin_key_id", "admin_token", "name", "org_id"]
        assert (key["org_id"], key["name"], key["admin_token"].startswith(f"tb-{key['admin_key_id']}.")) == (
            1,
            "ops laptop",
            True,
        )
        headers = {"Authorization": f"Bearer {key['admin_token']}"}
        keys = httpx.get(f"{url}/admin/v1/keys", headers=headers, timeout=10)
        assert keys.status_code == 200, keys.text
        assert sorted((k["name"], k["scopes"]) for k in keys.json()["data"]) == [
            ("bootstrap admin", ["admin", "query", "upload"]),
            ("ops laptop", ["admin", "query", "upload"]),
        ]


def test_admin_key_create_without_an_installation_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [*CLI, "admin-key", "create", "--data-dir", str(empty)],
        env=scrubbed(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stdout, one_sentence(done)) == (
        4,
        "",
        f"the data directory {empty} has no Traitbase installation yet; run `traitbase serve` or `traitbase init` "
        "first.",
    )
    assert list(empty.iterdir()) == []
