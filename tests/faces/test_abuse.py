"""Bounded generated traffic over the OpenAPI document of the attribute and admin faces: never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from tests.conftest import Env, build_env, make_settings
from tests.faces.support import PROFILES, bearer

EXAMPLES_PER_OPERATION = 20


@pytest.fixture
def fuzz_env(tmp_path: Path) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, admin_rate_limit="100000/minute"))


def _operations(env: Env) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    ops = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    return [op for op in ops if op.path.startswith(("/v1/user/", "/admin/"))]


def test_openapi_document_covers_both_faces(fuzz_env: Env) -> None:
    paths = {(op.method.upper(), op.path) for op in _operations(fuzz_env)}
    assert ("POST", PROFILES) in paths
    assert ("POST", "/admin/v1/keys") in paths
    assert ("GET", "/admin/v1/projects/{project_id}/users") in paths


def test_generated_requests_never_get_a_5xx(fuzz_env: Env) -> None:
    failures: list[str] = []
    seen: set[int] = set()
    for op in _operations(fuzz_env):
        # No shrinking: the run stays bounded, and a failure is reported with its request as found.
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy())
        def run(case: schemathesis.Case) -> None:
            r = case.call(headers=fuzz_env.admin)
            seen.add(r.status_code)
            if r.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {r.status_code}: {r.text[:200]}")

        run()
    assert failures == []
    # The run reached the handlers, not only the auth and validation layers.
    assert {200, 201, 400, 404} <= seen, seen


@pytest.fixture(scope="module")
def shared_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    # One app for all examples: hypothesis does not mix with function-scoped fixtures.
    yield from build_env(make_settings(tmp_path_factory.mktemp("fuzz")))


JSON_ISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.sampled_from(["field_name", "values", "x"]), inner, max_size=3)
    ),
    max_leaves=30,
)
ROWS = st.lists(st.lists(st.text(max_size=5), min_size=0, max_size=4), max_size=5)
NEAR_VALID = st.fixed_dictionaries(
    {"field_name": st.lists(st.sampled_from(["user_id", "a", "b", ""]), max_size=4), "values": ROWS}
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=JSON_ISH | NEAR_VALID)
def test_random_json_bodies_get_a_400_or_200_never_a_5xx(shared_env: Env, body: object) -> None:
    r = shared_env.client.post(PROFILES, json=body, headers=bearer(shared_env.boot.admin_token))
    assert r.status_code in (200, 400), r.text
    assert set(r.json()) == ({"code", "message", "data"} if r.status_code == 200 else {"code", "message"})
