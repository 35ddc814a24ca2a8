"""Whole-request errors of the upload and status endpoints are answered at once, in the face's envelope."""

from __future__ import annotations

from tests.imports.conftest import Imports

LINE = b'{"customer_id":"a","changes":[{"op":"assign","attr":"x","value":"y"}]}\n'


def test_both_org_id_and_app_id_is_refused(imp: Imports) -> None:
    creds = imp.credentials(org_key=True)
    r = imp.upload(creds, LINE, org_id=str(imp.env.boot.org_id), app_id=imp.env.boot.project_id)
    assert (r.status_code, r.json()) == (
        400,
        {
            "code": 400,
            "message": "send exactly one of org_id and app_id",
            "errors": {"org_id": "exactly one of org_id and app_id"},
        },
    )


def test_neither_org_id_nor_app_id_is_refused(imp: Imports) -> None:
    r = imp.upload(imp.credentials(), LINE)
    assert (r.status_code, r.json()["message"]) == (400, "send exactly one of org_id and app_id")


def test_an_unknown_format_is_refused(imp: Imports) -> None:
    r = imp.upload(imp.credentials(), LINE, fmt="xml", app_id=imp.env.boot.project_id)
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "format must be csv or json", "errors": {"format": "unknown format 'xml'"}},
    )


def test_a_missing_file_is_refused(imp: Imports) -> None:
    creds = imp.credentials()
    r = imp.env.client.post(
        "/v1/imports/profiles/upload",
        data={"app_id": imp.env.boot.project_id, "format": "json"},
        files={"other": ("x", b"y")},
        headers=imp.basic(creds),
    )
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "file is required", "errors": {"file": "missing"}},
    )


def test_a_wrong_secret_is_401(imp: Imports) -> None:
    key_id, _ = imp.credentials()
    r = imp.upload((key_id, "not-the-secret-at-all"), LINE, app_id=imp.env.boot.project_id)
    assert r.status_code == 401
    assert r.json()["code"] == 401


def test_no_credentials_is_401(imp: Imports) -> None:
    r = imp.env.client.post("/v1/imports/profiles/upload", data={"format": "json"}, files={"file": ("f", LINE)})
    assert r.json() == {"code": 401, "message": "missing HTTP Basic credentials (key id and secret)"}


def test_another_app_of_the_org_is_403_for_a_project_key(imp: Imports) -> None:
    other = imp.env.project("other app")
    r = imp.upload(imp.credentials(), LINE, app_id=other)
    assert r.json() == {"code": 403, "message": "these credentials have no access to this application"}


def test_an_unknown_app_is_403_like_a_foreign_one(imp: Imports) -> None:
    r = imp.upload(imp.credentials(), LINE, app_id="ffffffff")
    assert r.json() == {"code": 403, "message": "these credentials have no access to this application"}


def test_org_scope_needs_an_organization_key_of_that_org(imp: Imports) -> None:
    project_key = imp.upload(imp.credentials(), LINE, org_id=str(imp.env.boot.org_id))
    wrong_org = imp.upload(imp.credentials(org_key=True), LINE, org_id=str(imp.env.boot.org_id + 1))
    expected = {"code": 403, "message": "these credentials have no access to this organization"}
    assert (project_key.status_code, project_key.json()) == (403, expected)
    assert (wrong_org.status_code, wrong_org.json()) == (403, expected)


def test_a_key_without_upload_scope_is_403(imp: Imports) -> None:
    r = imp.upload(imp.credentials(scopes=["query"]), LINE, app_id=imp.env.boot.project_id)
    assert r.json() == {"code": 403, "message": "this key lacks the 'upload' scope"}


def test_a_body_that_is_not_multipart_is_refused(imp: Imports) -> None:
    r = imp.env.client.post("/v1/imports/profiles/upload", content=LINE, headers=imp.basic(imp.credentials()))
    assert r.status_code == 400
    assert r.json()["message"] == "the request must be multipart/form-data"


def test_the_eleventh_upload_in_an_hour_is_429_with_retry_after(imp: Imports) -> None:
    creds = imp.credentials()
    for _ in range(10):
        assert imp.upload(creds, LINE, app_id=imp.env.boot.project_id).status_code == 202
    r = imp.upload(creds, LINE, app_id=imp.env.boot.project_id)
    assert r.status_code == 429
    assert r.json() == {"code": 429, "message": "rate limit of 10 per hour exceeded"}
    assert int(r.headers["retry-after"]) > 0


def test_status_of_another_projects_import_is_404(imp: Imports) -> None:
    other = imp.env.project("other app")
    mine = imp.credentials()
    theirs = imp.credentials(project_id=other)
    activity = imp.upload(theirs, LINE, app_id=other).json()["activity_id"]
    assert imp.status(mine, activity).json() == {"code": 404, "message": "no import with this activity id"}
    assert imp.status(theirs, activity).status_code == 200


def test_a_file_sent_before_a_bad_format_field_is_not_kept(imp: Imports) -> None:
    boundary = "tbtestboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.json"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n{LINE.decode()}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="app_id"\r\n\r\n{imp.env.boot.project_id}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nxml\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    headers = imp.basic(imp.credentials()) | {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    r = imp.env.client.post("/v1/imports/profiles/upload", content=body, headers=headers)
    assert (r.status_code, r.json()["message"]) == (400, "format must be csv or json")
    root = imp.env.app.state.ctx.blobs.root
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == []
