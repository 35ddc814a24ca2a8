"""GET /tb.js: the committed script, as JavaScript, cacheable, revalidated by ETag, open to every origin."""

from __future__ import annotations

from tests.conftest import Env
from traitbase.faces.collect.tracker_route import SCRIPT_PATH


def test_serves_the_minified_script_with_cache_and_cors_headers(env: Env) -> None:
    r = env.client.get("/tb.js", params={"site": "site-key"}, headers={"Origin": "https://shop.example"})
    assert r.status_code == 200
    assert r.content == SCRIPT_PATH.read_bytes()
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["etag"].startswith('"') and len(r.headers["etag"]) == 34


def test_matching_etag_answers_304_without_a_body(env: Env) -> None:
    etag = env.client.get("/tb.js?site=k").headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        r = env.client.get("/tb.js?site=k", headers={"If-None-Match": header})
        assert (r.status_code, r.content, r.headers["etag"]) == (304, b"", etag)
        assert r.headers["access-control-allow-origin"] == "*"
    assert env.client.get("/tb.js?site=k", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_needs_no_credentials_and_works_without_a_site_key(env: Env) -> None:
    r = env.client.get("/tb.js")
    assert r.status_code == 200
    assert r.content == SCRIPT_PATH.read_bytes()
