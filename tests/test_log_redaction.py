"""A valid key sent in every spelling a client might use never reaches a log line, in any log mode."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import build_env, make_settings
from traitbase.redact import redact_path, redact_query

CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's own HTTP client, not the server


def _spellings(token: str, key_id: str, secret: str, pid: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, url, headers) for one token: query names, shapes, encodings, path and headers."""
    basic = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    enc, enc2 = quote(token, safe=""), quote(quote(token, safe=""), safe="")
    return [
        ("POST", f"/v1/user/profiles?access_token={token}", {}),
        ("POST", f"/v1/user/profiles?api-key={token}", {}),
        ("POST", f"/v1/user/profiles?auth={token}", {}),
        ("POST", f"/v1/user/profiles?password={token}", {}),
        ("POST", f"/v1/user/profiles?{token}", {}),
        ("POST", f"/v1/user/profiles?x=1;api_key={token}", {}),
        ("POST", f"/v1/user/profiles?x=1&&api_key={token}&", {}),
        ("POST", f"/v1/user/profiles?token={enc}", {}),
        ("POST", f"/v1/user/profiles?q={enc2}", {}),
        ("POST", f"/v1/user/profiles?API_KEY={token}", {}),
        ("POST", f"/v1/user/profiles?Access_Token={token}", {}),
        ("POST", f"/v1/user/profiles?ApiKey={token}", {}),
        ("POST", f"/v1/user/profiles?secret={secret}", {}),
        ("POST", f"/v1/user/profiles?k={secret}", {}),
        ("POST", f"/v1/user/profiles?{secret}", {}),
        ("POST", f"/v1/user/profiles?key_id={key_id}&s={secret}", {}),
        ("POST", f"/v1/user/profiles?next={quote('https://x.example/?api_key=' + token, safe='')}", {}),
        ("POST", f"/v1/user/profiles?{token}=1", {}),
        ("POST", f"/v1/user/profiles?creds={basic}", {}),
        ("POST", "/v1/user/profiles", {"Authorization": f"Bearer {token}"}),
        ("POST", "/v1/user/profiles", {"Authorization": f"bearer   {token}"}),
        ("GET", "/v1/imports/audiences/list/app/x", {"Authorization": f"Basic {basic}"}),
        ("POST", "/v1/imports/profiles", {"x-api-key": token}),
        ("GET", "/api/open/v1/audience", {"access-key": key_id, "timestamp": "1", "token": secret}),
        ("GET", "/api/open/v1/audience", {"Cookie": f"session={token}"}),
        ("POST", f"/v1/playfab?api_key={token}", {}),
        ("POST", f"/v1/playfab?Api_Key={enc}", {}),
        ("GET", f"/v1/imports/profiles/status/{token}", {}),
        ("GET", f"/admin/v1/projects/{pid}/users/{enc}", {}),
        ("GET", f"/admin/v1/projects/{pid}/users/{secret}/events", {}),
    ]


MODES = [
    pytest.param(level, as_json, values, id=f"{level}-{'json' if as_json else 'text'}-values_{values}")
    for level in ("INFO", "DEBUG")
    for as_json in (False, True)
    for values in (False, True)
]


@pytest.mark.parametrize(("level", "as_json", "log_values"), MODES)
def test_a_key_in_any_spelling_never_reaches_the_log(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    level: str,
    as_json: bool,
    log_values: bool,
) -> None:
    settings = make_settings(tmp_path).model_copy(
        update={"access_log": True, "log_level": level, "log_json": as_json, "log_query_values": log_values}
    )
    caplog.set_level(logging.DEBUG)
    capsys.readouterr()
    env_gen = build_env(settings)
    env = next(env_gen)
    token = env.key(["upload", "admin", "query"])
    key_id, secret = token.split("-", 1)[1].split(".", 1)
    spellings = _spellings(token, key_id, secret, env.boot.project_id)
    assert len(spellings) >= 20
    for method, url, headers in spellings:
        env.client.request(method, url, headers=headers, content=b"{}")
    env_gen.close()

    out = capsys.readouterr()
    server_records = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS))
    logged = out.out + out.err + server_records
    for needle in (secret, quote(secret, safe=""), base64.b64encode(f"{key_id}:{secret}".encode()).decode()):
        assert needle not in logged
    # The access log did write its lines (one per request), so the check above saw them.
    lines = [ln for ln in out.err.splitlines() if "request" in ln]
    assert len(lines) >= len(spellings)
    if as_json:
        paths = {json.loads(ln)["path"] for ln in lines if ln.startswith("{")}
        shown = "/v1/user/profiles?x=1&api_key=***" if log_values else "/v1/user/profiles?x=***&api_key=***"
        assert shown in paths


def test_query_values_are_masked_unless_the_setting_allows_them() -> None:
    assert redact_query("limit=10&page=2") == "limit=***&page=***"
    assert redact_query("limit=10&page=2", log_values=True) == "limit=10&page=2"
    assert redact_query("flag", log_values=True) == "flag"
    assert redact_query("flag") == "***"


def test_a_value_shaped_like_a_key_is_masked_even_when_values_are_logged() -> None:
    token = "tb-0123456789abcdef.Abcdefghij_klmnopQRSTUV-0123456789xyzabcd"
    assert redact_query(f"id=42&auth={token}", log_values=True) == "id=42&auth=***"
    assert redact_query("id=42&site=tbs_AbCdEf012345", log_values=True) == "id=42&site=***"
    assert redact_query(f"a={quote(quote(token, safe=''), safe='')}", log_values=True) == "a=***"
    assert redact_query(f"{token}", log_values=True) == "***"


def test_ids_and_uuids_in_paths_stay_readable() -> None:
    path = "/v1/imports/profiles/status/5f0c8a52-1f9e-4b8a-9a55-0d7f3c2b1a90"
    assert redact_path(path) == path
    assert redact_path("/admin/v1/projects/1a2b3c4d/users/user-42") == "/admin/v1/projects/1a2b3c4d/users/user-42"
    token = "tb-0123456789abcdef.Abcdefghij_klmnopQRSTUV-0123456789xyzabcd"
    assert redact_path(f"/v1/imports/profiles/status/{token}") == "/v1/imports/profiles/status/***"
