"""A profile-import line nested past the recursion limit is one failed line, not a crashed job."""

from __future__ import annotations

import orjson

from tests.imports.conftest import Imports

DEEP = b"[" * 1000 + b"]" * 1000


def test_a_deeply_nested_line_fails_alone_and_the_rest_goes_in(imp: Imports) -> None:
    lines = [
        b'{"customer_id": "ok1", "changes": [{"op": "assign", "attr": "a", "value": "x"}]}',
        b'{"customer_id": "deep1", "changes": [{"op": "assign", "attr": "a", "value": ' + DEEP + b"}]}",
        b'{"customer_id": "deep2", "extra": ' + DEEP + b', "changes": []}',
        b'{"customer_id": "ok2", "changes": [{"op": "assign", "attr": "b", "value": "y"}]}',
    ]
    creds = imp.credentials()
    r = imp.upload(creds, b"\n".join(lines) + b"\n", app_id=imp.env.boot.project_id)
    assert r.status_code == 202, r.text
    assert imp.run_jobs() == 1
    body = imp.status(creds, r.json()["activity_id"]).json()
    assert body["status"] == "Completed"
    assert (imp.user("ok1"), imp.user("ok2"), imp.user("deep1"), imp.user("deep2")) == (
        {"a": "x"},
        {"b": "y"},
        None,
        None,
    )
    log = imp.env.client.get(body["error_log"])
    reasons = [(e["line"], e["reason"]) for e in map(orjson.loads, log.content.splitlines())]
    assert reasons == [(2, "not valid JSON: nested too deeply"), (3, "not valid JSON: nested too deeply")]
