"""Profile import face: the seed's example end to end, the status lifecycle, scopes and the error log."""

from __future__ import annotations

import gzip
import threading
from typing import Any

import orjson

from tests.imports.conftest import Imports
from traitbase.jobs.runner import JobRun

SEED_LINES = (
    b'{"customer_id":"abc","changes":[{"op":"assign","attr":"example1","value":"value1"}]}\n'
    b'{"customer_id":"123","changes":[{"op":"set-add","attr":"example2","value":["value1", "value2"]}]}\n'
    b'{"customer_id":"zxc","changes":[{"op":"set-remove","attr":"example3","value":["value1", "value2"]}]}\n'
    b'{"customer_id":"abc","changes":[{"op":"increment","attr":"foo","value":1}]}\n'
    b'{"customer_id":"zxc","changes":[{"op":"delete","attr":"foo"}]}\n'
)


def _stats(total: int, parsed: int, ok: int, failed: int) -> dict[str, int]:
    return {
        "successful_imports": ok,
        "parsed_imports": parsed,
        "failed_imports": failed,
        "total_number_of_imports": total,
    }


def test_seed_example_moves_pending_running_completed_and_gives_the_expected_profiles(imp: Imports) -> None:
    creds = imp.credentials()
    pid = imp.env.boot.project_id
    r = imp.upload(creds, SEED_LINES, app_id=pid)
    assert r.status_code == 202
    activity = r.json()["activity_id"]
    assert list(r.json()) == ["activity_id"]
    pending = {
        "status": "Pending",
        "error_log": None,
        "target": {"app_id": pid},
        "upload_statistics": _stats(0, 0, 0, 0),
    }
    assert imp.status(creds, activity).json() == pending

    worker = imp.worker()
    job = worker.claim()
    assert job is not None and job.id == activity
    assert imp.status(creds, activity).json() == pending | {"status": "Running"}
    worker._execute(JobRun(job, owner=worker.owner, resources=worker.res, stop=threading.Event()))
    assert imp.status(creds, activity).json() == {
        "status": "Completed",
        "error_log": None,
        "target": {"app_id": pid},
        "upload_statistics": _stats(5, 5, 5, 0),
    }
    assert imp.user("abc") == {"example1": "value1", "foo": 1}
    assert imp.user("123") == {"example2": ["value1", "value2"]}
    assert imp.user("zxc") is None


def test_org_scope_import_is_seen_by_every_project_under_their_own_values(imp: Imports) -> None:
    org_creds = imp.credentials(org_key=True)
    app_creds = imp.credentials()
    pid, org_id = imp.env.boot.project_id, imp.env.boot.org_id
    other = imp.env.project("other app")
    org_file = (
        b'{"customer_id":"u1","changes":[{"op":"assign","attr":"tier","value":"gold"},'
        b'{"op":"assign","attr":"since","value":"2024-02-29"}]}\n'
    )
    r = imp.upload(org_creds, org_file, org_id=str(org_id))
    assert r.status_code == 202
    app_file = b'{"customer_id":"u1","changes":[{"op":"assign","attr":"tier","value":"silver"}]}\n'
    assert imp.upload(app_creds, app_file, app_id=pid).status_code == 202
    assert imp.run_jobs() == 2
    assert imp.status(org_creds, r.json()["activity_id"]).json()["target"] == {"org_id": org_id}
    assert imp.user("u1") == {"tier": "silver", "since": "2024-02-29"}
    assert imp.user("u1", other) == {"tier": "gold", "since": "2024-02-29"}


def test_requests_style_upload_with_basic_auth_in_the_url_works(imp: Imports) -> None:
    # The seed's Python style: requests.post(url, data=..., files={"file": open(...)}) with
    # https://key:secret@host; the test client sends the same multipart body and Basic header.
    creds = imp.credentials()
    r = imp.env.client.post(
        "/v1/imports/profiles/upload",
        data={"app_id": imp.env.boot.project_id, "format": "json"},
        files={"file": open_bytes(SEED_LINES)},
        auth=creds,
    )
    assert r.status_code == 202
    assert imp.run_jobs() == 1
    assert imp.user("abc") == {"example1": "value1", "foo": 1}


def open_bytes(content: bytes) -> Any:
    import io

    return io.BytesIO(content)


