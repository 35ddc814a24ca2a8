"""A gzip request body is accepted only whole: a missing trailer or bytes after the stream are refused."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import Env
from tests.faces.support import PROFILES, bearer, err, ok

BODY = json.dumps({"field_name": ["user_id", "a"], "values": [["u1", "x"]]}).encode()
GOOD = gzip.compress(BODY, mtime=0)
ACTIONS = json.dumps({"actions": [{"user_id": "u1", "action_id": "a1", "action_name": "open"}]}).encode()

CORRUPT = {
    "missing trailer": (GOOD[:-8], "the stream ends before its trailer (truncated)"),
    "half a trailer": (GOOD[:-3], "the stream ends before its trailer (truncated)"),
    "trailing garbage": (GOOD + b"garbage!", "data after the end of the stream"),
    "trailing zeros": (GOOD + b"\x00" * 16, "data after the end of the stream"),
    "a second member cut short": (
        GOOD + gzip.compress(b"x", mtime=0)[:-4],
        "the stream ends before its trailer (truncated)",
    ),
    "not gzip": (b"not gzip at all", "corrupt data"),
    "empty": (b"", "empty body"),
}


def _gzip_headers(env: Env) -> dict[str, str]:
    return bearer(env.key(["upload"])) | {"Content-Encoding": "gzip", "Content-Type": "application/json"}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_gzip_attribute_upload_is_refused_and_nothing_is_stored(env: Env, case: str) -> None:
    body, why = CORRUPT[case]
    r = env.client.post(PROFILES, content=body, headers=_gzip_headers(env))
    assert (r.status_code, r.json()) == (400, err(400, f"request body is not valid gzip: {why}"))
    user = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/u1", headers=env.admin)
    assert user.status_code == 404


@pytest.mark.parametrize("case", ["missing trailer", "trailing garbage"])
def test_corrupt_gzip_event_push_is_refused_in_the_events_envelope(env: Env, case: str) -> None:
    good = gzip.compress(ACTIONS, mtime=0)
    body = good[:-8] if case == "missing trailer" else good + b"garbage!"
    why = CORRUPT[case][1]
    r = env.client.post("/v1/actions", content=body, headers=_gzip_headers(env))
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "bad request", "errors": {"body": f"bad gzip ({why})"}},
    )


def test_whole_gzip_bodies_are_accepted_one_member_or_several(env: Env) -> None:
    headers = _gzip_headers(env)
    # Several members concatenated are one valid gzip stream (RFC 1952), e.g. from `cat a.gz b.gz`.
    half = len(BODY) // 2
    several = gzip.compress(BODY[:half], mtime=0) + gzip.compress(BODY[half:], mtime=0)
    answers = [env.client.post(PROFILES, content=body, headers=headers) for body in (GOOD, several)]
    assert [(r.status_code, r.json()) for r in answers] == [(200, ok(1, 1, 0)), (200, ok(1, 0, 1))]


def test_a_body_arriving_byte_by_byte_is_judged_the_same() -> None:
    from traitbase.errors import Invalid
    from traitbase.faces.common.body import GzipBody

    def inflate(data: bytes) -> bytes:
        gz = GzipBody(1 << 20)
        out = b"".join(gz.feed(data[i : i + 1]) for i in range(len(data)))
        gz.finish()
        return out

    assert inflate(GOOD + GOOD) == BODY + BODY
    for body, why in (CORRUPT["missing trailer"], CORRUPT["trailing garbage"]):
        with pytest.raises(Invalid) as caught:
            inflate(body)
        assert caught.value.message == f"request body is not valid gzip: {why}"
