"""Bounded schemathesis runs over every operation of the OpenAPI document, each face authenticated
in its own style: no answer is a 5xx, and every error is in its face's envelope."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from schemathesis.python import asgi

from tests.faces.fuzz_support import (
    SEED_USER,
    FuzzEnv,
    build_fuzz_env,
    envelope_problem,
    examples_option,
    fuzz_settings,
)

# The seeded objects (see fuzz_support._seed): the first audience list has id 1.
REAL_IDS: dict[str, object] = {"audience_id": 1, "audience_list_id": 1, "user_id": SEED_USER, "member_id": SEED_USER}


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzEnv]:
    yield from build_fuzz_env(tmp_path_factory.mktemp("fuzz-openapi"))


def _operations(fuzz: FuzzEnv) -> list[schemathesis.APIOperation]:
    # Loaded from the document rather than with from_asgi: that starts the app's lifespan, and
    # schemathesis's pytest plugin ends it after the test, closing the stores of this module's app.
    schema = schemathesis.openapi.from_dict(fuzz.client.get("/openapi.json").json())
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), results
    ops = [r.ok() for r in results if isinstance(r, Ok)]
    # Operations that remove the seeded objects go last, so the others can reach them first.
    return sorted(ops, key=lambda op: op.method.upper() == "DELETE" or op.path.endswith(("/revoke", "/wipe")))


def test_the_openapi_document_covers_every_face(fuzz: FuzzEnv) -> None:
    prefixes = {"/v1/user/", "/admin/", "/api/open/v1/", "/v1/imports/audiences/", "/v1/actions", "/v1/playfab"}
    prefixes |= {"/v1/imports/profiles/", "/v1/kpis/"}
    paths = [op.path for op in _operations(fuzz)]
    assert {p for p in prefixes if any(path.startswith(p) for path in paths)} == prefixes
    assert len(paths) >= 50


def _fuzz_operation(
    fuzz: FuzzEnv, session: asgi.ASGIClient, op: schemathesis.APIOperation, examples: int
) -> tuple[list[int], list[str]]:
    """Run one operation's bounded examples; returns the status of each call and the problems found."""
    seen: list[int] = []
    problems: list[str] = []

    @fuzz_settings(examples)
    @given(case=op.as_strategy(), real_project=st.booleans())
    def run(case: schemathesis.Case, real_project: bool) -> None:
        # Half the cases name the tenant's own objects, so they get past the 404 to the handler.
        if real_project and case.path_parameters:
            real = {**REAL_IDS, "project_id": fuzz.project_id, "app_id": fuzz.project_id}
            case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
        headers, query = fuzz.auth(op.path)
        if query:
            case.query = {**(case.query or {}), **query}
        r = case.call(headers=headers, session=session)
        seen.append(r.status_code)
        ctype = r.headers.get("content-type") or [""]
        problem = envelope_problem(op.path, r.status_code, ctype[0] if isinstance(ctype, list) else ctype, r.content)
        if problem:
            problems.append(f"{case.method} {case.formatted_path} {case.query}: {problem}")

    run()
    return seen, problems


def test_generated_requests_to_every_operation_never_get_a_5xx(fuzz: FuzzEnv, request: pytest.FixtureRequest) -> None:
    examples = examples_option(request.config)
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    started, calls = time.perf_counter(), 0
    session = asgi.get_client(fuzz.env.app)  # never entered: the app's lifespan stays the fixture's
    for op in _operations(fuzz):
        seen, problems = _fuzz_operation(fuzz, session, op, examples)
        statuses[f"{op.method.upper()} {op.path}"] = set(seen)
        calls += len(seen)
        failures += problems
    took = time.perf_counter() - started
    print(f"schemathesis: {calls} requests over {len(statuses)} operations in {took:.1f} s")
    print(sorted((k, sorted(v)) for k, v in statuses.items()))
    assert failures == []
    # Every face's credentials were accepted (operations whose credential is a signed URL or
    # another tenant's app id answer 403 to generated values, never 401).
    assert sorted(k for k, v in statuses.items() if v == {401}) == []
