"""CLI: ``pages`` and ``goals`` commands against the in-process app."""

from __future__ import annotations

from tests.cli.conftest import Invoke, parse
from tests.conftest import Env


def test_pages_set_list_delete(cli: Invoke, env: Env) -> None:
    pid = env.boot.project_id
    page = parse(
        cli(
            "pages", "set", "https://shop.example/lp", "--project", pid, "--device", "TABLET",
            "--block", "Hero=#hero", "--block", "Band 2=800-1600", "--element", "Menu=nav a", "--cta", "Buy=#buy",
            "--json",
        )
    )  # fmt: skip
    assert page["blocks"] == [{"name": "Hero", "selector": "#hero"}, {"name": "Band 2", "top": 800, "bottom": 1600}]
    assert page["elements"] == [
        {"name": "Menu", "selector": "nav a", "cta": False},
        {"name": "Buy", "selector": "#buy", "cta": True},
    ]
    assert [p["id"] for p in parse(cli("pages", "list", "--project", pid, "--json"))] == [page["id"]]
    table = cli("pages", "list", "--project", pid)
    assert table.exit_code == 0
    assert "TABLET" in table.stdout
    assert parse(cli("pages", "delete", str(page["id"]), "--project", pid, "--json")) == {"deleted": page["id"]}


def test_goals_set_list_delete(cli: Invoke, env: Env) -> None:
    pid = env.boot.project_id
    goal = parse(cli("goals", "set", "Signup", "--project", pid, "--type", "event", "--match", "signup", "--json"))
    assert goal == {"name": "Signup", "type": "event", "match": "signup", "environment": "production"}
    assert parse(cli("goals", "list", "--project", pid, "--json")) == [goal]
    assert parse(cli("goals", "delete", "Signup", "--project", pid, "--json")) == {"deleted": "Signup"}


def test_a_bad_block_is_refused_before_any_request(cli: Invoke, env: Env) -> None:
    result = cli("pages", "set", "https://x/", "--project", env.boot.project_id, "--block", "Hero")
    assert result.exit_code == 2
    assert "use NAME=SELECTOR or NAME=TOP-BOTTOM" in result.output
