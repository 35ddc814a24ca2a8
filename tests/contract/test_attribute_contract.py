"""Wire contract of the attribute face (seed 000): the seed's example, and the shape of every error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.support import PROFILES, SEED_BODY, bearer

# The request exactly as the seed's curl example sends it.
SEED_RAW = (
    b'{"field_name": ["user_id", "watch_conan", "watch_attack_on_titan"], '
    b'"values": [["abcd123", "yes", "no"], ["abcd456", "yes", "yes"], ["abcd789", "no", "no"]]}'
)


@pytest.fixture
def contract_env(tmp_path: Path) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, attributes_rate_limit="2/minute", attributes_max_body_bytes=4096))


def test_seed_example_answer_shape(contract_env: Env) -> None:
    headers = bearer(contract_env.key(["upload"])) | {"Content-Type": "application/json"}
    r = contract_env.client.post(PROFILES, content=SEED_RAW, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"code", "message", "data"}
    assert type(body["code"]) is int and body["code"] == 200
    assert type(body["message"]) is str and body["message"] == "OK"
    assert set(body["data"]) == {"received", "created", "updated"}
    assert all(type(v) is int for v in body["data"].values())
    assert body["data"] == {"received": 3, "created": 3, "updated": 0}


def _error_requests(env: Env) -> list[tuple[str, int, Callable[[], httpx.Response]]]:
    c = env.client

    def up() -> dict[str, str]:
        return bearer(env.key(["upload"]))  # a fresh key each time: the rate limit is per key

    def rate_limited() -> httpx.Response:
        headers = up()
        for _ in range(2):
            c.post(PROFILES, json=SEED_BODY, headers=headers)
        return c.post(PROFILES, json=SEED_BODY, headers=headers)

    unknown = bearer("tb-0000000000000000.nopenopenopenope")
    return [
        ("rule_violation", 400, lambda: c.post(PROFILES, json={"field_name": ["a"], "values": [["x"]]}, headers=up())),
        ("invalid_json", 400, lambda: c.post(PROFILES, content=b"{", headers=up())),
        ("empty_body", 400, lambda: c.post(PROFILES, content=b"", headers=up())),
        ("no_key", 401, lambda: c.post(PROFILES, json=SEED_BODY)),
        ("bad_key", 401, lambda: c.post(PROFILES, json=SEED_BODY, headers=unknown)),
        ("no_upload_scope", 403, lambda: c.post(PROFILES, json=SEED_BODY, headers=bearer(env.key(["query"])))),
        ("unknown_path", 404, lambda: c.post("/v1/user/unknown", json=SEED_BODY, headers=up())),
        ("wrong_method", 405, lambda: c.delete(PROFILES, headers=up())),
        ("too_large", 413, lambda: c.post(PROFILES, content=b" " * 5000, headers=up())),
        ("too_large_chunked", 413, lambda: c.post(PROFILES, content=iter([b" " * 3000] * 2), headers=up())),
        ("rate_limited", 429, rate_limited),
    ]


ERROR_CASES = [
    "rule_violation",
    "invalid_json",
    "empty_body",
    "no_key",
    "bad_key",
    "no_upload_scope",
    "unknown_path",
    "wrong_method",
    "too_large",
    "too_large_chunked",
    "rate_limited",
]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_every_error_is_code_and_message_with_code_equal_to_status(contract_env: Env, case: str) -> None:
    requests = {name: (status, send) for name, status, send in _error_requests(contract_env)}
    assert sorted(requests) == sorted(ERROR_CASES)
    status, send = requests[case]
    r = send()
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"code", "message"}
    assert type(body["code"]) is int and body["code"] == r.status_code
    assert type(body["message"]) is str and body["message"]


def test_rate_limited_answer_carries_retry_after(contract_env: Env) -> None:
    headers = bearer(contract_env.key(["upload"]))
    for _ in range(2):
        contract_env.client.post(PROFILES, json=SEED_BODY, headers=headers)
    r = contract_env.client.post(PROFILES, json=SEED_BODY, headers=headers)
    assert r.status_code == 429
    assert r.headers["Retry-After"].isdigit() and 1 <= int(r.headers["Retry-After"]) <= 60
