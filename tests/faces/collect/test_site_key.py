"""The site key is write-only and bound to its project; no other key works on /collect."""

from __future__ import annotations

import pytest

from tests.conftest import Env
from tests.faces.collect.conftest import T, batch, pageview, post, rows, site_key

OTHER_FACES = [
    ("GET", "/admin/v1/whoami"),
    ("GET", "/admin/v1/projects"),
    ("POST", "/v1/user/profiles"),
    ("POST", "/v1/actions"),
    ("GET", "/v1/imports/profiles/status/abc"),
]


@pytest.mark.parametrize(("method", "path"), OTHER_FACES)
def test_a_site_key_cannot_call_any_other_face(env: Env, method: str, path: str) -> None:
    key = site_key(env)
    for headers in ({"Authorization": f"Bearer {key}"}, {"x-api-key": key}):
        r = env.client.request(method, path, headers=headers, content=b"{}")
        assert r.status_code == 401, (path, r.text)
    r = env.client.request(method, f"{path}?api_key={key}", content=b"{}")
    assert r.status_code == 401, (path, r.text)


def test_a_site_key_reads_no_data(env: Env) -> None:
    key = site_key(env)
    pid = env.boot.project_id
    for path in (
        f"/admin/v1/projects/{pid}/users",
        f"/admin/v1/projects/{pid}/events/counts?start=2024-01-01&end=2024-12-31",
    ):
        assert env.client.get(path, headers={"Authorization": f"Bearer {key}"}).status_code == 401
    # /collect itself answers nothing about the project.
    r = post(env, batch(pageview("p1", T)), site=key)
    assert (r.status_code, r.content) == (204, b"")


def test_api_keys_do_not_work_on_collect(env: Env) -> None:
    token = env.key(["upload", "query", "admin"])
    r = post(env, batch(pageview("p1", T)), site=token)
    assert (r.status_code, r.json()) == (403, {"error": "unknown site key"})
    r = post(env, batch(pageview("p1", T)), site=None, headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json()) == (403, {"error": "unknown site key"})
    assert rows(env, "SELECT count(*) AS n FROM tracker_pageviews") == [{"n": 0}]


def test_a_site_key_of_one_project_cannot_write_into_another(env: Env) -> None:
    a, b = env.boot.project_id, env.project("shop two")
    key_a, key_b = site_key(env, a), site_key(env, b)
    # Naming B in the body while authenticating as A in the query is refused outright.
    r = post(env, batch(pageview("p1", T), site=key_b), site=key_a)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "the site key in the body differs from the one in the query string"},
    )
    # Whatever the body says otherwise, the rows land in the key's own project.
    assert post(env, batch(pageview("p1", T), project=b, environment="sandbox"), site=key_a).status_code == 204
    assert post(env, batch(pageview("q1", T), visitor="other"), site=key_b).status_code == 204
    got = rows(env, "SELECT project, environment, url FROM tracker_pageviews ORDER BY project = ? DESC", [a])
    assert got == [
        {"project": a, "environment": "production", "url": "https://shop.example/"},
        {"project": b, "environment": "production", "url": "https://shop.example/"},
    ]
    visitors = rows(
        env, "SELECT project, count(*) AS n FROM tracker_visitors GROUP BY project ORDER BY project = ? DESC", [a]
    )
    assert visitors == [{"project": a, "n": 1}, {"project": b, "n": 1}]


def test_the_sandbox_site_key_writes_the_sandbox_and_only_it(env: Env) -> None:
    """Tracker data follows its key's environment, and each environment's query keys see only their own."""
    pid = env.boot.project_id
    production, sandbox = site_key(env), site_key(env, environment="sandbox")
    assert production.startswith("tbs_") and sandbox.startswith("tbx_") and production != sandbox
    assert (
        post(env, batch(pageview("s1", T, url="https://staging.example/"), visitor="tester"), site=sandbox).status_code
        == 204
    )
    # The body cannot move a batch to the other environment: the key decides.
    assert post(env, batch(pageview("p1", T), environment="sandbox"), site=production).status_code == 204
    got = rows(env, "SELECT environment, url FROM tracker_pageviews ORDER BY environment")
    assert got == [
        {"environment": "production", "url": "https://shop.example/"},
        {"environment": "sandbox", "url": "https://staging.example/"},
    ]
    day = "2024-12-01"  # T; the query face's clock on that day, so the plan's retention allows it
    env.app.state.ctx.query_limiter.clock = lambda: T / 1000 + 3600
    for environment, url, seen in (
        ("sandbox", "https://staging.example/", 1),
        ("production", "https://staging.example/", 0),
        ("production", "https://shop.example/", 1),
        ("sandbox", "https://shop.example/", 0),
    ):
        key = env.key(["query"], environment=environment)
        body = {"queryType": "page_metrics", "profileId": pid, "url": url, "startDate": day, "endDate": day,
                "deviceType": "ALL", "metrics": ["pv"]}  # fmt: skip
        r = env.client.post("/open-api/v1/heatmap/query", json=body, headers={"x-api-key": key})
        assert (r.status_code, r.json()["data"]) == (200, {"pv": seen}), (environment, url, r.text)
    # Like the production key, the sandbox site key reaches nothing else.
    r = env.client.get("/admin/v1/projects", headers={"Authorization": f"Bearer {sandbox}"})
    assert r.status_code == 401


def test_the_admin_api_shows_both_site_keys(env: Env) -> None:
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}", headers=env.admin)
    data = r.json()["data"]
    assert (data["site_key"], data["sandbox_site_key"]) == (site_key(env), site_key(env, environment="sandbox"))
