"""Experiences through the admin API, and the sticky versions /collect/experiences serves to the tracker."""

from __future__ import annotations

from typing import Any

from tests.conftest import Env
from tests.faces.collect.conftest import site_key
from traitbase.domain.experiences.assign import assign

BODY: dict[str, Any] = {
    "name": "Spring sale popup",
    "type": "POPUP",
    "status": "RUNNING",
    "versions": [{"name": "Original", "weight": 50}, {"name": "Bold", "weight": 50}],
    "goals": [
        {"name": "Signup", "type": "event", "match": "signup"},
        {"name": "Revenue", "type": "event", "match": "purchase", "countBy": "sum", "property": "price"},
    ],
    "form": {"fields": [{"name": "email", "label": "Email"}, {"name": "age"}]},
    "tags": ["spring", "sale"],
    "startAt": "2026-03-01T00:00:00Z",
    "member": "alice@example.com",
}


def url(env: Env, *rest: str) -> str:
    return "/".join([f"/admin/v1/projects/{env.boot.project_id}/experiences", *rest])


def create(env: Env, **changes: Any) -> dict[str, Any]:
    r = env.client.post(url(env), json={**BODY, **changes}, headers=env.admin)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def test_an_experience_is_created_read_listed_and_replaced(env: Env) -> None:
    made = create(env)
    stamps = {k: made.pop(k) for k in ("id", "createdAt", "updatedAt")}
    assert made == {
        "name": "Spring sale popup", "type": "POPUP", "status": "RUNNING", "popup": False,
        "environment": "production",
        "versions": [
            {"id": "v1", "name": "Original", "weight": 50.0, "baseline": True, "deleted": False},
            {"id": "v2", "name": "Bold", "weight": 50.0, "baseline": False, "deleted": False},
        ],
        "goals": [
            {"id": "g3", "name": "Signup", "type": "event", "match": "signup", "countBy": "users", "property": None},
            {"id": "g4", "name": "Revenue", "type": "event", "match": "purchase", "countBy": "sum",
             "property": "price"},
        ],
        "form": {"fields": [{"name": "email", "label": "Email"}, {"name": "age", "label": "age"}]},
        "tags": ["sale", "spring"],
        "createdBy": "alice@example.com", "updatedBy": "alice@example.com",
        "startAt": "2026-03-01T00:00:00+00:00", "endAt": None,
    }  # fmt: skip
    eid = stamps["id"]
    got = env.client.get(url(env, eid), headers=env.admin).json()["data"]
    assert got["versions"] == made["versions"] and got["id"] == eid
    assert [e["id"] for e in env.client.get(url(env), headers=env.admin).json()["data"]] == [eid]
    # Dropping a version keeps it, flagged deleted; a new one gets a fresh id.
    keep = {"id": "v1", "name": "Original", "weight": 30, "baseline": True}
    body = {**BODY, "member": "bob@example.com", "versions": [keep, {"name": "Calm", "weight": 70}]}
    r = env.client.put(url(env, eid), json=body, headers=env.admin)
    assert r.status_code == 200, r.text
    done = r.json()["data"]
    assert done["versions"] == [
        {"id": "v1", "name": "Original", "weight": 30.0, "baseline": True, "deleted": False},
        {"id": "v5", "name": "Calm", "weight": 70.0, "baseline": False, "deleted": False},
        {"id": "v2", "name": "Bold", "weight": 0.0, "baseline": False, "deleted": True},
    ]
    assert (done["createdBy"], done["updatedBy"]) == ("alice@example.com", "bob@example.com")
    assert env.client.delete(url(env, eid), headers=env.admin).json() == {"data": {"deleted": eid}}
    assert env.client.get(url(env, eid), headers=env.admin).status_code == 404


def test_bad_experiences_are_refused_naming_the_field(env: Env) -> None:
    two = [{"name": "A", "baseline": True}, {"name": "B", "baseline": True}]
    r = env.client.post(url(env), json={**BODY, "versions": two}, headers=env.admin)
    assert r.status_code == 400 and r.json()["errors"] == {"versions": "exactly one version is the baseline"}
    r = env.client.post(url(env), json={**BODY, "goals": [{"name": "X", "type": "event", "match": "x",
                                                            "countBy": "sum"}]}, headers=env.admin)  # fmt: skip
    assert r.status_code == 400 and r.json()["errors"] == {"goals[0].property": "must be 1 to 200 characters"}
    assert env.client.post(url(env), json={**BODY, "type": "MODAL"}, headers=env.admin).status_code == 400


def test_tracker_gets_sticky_versions_of_running_experiences(env: Env) -> None:
    running = create(env)
    create(env, name="Draft", status="DRAFT")
    versions = running["versions"]
    seen: dict[str, int] = {"v1": 0, "v2": 0}
    for i in range(400):
        visitor = f"visitor-{i}"
        r = env.client.get("/collect/experiences", params={"site": site_key(env), "visitor": visitor})
        assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
        [only] = r.json()["experiences"]
        assert only["id"] == running["id"] and only["version"] == assign(running["id"], visitor, versions)
        seen[only["version"]] += 1
    # Sticky: the same visitor, the same version; split near the 50/50 weights.
    again = env.client.get("/collect/experiences", params={"site": site_key(env), "visitor": "visitor-7"})
    assert again.json()["experiences"][0]["version"] == assign(running["id"], "visitor-7", versions)
    assert 160 <= seen["v1"] <= 240
    unknown = env.client.get("/collect/experiences", params={"site": "nope", "visitor": "v"})
    assert unknown.json() == {"experiences": []}


def test_assignment_follows_weights_and_skips_deleted_versions() -> None:
    versions = [{"id": "a", "weight": 10}, {"id": "b", "weight": 90}, {"id": "c", "weight": 50, "deleted": True}]
    counts = {"a": 0, "b": 0}
    for i in range(5000):
        got = assign("exp1", str(i), versions)
        assert got is not None
        counts[got] += 1
    assert 400 <= counts["a"] <= 600
    assert assign("exp1", "x", [{"id": "a", "weight": 0}]) is None