def test_csv_file_assigns_each_non_empty_cell(imp: Imports) -> None:
    creds = imp.credentials()
    csv_file = (
        b"\xef\xbb\xbfcustomer_id,city,visits,born\r\n"
        b"c1,Paris,3,1990-05-01\r\n"
        b'c2,"Rome, Italy",,\r\n'
        b"c3,Oslo\r\n"
        b'c4,"two\nlines",007,\r\n'
    )
    r = imp.upload(creds, csv_file, fmt="csv", app_id=imp.env.boot.project_id)
    assert imp.run_jobs() == 1
    body = imp.status(creds, r.json()["activity_id"]).json()
    assert body["upload_statistics"] == _stats(4, 3, 3, 1)
    assert imp.user("c1") == {"city": "Paris", "visits": 3, "born": "1990-05-01"}
    assert imp.user("c2") == {"city": "Rome, Italy"}
    assert imp.user("c4") == {"city": "two\nlines", "visits": "007"}
    log = imp.env.client.get(body["error_log"])
    assert [orjson.loads(x) for x in log.content.splitlines()] == [
        {"line": 4, "raw": "c3,Oslo", "reason": "the row has 2 cells; the header has 4"}
    ]


BAD_FILE = b"\n".join(
    [
        b"\xef\xbb\xbf" + b'{"customer_id":"ok1","changes":[{"op":"assign","attr":"a","value":"x"}]}\r',
        b"{not json",
        b'{"changes":[{"op":"assign","attr":"a","value":"x"}]}',
        b'{"customer_id":"u","changes":[{"op":"rename","attr":"a","value":"x"}]}',
        b'{"customer_id":"ok1","changes":[{"op":"increment","attr":"a","value":1}]}',
        b'{"customer_id":"ok1","changes":[{"op":"set-add","attr":"a","value":["y"]}]}',
        b'{"customer_id":"u","changes":[{"op":"assign","attr":"a","value":"' + b"z" * 256 + b'"}]}',
        b'{"customer_id":"u","changes":[{"op":"assign","attr":"d","value":"2023-02-30"}]}',
        b"",
        b'{"customer_id":"ok2","changes":[{"op":"increment","attr":"n","value":-2},'
        b'{"op":"set-add","attr":"s","value":"v"}]}\r',
        b'{"customer_id":"ok2","changes":[{"op":"increment","attr":"n","value":5},'
        b'{"op":"increment","attr":"s","value":1}]}',
        b"",
    ]
)


def test_bad_lines_are_reported_one_by_one_and_the_rest_goes_in(imp: Imports) -> None:
    creds = imp.credentials()
    r = imp.upload(creds, BAD_FILE, app_id=imp.env.boot.project_id)
    assert imp.run_jobs() == 1
    body = imp.status(creds, r.json()["activity_id"]).json()
    assert body["status"] == "Completed"
    assert body["upload_statistics"] == _stats(10, 8, 2, 8)
    assert imp.user("ok1") == {"a": "x"}
    assert imp.user("ok2") == {"n": -2, "s": ["v"]}
    assert imp.user("u") is None
    log = imp.env.client.get(body["error_log"])
    assert log.status_code == 200
    reasons = [(e["line"], e["reason"]) for e in map(orjson.loads, log.content.splitlines())]
    assert reasons == [
        (2, "not valid JSON: JSON is malformed: object keys must be strings (byte 1)"),
        (3, "invalid line: Object missing required field `customer_id`"),
        (4, "changes[0]: unknown op 'rename'; use assign, increment, set-add, set-remove, delete"),
        (5, "changes[0]: cannot increment 'a': it holds a string"),
        (6, "changes[0]: 'a' holds a string, not a set"),
        (7, "changes[0]: value of 'a' is 256 characters; at most 255"),
        (8, "changes[0]: value of 'd' is not a real date: '2023-02-30'"),
        (11, "changes[1]: cannot increment 's': it holds a set"),
    ]
    first = orjson.loads(log.content.splitlines()[0])
    assert first == {"line": 2, "raw": "{not json", "reason": reasons[0][1]}


def test_a_gzipped_file_sent_as_json_is_read_through_gzip(imp: Imports) -> None:
    creds = imp.credentials()
    r = imp.upload(creds, gzip.compress(SEED_LINES), app_id=imp.env.boot.project_id)
    assert imp.run_jobs() == 1
    assert imp.status(creds, r.json()["activity_id"]).json()["upload_statistics"] == _stats(5, 5, 5, 0)
    assert imp.user("123") == {"example2": ["value1", "value2"]}


def test_the_error_log_link_refuses_a_forged_or_expired_signature(imp: Imports) -> None:
    creds = imp.credentials()
    r = imp.upload(creds, b"{bad\n", app_id=imp.env.boot.project_id)
    imp.run_jobs()
    url = imp.status(creds, r.json()["activity_id"]).json()["error_log"]
    assert imp.env.client.get(url).status_code == 200
    forged = url.replace("signature=", "signature=x")
    assert imp.env.client.get(forged).json() == {
        "code": 403,
        "message": "this error-log link is invalid or has expired",
    }
    expired = url.split("?")[0] + "?expires=1&signature=" + url.split("signature=")[1]
    assert imp.env.client.get(expired).status_code == 403
