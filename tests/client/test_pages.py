"""SDK: page configurations and goals against the real app in-process."""

from __future__ import annotations

from traitbase.client import Client


def test_pages_and_goals_round_trip(admin: Client, env_project: str) -> None:
    page = admin.pages.set_page(
        env_project,
        "https://shop.example/lp?b=2",
        device="MOBILE",
        match="merged",
        blocks=[{"name": "Hero", "selector": "#hero"}, {"name": "Band", "top": 0, "bottom": 900}],
        elements=[{"name": "Buy", "selector": "#buy", "cta": True}],
    )
    assert (page["url"], page["match"], page["device"]) == ("https://shop.example/lp", "merged", "MOBILE")
    assert [p["id"] for p in admin.pages.list_pages(env_project)] == [page["id"]]
    goal = admin.pages.set_goal(env_project, "Signup", type="url", match="/thanks")
    assert goal == {"name": "Signup", "type": "url", "match": "/thanks", "environment": "production"}
    assert admin.pages.list_goals(env_project) == [goal]
    admin.pages.delete_goal(env_project, "Signup")
    admin.pages.delete_page(env_project, page["id"])
    assert admin.pages.list_pages(env_project) == []
    assert admin.pages.list_goals(env_project) == []
