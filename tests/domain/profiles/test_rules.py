"""Domain rules without HTTP: the attribute parser under configured limits, principals and key issuing."""

from __future__ import annotations

import pytest

from tests.conftest import Env
from traitbase.domain.control import service as admin
from traitbase.domain.keys.principal import Principal, parse_token
from traitbase.domain.profiles.parse import AttributeLimits, parse_attribute_upload
from traitbase.domain.profiles.store import scope_of
from traitbase.errors import Forbidden, Invalid

SMALL = AttributeLimits(max_users=2, max_fields=3, max_field_name_length=7, max_value_length=4)


def test_parser_returns_changed_attributes_per_row() -> None:
    body = b'{"field_name": ["a", "user_id"], "values": [["1", "u1"], ["", "u2"]]}'
    assert parse_attribute_upload(body, SMALL) == [("u1", {"a": "1"}), ("u2", {})]


@pytest.mark.parametrize(
    ("body", "message", "where"),
    [
        (
            b'{"field_name": ["user_id"], "values": [["a"], ["b"], ["c"]]}',
            "values has 3 rows; at most 2 users per request",
            "values",
        ),
        (
            b'{"field_name": ["user_id", "a", "b", "c"], "values": [["u", "", "", ""]]}',
            "field_name has 4 names; at most 3",
            "field_name",
        ),
        (
            b'{"field_name": ["user_id", "abcdefgh"], "values": [["u", "x"]]}',
            "field_name[1] 'abcdefgh...' is 8 characters; at most 7",
            "field_name[1]",
        ),
        (
            b'{"field_name": ["user_id", "a"], "values": [["u", "xxxxx"]]}',
            "values[0][1] (a) is 5 characters; at most 4",
            "values[0][1]",
        ),
    ],
    ids=["users", "fields", "name_length", "value_length"],
)
def test_parser_enforces_configured_limits(body: bytes, message: str, where: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_attribute_upload(body, SMALL)
    assert (caught.value.message, caught.value.errors) == (message, {where: message})


def _principal(project_id: str | None, org_id: int = 1) -> Principal:
    return Principal(
        key_id="k",
        org_id=org_id,
        project_id=project_id,
        environment="production",
        scopes=frozenset({"upload"}),
        plan="free",
    )


def test_scope_of_project_and_org_keys() -> None:
    assert scope_of(_principal("0a1b2c3d")) == "app:0a1b2c3d"
    assert scope_of(_principal(None)) == "org"


def test_reach_of_project_and_org_keys() -> None:
    assert _principal("0a1b2c3d").can_reach_project("0a1b2c3d", 1)
    assert not _principal("0a1b2c3d").can_reach_project("ffffffff", 1)
    assert _principal(None).can_reach_project("ffffffff", 1)
    assert not _principal(None, org_id=1).can_reach_project("ffffffff", 2)


def test_project_admin_key_cannot_issue_org_keys(env: Env) -> None:
    p = env.app.state.ctx.verifier.verify_token(env.key(["admin"]))
    with env.app.state.ctx.db.uow() as s, pytest.raises(Forbidden) as caught:
        admin.issue_key(s, p, org_id=None, project_id=None, environment="production", name="x", scopes=["upload"])
    assert caught.value.message == "a project key cannot create organization keys"


def test_body_cannot_pick_another_org_for_a_project_key(env: Env) -> None:
    boot = env.app.state.ctx.verifier.verify_token(env.boot.admin_token)
    with env.app.state.ctx.db.uow() as s:
        other = admin.create_organization(s, boot, name="other", plan="free").id
    with env.app.state.ctx.db.uow() as s, pytest.raises(Invalid) as caught:
        admin.issue_key(
            s, boot, org_id=other, project_id=env.boot.project_id, environment="production", name="x", scopes=["upload"]
        )
    assert caught.value.errors == {"project_id": "mismatch"}


def test_issued_token_round_trips() -> None:
    assert parse_token("tb-0123456789abcdef.abcdefghijklmnopqrstuvwxyz") == (
        "0123456789abcdef",
        "abcdefghijklmnopqrstuvwxyz",
    )
    key_id, secret = parse_token("pt-opaque-vendor-key")
    assert secret == "pt-opaque-vendor-key" and key_id.startswith("x") and len(key_id) == 16
