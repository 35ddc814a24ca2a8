"""The audience-files token scheme of SPEC 9.5, checked on ``GET audience/presigned-upload-data``."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from sqlalchemy import select

from tests.conftest import Env, build_env, make_settings
from tests.faces.audience_files.conftest import TokenKey, token_key
from traitbase.storage.models import ApiKey

PATH = "/api/open/v1/audience/presigned-upload-data"
QUERY = {"area_type": 1, "file_name": "test.txt", "file_md5": "1ceada6012b007afb4b0a29984660ad0"}


def refused(message: str) -> dict[str, object]:
    return {"code": 401, "msg": message, "message": message, "data": None}


def test_token_computed_with_the_php_rule_is_accepted(env: Env, tkey: TokenKey) -> None:
    ts = int(time.time())
    # PHP: md5($apiKey . md5($timestamp)) - written out independently of the server's helper.
    token = hashlib.md5((tkey.secret + hashlib.md5(str(ts).encode()).hexdigest()).encode()).hexdigest()
    r = env.client.get(PATH, params=QUERY, headers={"access-key": tkey.key_id, "timestamp": str(ts), "token": token})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["code"], body["msg"], body["message"]) == (200, "success", "success")
    assert set(body["data"]) == {"area_type", "file_name", "file_md5", "ttl", "s3"}


def test_wrong_token_is_refused(env: Env, tkey: TokenKey) -> None:
    r = env.client.get(PATH, params=QUERY, headers=tkey.headers(token="0" * 32))
    assert (r.status_code, r.json()) == (401, refused("token does not match access-key and timestamp"))


def test_unknown_access_key_is_refused(env: Env, tkey: TokenKey) -> None:
    other = TokenKey(key_id="ffffffffffffffff", secret=tkey.secret, clock=tkey.clock)
    r = env.client.get(PATH, params=QUERY, headers=other.headers())
    assert (r.status_code, r.json()) == (401, refused("unknown access-key"))


def test_timestamp_outside_the_window_is_refused(env: Env, tkey: TokenKey) -> None:
    r = env.client.get(PATH, params=QUERY, headers=tkey.headers(timestamp=int(time.time()) - 301))
    assert (r.status_code, r.json()) == (401, refused("timestamp is outside the accepted window of ±300 seconds"))


def test_five_calls_in_one_second_with_the_same_token_all_pass(env: Env, tkey: TokenKey) -> None:
    # A real client signs each request with the current second: five calls in that second share one token.
    headers = tkey.headers()
    answers = [env.client.get(PATH, params=QUERY, headers=headers) for _ in range(5)]
    assert [(r.status_code, r.json()["code"], r.json()["msg"]) for r in answers] == [(200, 200, "success")] * 5


def test_single_use_setting_refuses_the_second_call(tmp_path: Path) -> None:
    for env in build_env(make_settings(tmp_path, token_auth_single_use=True)):
        tkey = token_key(env)
        headers = tkey.headers()
        assert env.client.get(PATH, params=QUERY, headers=headers).status_code == 200
        r = env.client.get(PATH, params=QUERY, headers=headers)
        assert (r.status_code, r.json()) == (401, refused("token already used; compute a new one with a new timestamp"))
        # A new timestamp makes a new token, which passes.
        assert env.client.get(PATH, params=QUERY, headers=tkey.headers()).status_code == 200


def test_missing_headers_are_refused(env: Env) -> None:
    r = env.client.get(PATH, params=QUERY)
    assert (r.status_code, r.json()) == (401, refused("missing access-key, timestamp or token header"))


def test_key_not_enabled_for_tokens_is_refused(env: Env) -> None:
    plain = token_key(env, token_auth=False)
    r = env.client.get(PATH, params=QUERY, headers=plain.headers())
    assert (r.status_code, r.json()) == (401, refused("this access-key is not enabled for token authentication"))


def test_token_key_secret_is_encrypted_at_rest(env: Env, tkey: TokenKey) -> None:
    with env.app.state.ctx.db.read() as s:
        stored = s.scalars(select(ApiKey).where(ApiKey.key_id == tkey.key_id)).one()
    assert stored.secret_encrypted is not None
    assert stored.secret_encrypted.startswith("v1.")
    assert tkey.secret not in stored.secret_encrypted
    listed = env.client.get("/admin/v1/keys", headers=env.admin).json()["data"]
    assert [k["token_auth"] for k in listed if k["key_id"] == tkey.key_id] == [True]


def test_key_without_upload_scope_is_forbidden(env: Env) -> None:
    q = token_key(env, scopes=["query"])
    r = env.client.get(PATH, params=QUERY, headers=q.headers())
    message = "this key lacks the 'upload' scope"
    assert (r.status_code, r.json()) == (403, {"code": 403, "msg": message, "message": message, "data": None})
