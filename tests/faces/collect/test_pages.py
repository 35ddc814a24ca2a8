"""Page configuration and goals through the admin API, and what /collect/config serves from them."""

from __future__ import annotations

from typing import Any

from tests.conftest import Env
from tests.faces.collect.conftest import site_key

HERO = {"name": "Hero", "selector": "#hero"}
BAND = {"name": "Band 2", "top": 800, "bottom": 1600}
BUY = {"name": "Buy button", "selector": "#buy", "cta": True}


def put_page(env: Env, headers: dict[str, str], **body: Any) -> Any:
    return env.client.put(f"/admin/v1/projects/{env.boot.project_id}/pages", json=body, headers=headers)


def config(env: Env, url: str, device: str = "PC", *, environment: str = "production") -> dict[str, Any]:
    site = site_key(env, environment=environment)
    r = env.client.get("/collect/config", params={"site": site, "url": url, "device": device})
    assert r.status_code == 200
    data: dict[str, Any] = r.json()
    return data


def test_a_page_configuration_is_served_to_the_tracker(env: Env) -> None:
    r = put_page(env, env.admin, url="https://shop.example/lp?x=1#top", blocks=[HERO, BAND], elements=[BUY])
    assert r.status_code == 200, r.text
    page = r.json()["data"]
    assert {k: v for k, v in page.items() if k not in ("id", "updated_at")} == {
        "project_id": env.boot.project_id,
        "environment": "production",
        "url": "https://shop.example/lp?x=1",
        "match": "exact",
        "device": "PC",
        "blocks": [HERO, BAND],
        "elements": [BUY],
    }
    r = env.client.put(
        f"/admin/v1/projects/{env.boot.project_id}/goals",
        json={"name": "Signup", "type": "event", "match": "signup"},
        headers=env.admin,
    )
    assert r.json()["data"] == {"name": "Signup", "type": "event", "match": "signup", "environment": "production"}
    assert config(env, "https://shop.example/lp?x=1") == {
        "blocks": [HERO, BAND],
        "elements": [BUY],
        "goals": [{"name": "Signup", "type": "event", "match": "signup"}],
        "respect_dnt": True,
    }
    # Another device, or another query string under an exact match, has no configuration.
    assert config(env, "https://shop.example/lp?x=1", "MOBILE")["blocks"] == []
    assert config(env, "https://shop.example/lp?x=2")["blocks"] == []


def test_a_merged_configuration_covers_every_query_string(env: Env) -> None:
    assert put_page(env, env.admin, url="https://shop.example/lp", match="merged", device="MOBILE",
                    blocks=[HERO]).status_code == 200  # fmt: skip
    assert config(env, "https://shop.example/lp?utm_source=x", "Mobile")["blocks"] == [HERO]
    # An exact configuration wins over the merged one.
    assert (
        put_page(env, env.admin, url="https://shop.example/lp?a=1", device="MOBILE", blocks=[BAND]).status_code == 200
    )
    assert config(env, "https://shop.example/lp?a=1", "MOBILE")["blocks"] == [BAND]


def test_bad_configurations_are_refused(env: Env) -> None:
    cases = [
        ({"url": "ftp://x/", "blocks": []}, "url: must be an http(s) URL of at most 2048 characters"),
        ({"url": "https://x/", "blocks": [{"name": "A"}]}, "blocks[0]: needs a selector, or top and bottom in pixels"),
        (
            {"url": "https://x/", "blocks": [{"name": "A", "top": 900, "bottom": 100}]},
            "blocks[0]: needs 0 <= top < bottom",
        ),
        ({"url": "https://x/", "blocks": [HERO, HERO]}, "blocks: block names must be unique on a page"),
    ]
    for body, message in cases:
        r = put_page(env, env.admin, **body)
        assert (r.status_code, r.json()["message"]) == (400, message)


def test_a_sandbox_key_never_touches_production_configuration(env: Env) -> None:
    sandbox = {"Authorization": f"Bearer {env.key(['admin'], environment='sandbox')}"}
    r = put_page(env, sandbox, url="https://shop.example/", blocks=[HERO])
    assert (r.status_code, r.json()["message"]) == (404, "project not found")
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/pages", headers=sandbox)
    assert r.status_code == 404
    # Its own environment is fine: the sandbox site key's tracker sees it, the production one does not.
    assert put_page(env, sandbox, url="https://shop.example/", environment="sandbox", blocks=[HERO]).status_code == 200
    assert config(env, "https://shop.example/")["blocks"] == []
    assert config(env, "https://shop.example/", environment="sandbox")["blocks"] == [HERO]


def test_keys_of_another_project_or_without_admin_scope_are_refused(env: Env) -> None:
    other = env.project("shop two")
    theirs = {"Authorization": f"Bearer {env.key(['admin'], project_id=other)}"}
    assert put_page(env, theirs, url="https://shop.example/", blocks=[HERO]).status_code == 404
    upload = {"Authorization": f"Bearer {env.key(['upload'])}"}
    assert put_page(env, upload, url="https://shop.example/", blocks=[HERO]).status_code == 403
    site = {"Authorization": f"Bearer {site_key(env)}"}
    assert put_page(env, site, url="https://shop.example/", blocks=[HERO]).status_code == 401


def test_pages_and_goals_can_be_listed_and_deleted(env: Env) -> None:
    pid = env.boot.project_id
    page_id = put_page(env, env.admin, url="https://shop.example/", blocks=[HERO]).json()["data"]["id"]
    env.client.put(f"/admin/v1/projects/{pid}/goals", json={"name": "Buy", "type": "click", "match": "Buy button"},
                   headers=env.admin)  # fmt: skip
    assert [p["id"] for p in env.client.get(f"/admin/v1/projects/{pid}/pages", headers=env.admin).json()["data"]] == [
        page_id
    ]
    assert env.client.delete(f"/admin/v1/projects/{pid}/pages/{page_id}", headers=env.admin).status_code == 200
    assert env.client.delete(f"/admin/v1/projects/{pid}/pages/{page_id}", headers=env.admin).status_code == 404
    assert env.client.delete(f"/admin/v1/projects/{pid}/goals/Buy", headers=env.admin).status_code == 200
    assert env.client.get(f"/admin/v1/projects/{pid}/goals", headers=env.admin).json()["data"] == []
