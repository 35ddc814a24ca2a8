"""Who may upload attributes, unknown paths, and body caps — each answered in the face's envelope."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.support import PROFILES, SEED_BODY, bearer, err, ok, upload

BODY = {"field_name": ["user_id", "a"], "values": [["u1", "x"]]}
MISSING = "missing or malformed Authorization: Bearer header"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Token abc"}, {"Authorization": "Bearer "}, {"Authorization": "Basic dTpw"}],
    ids=["no_header", "other_scheme", "empty_bearer", "basic_instead_of_bearer"],
)
def test_missing_or_malformed_authorization_is_401(env: Env, headers: dict[str, str]) -> None:
    r = env.client.post(PROFILES, json=BODY, headers=headers)
    assert r.status_code == 401
    assert r.json() == err(401, MISSING)


def test_wrong_secret_is_401(env: Env) -> None:
    token = env.key(["upload"])
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    r = env.client.post(PROFILES, json=BODY, headers=bearer(wrong))
    assert r.status_code == 401
    assert r.json() == err(401, "invalid API key")


def test_unknown_key_is_401(env: Env) -> None:
    r = env.client.post(PROFILES, json=BODY, headers=bearer("tb-0123456789abcdef.not-a-real-secret-at-all"))
    assert r.status_code == 401
    assert r.json() == err(401, "invalid API key")


def test_opaque_unknown_token_is_401(env: Env) -> None:
    r = env.client.post(PROFILES, json=BODY, headers=bearer("pt-whatever"))
    assert r.status_code == 401
    assert r.json() == err(401, "invalid API key")


def test_revoked_key_is_refused_at_once(env: Env) -> None:
    token = env.key(["upload"])
    assert upload(env, token, BODY).json() == ok(1, 1, 0)  # now cached by the verifier
    key_id = token.split("-", 1)[1].split(".", 1)[0]
    assert env.client.post(f"/admin/v1/keys/{key_id}/revoke", headers=env.admin).status_code == 200
    r = upload(env, token, BODY)
    assert r.status_code == 401
    assert r.json() == err(401, "invalid API key")


@pytest.mark.parametrize("scopes", [["query"], ["admin"], ["query", "admin"]])
def test_key_without_upload_scope_is_403(env: Env, scopes: list[str]) -> None:
    r = upload(env, env.key(scopes), BODY)
    assert r.status_code == 403
    assert r.json() == err(403, "this key lacks the 'upload' scope")


def test_unknown_path_under_the_face_is_404_in_its_envelope(env: Env) -> None:
    r = env.client.post("/v1/user/profile", json=BODY, headers=bearer(env.key(["upload"])))
    assert r.status_code == 404
    assert r.json() == err(404, "not found")


def test_wrong_method_is_405_in_the_face_envelope(env: Env) -> None:
    r = env.client.get(PROFILES, headers=bearer(env.key(["upload"])))
    assert r.status_code == 405
    assert r.json() == err(405, "method not allowed")


CAP = 1000


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, attributes_max_body_bytes=CAP))


def test_body_over_cap_by_content_length_is_413(capped: Env) -> None:
    headers = bearer(capped.key(["upload"])) | {"Content-Type": "application/json"}
    r = capped.client.post(PROFILES, content=b" " * (CAP + 1), headers=headers)
    assert r.status_code == 413
    assert r.json() == err(413, f"request body of {CAP + 1} bytes is over the limit of {CAP} bytes")


def test_body_over_cap_is_refused_before_auth(capped: Env) -> None:
    r = capped.client.post(PROFILES, content=b" " * (CAP + 1), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json() == err(413, f"request body of {CAP + 1} bytes is over the limit of {CAP} bytes")


def test_streamed_body_over_cap_is_413(capped: Env) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b" " * 300

    headers = bearer(capped.key(["upload"])) | {"Content-Type": "application/json"}
    r = capped.client.post(PROFILES, content=chunks(), headers=headers)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert r.status_code == 413
    assert r.json() == err(413, f"request body is over the limit of {CAP} bytes")


def test_gzip_body_over_cap_once_decompressed_is_413(capped: Env) -> None:
    body = {"field_name": ["user_id", "a"], "values": [["u1", "x" * 100]] * 20}
    raw = gzip.compress(json.dumps(body).encode())
    assert len(raw) < CAP < len(json.dumps(body))
    headers = bearer(capped.key(["upload"])) | {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    r = capped.client.post(PROFILES, content=raw, headers=headers)
    assert r.status_code == 413
    assert r.json() == err(413, f"request body is over the limit of {CAP} bytes")


def test_body_just_under_cap_is_accepted(capped: Env) -> None:
    raw = json.dumps(SEED_BODY).encode()
    raw += b" " * (CAP - len(raw))
    headers = bearer(capped.key(["upload"])) | {"Content-Type": "application/json"}
    r = capped.client.post(PROFILES, content=raw, headers=headers)
    assert r.json() == ok(3, 3, 0)


def test_unsupported_content_encoding_is_400(env: Env) -> None:
    headers = bearer(env.key(["upload"])) | {"Content-Encoding": "br", "Content-Type": "application/json"}
    r = env.client.post(PROFILES, content=json.dumps(BODY).encode(), headers=headers)
    assert r.status_code == 400
    assert r.json() == err(400, "unsupported content-encoding 'br'")


def test_broken_gzip_is_400(env: Env) -> None:
    headers = bearer(env.key(["upload"])) | {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    r = env.client.post(PROFILES, content=b"not gzip at all", headers=headers)
    assert r.status_code == 400
    assert r.json() == err(400, "request body is not valid gzip: corrupt data")
