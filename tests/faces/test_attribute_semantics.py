"""Upsert, ``""`` and durability semantics of ``POST /v1/user/profiles``."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import Env
from tests.faces.support import SEED_BODY, attrs_of, bearer, ok, upload, user_answer, user_view
from traitbase.app import create_app


def test_seed_example_creates_three_users(env: Env) -> None:
    r = upload(env, env.key(["upload"]), SEED_BODY)
    assert r.status_code == 200
    assert r.json() == ok(3, 3, 0)
    r = user_view(env, "abcd456")
    assert r.json() == user_answer("abcd456", {"watch_conan": "yes", "watch_attack_on_titan": "yes"})


def test_existing_attribute_is_overwritten_and_new_one_added(env: Env) -> None:
    token = env.key(["upload"])
    upload(env, token, SEED_BODY)
    body = {"field_name": ["user_id", "watch_conan", "favourite"], "values": [["abcd123", "no", "luffy"]]}
    assert upload(env, token, body).json() == ok(1, 0, 1)
    assert attrs_of(env, "abcd123") == {"watch_conan": "no", "watch_attack_on_titan": "no", "favourite": "luffy"}
    assert attrs_of(env, "abcd789") == {"watch_conan": "no", "watch_attack_on_titan": "no"}


def test_mixed_batch_counts_created_and_updated(env: Env) -> None:
    token = env.key(["upload"])
    upload(env, token, SEED_BODY)
    body = {"field_name": ["user_id", "tier"], "values": [["abcd123", "gold"], ["new1", "free"], ["new2", "free"]]}
    assert upload(env, token, body).json() == ok(3, 2, 1)


def test_empty_string_leaves_existing_attribute_unchanged(env: Env) -> None:
    token = env.key(["upload"])
    upload(env, token, SEED_BODY)
    body = {"field_name": ["user_id", "watch_conan", "watch_attack_on_titan"], "values": [["abcd123", "", "yes"]]}
    assert upload(env, token, body).json() == ok(1, 0, 1)
    assert attrs_of(env, "abcd123") == {"watch_conan": "yes", "watch_attack_on_titan": "yes"}


def test_empty_string_gives_a_new_user_no_such_attribute(env: Env) -> None:
    body = {"field_name": ["user_id", "a", "b"], "values": [["fresh", "", "x"]]}
    assert upload(env, env.key(["upload"]), body).json() == ok(1, 1, 0)
    assert attrs_of(env, "fresh") == {"b": "x"}


def test_new_user_with_only_empty_values_exists_without_attributes(env: Env) -> None:
    body = {"field_name": ["user_id", "a"], "values": [["bare", ""]]}
    assert upload(env, env.key(["upload"]), body).json() == ok(1, 1, 0)
    assert user_view(env, "bare").json() == user_answer("bare", {})


def test_user_repeated_in_one_request_is_created_then_updated_in_row_order(env: Env) -> None:
    body = {
        "field_name": ["user_id", "a", "b"],
        "values": [["twice", "first", "kept"], ["other", "x", "y"], ["twice", "second", ""]],
    }
    assert upload(env, env.key(["upload"]), body).json() == ok(3, 2, 1)
    assert attrs_of(env, "twice") == {"a": "second", "b": "kept"}


def test_existing_user_repeated_in_one_request_counts_two_updates(env: Env) -> None:
    token = env.key(["upload"])
    upload(env, token, SEED_BODY)
    body = {"field_name": ["user_id", "watch_conan"], "values": [["abcd123", "a"], ["abcd123", "b"]]}
    assert upload(env, token, body).json() == ok(2, 0, 2)
    assert attrs_of(env, "abcd123") == {"watch_conan": "b", "watch_attack_on_titan": "no"}


def test_user_id_column_may_be_anywhere(env: Env) -> None:
    body = {"field_name": ["plan", "user_id"], "values": [["pro", "u-last"]]}
    assert upload(env, env.key(["upload"]), body).json() == ok(1, 1, 0)
    assert attrs_of(env, "u-last") == {"plan": "pro"}


def test_gzip_body_is_accepted(env: Env) -> None:
    import gzip
    import json

    raw = gzip.compress(json.dumps(SEED_BODY).encode())
    headers = bearer(env.key(["upload"])) | {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    r = env.client.post("/v1/user/profiles", content=raw, headers=headers)
    assert r.json() == ok(3, 3, 0)


def test_acknowledged_upload_is_seen_by_a_new_app_on_the_same_data_dir(env: Env) -> None:
    assert upload(env, env.key(["upload"]), SEED_BODY).json() == ok(3, 3, 0)
    # The first app is still running: nothing relies on a clean shutdown flushing data.
    second = create_app(env.settings)
    with TestClient(second) as client:
        r = client.get(f"/admin/v1/projects/{env.boot.project_id}/users/abcd789", headers=env.admin)
    assert r.json() == user_answer("abcd789", {"watch_conan": "no", "watch_attack_on_titan": "no"})
