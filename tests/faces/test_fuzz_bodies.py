"""Hypothesis strategies for every JSON body and multipart form of every face, near-valid and broken:
no answer is a 5xx, and every error is in its face's envelope.

The OpenAPI runs (test_fuzz_openapi.py) draw bodies from the documented schemas; these draw them
from what each face actually reads, including the webhook and forms the document cannot describe.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.faces.fuzz_support import (
    BOUNDARY,
    FuzzEnv,
    build_fuzz_env,
    envelope_problem,
    examples_option,
    fuzz_settings,
    multipart,
)
from traitbase.domain.events.specs import SPECS, EndpointSpec, FieldSpec
from traitbase.faces.mcp.tools import TOOLS

DEFAULT_BODY_EXAMPLES = 25

# Values a client might send where any field is expected: edges of every JSON type.
EDGE_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "\u00b2", "\u0663", "0", "-1", "1e400", "NaN", "2024-02-30 00:00:00", "9999-12-31"]),
    st.sampled_from(["2024-01-01 00:00:00", "2024-01-01", "US", "en-US", "customer_id", "a" * 300, "\x00", "%00"]),
)
EDGE_INT = st.one_of(
    st.integers(-10, 10), st.integers(), st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**40])
)
SCALAR = st.one_of(st.none(), st.booleans(), EDGE_INT, st.floats(allow_nan=False, allow_infinity=False), EDGE_TEXT)
JSON_VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELD_VALUE = st.one_of(SCALAR, SCALAR, JSON_VALUE)  # mostly flat, sometimes nested


def objects(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects over the keys a face reads (any subset), sometimes with one unknown key."""
    known = st.fixed_dictionaries({}, optional={k: FIELD_VALUE for k in keys})
    extra = st.dictionaries(st.sampled_from(["extra", "x", ""]), FIELD_VALUE, max_size=1)
    return st.builds(lambda a, b: {**a, **b}, known, extra)


@dataclass(frozen=True)
class Sent:
    content: bytes
    content_type: str
    query: dict[str, str]


def json_bodies(doc: st.SearchStrategy[Any]) -> st.SearchStrategy[Sent]:
    encoded = doc.map(lambda d: json.dumps(d).encode())
    # Sometimes cut short, or not JSON at all.
    broken = st.one_of(encoded.map(lambda b: b[: max(1, len(b) // 2)]), st.binary(max_size=40))
    return st.one_of(encoded, encoded, encoded, broken).map(lambda b: Sent(b, "application/json", {}))


LINES = st.lists(st.one_of(st.text(max_size=30), JSON_VALUE.map(json.dumps)), max_size=6).map(
    lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
)
FILE_DATA = st.one_of(LINES, st.binary(max_size=60))


def forms(fields: dict[str, st.SearchStrategy[str]], *, file_name: str = "file") -> st.SearchStrategy[Sent]:
    """Multipart forms: known fields (any subset, any order), a file part (or none), or broken framing."""
    field_parts = st.fixed_dictionaries({}, optional=fields).map(
        lambda d: [(k, None, v.encode("utf-8", "surrogatepass")) for k, v in d.items()]
    )
    file_part = st.lists(FILE_DATA.map(lambda b: (file_name, "data.txt", b)), max_size=2)
    well_formed = st.builds(
        lambda f, files, first: files + f if first else f + files, field_parts, file_part, st.booleans()
    )
    body = st.one_of(
        well_formed.map(multipart),
        well_formed.map(multipart),
        well_formed.map(multipart).map(lambda b: b[: len(b) // 2]),  # cut off mid-part
        st.binary(max_size=80).map(lambda b: f"--{BOUNDARY}\r\n".encode() + b),  # broken headers
    )
    return body.map(lambda b: Sent(b, f"multipart/form-data; boundary={BOUNDARY}", {}))


def queries(params: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Sent]:
    return st.fixed_dictionaries({}, optional=params).map(lambda q: Sent(b"", "", {k: str(v) for k, v in q.items()}))


# A plausible value per event field type; mixed with edge values so both the store path and
# every refusal get exercised.
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(min_size=1, max_size=12),
    "int": st.integers(0, 1000),
    "float": st.floats(0, 1e6),
    "timestamp": st.sampled_from(["2024-01-01 00:00:00", "2025-06-30 23:59:59"]),
    "date": st.sampled_from(["2024-01-01", "2025-06-30"]),
    "country": st.sampled_from(["US", "de", "JP"]),
    "language": st.sampled_from(["en-US", "ja"]),
    "params": st.lists(st.fixed_dictionaries({"key": st.text(max_size=5), "value": st.text(max_size=5)}), max_size=2),
}


def _field_value(f: FieldSpec) -> st.SearchStrategy[Any]:
    plausible = st.sampled_from(f.choices) if f.type == "enum" else PLAUSIBLE.get(f.type, EDGE_TEXT)
    return st.one_of(plausible, plausible, plausible, FIELD_VALUE)


def event_items(spec: EndpointSpec) -> st.SearchStrategy[Any]:
    item = st.fixed_dictionaries(
        {f.name: _field_value(f) for f in spec.fields if f.required},
        optional={f.name: _field_value(f) for f in spec.fields if not f.required},
    )
    return st.one_of(
        st.fixed_dictionaries({spec.array_key: st.lists(item, min_size=1, max_size=3)}),
        st.fixed_dictionaries({spec.array_key: st.lists(item, min_size=1, max_size=3)}),
        st.fixed_dictionaries({spec.array_key: st.lists(objects([f.name for f in spec.fields]), max_size=3)}),
        objects([spec.array_key]),
        JSON_VALUE,
    )


PLAYFAB_EVENT = st.fixed_dictionaries(
    {"EventName": st.text(min_size=1, max_size=12), "EntityId": st.text(min_size=1, max_size=12)},
    optional={
        "EventId": st.text(max_size=12),
        "Timestamp": st.sampled_from(["2024-01-01T00:00:00.1234567Z", "2024-01-01T00:00:00+02:00"]) | EDGE_TEXT,
        "EventNamespace": EDGE_TEXT,
        "CustomTags": FIELD_VALUE,
        "Level": EDGE_INT,
    },
)


PLAYFAB_KEYS = ["EventName", "EntityId", "EventId", "Timestamp", "EventNamespace", "EntityType", "CustomTags"]
ID_TEXT = st.one_of(st.integers(-1, 3).map(str), st.sampled_from([str(2**63), "\u00b2", "1,2", "", "x"]))


# MCP (JSON-RPC over streamable HTTP): real methods and tool names with arguments of any shape,
# unknown methods, missing or odd ids and versions, and batches.
MCP_TOOL_CALL = st.fixed_dictionaries(
    {"name": st.sampled_from([t.name for t in TOOLS]) | EDGE_TEXT},
    optional={"arguments": objects(["url", "startDate", "endDate", "queryType", "experienceId", "lang"]) | JSON_VALUE},
)
MCP_MESSAGE = st.fixed_dictionaries(
    {
        "jsonrpc": st.sampled_from(["2.0"]) | EDGE_TEXT,
        "method": st.sampled_from(["initialize", "tools/list", "tools/call", "ping", "notifications/initialized"])
        | EDGE_TEXT,
    },
    optional={
        "id": EDGE_INT | EDGE_TEXT | st.none(),
        "params": MCP_TOOL_CALL | objects(["protocolVersion", "capabilities", "clientInfo"]) | JSON_VALUE,
    },
)


@dataclass(frozen=True)
class Target:
    name: str
    method: str
    path: Callable[[FuzzEnv], str]
    sent: Callable[[FuzzEnv], st.SearchStrategy[Sent]]


def _const(path: str) -> Callable[[FuzzEnv], str]:
    return lambda f: path


def _own_app(f: FuzzEnv) -> st.SearchStrategy[str]:
    return st.one_of(st.just(f.project_id), EDGE_TEXT)


TARGETS: list[Target] = [
    Target(
        "attribute upload",
        "POST",
        _const("/v1/user/profiles"),
        lambda f: json_bodies(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "field_name": st.just(["user_id", "tier"]),
                        "values": st.lists(
                            st.lists(st.text(max_size=6), min_size=2, max_size=2), min_size=1, max_size=3
                        ),
                    }
                ),
                st.fixed_dictionaries(
                    {
                        "field_name": st.lists(st.sampled_from(["user_id", "a", "b", ""]) | EDGE_TEXT, max_size=4),
                        "values": st.lists(st.lists(EDGE_TEXT | FIELD_VALUE, max_size=4), max_size=4),
                    }
                ),
                objects(["field_name", "values"]),
                JSON_VALUE,
            )
        ),
    ),
    *(
        Target(
            f"push {s.path}",
            "POST",
            _const(s.path),
            lambda f, s=s: json_bodies(event_items(s)),  # type: ignore[misc]
        )
        for s in SPECS
    ),
    Target(
        "PlayFab webhook",
        "POST",
        _const("/v1/playfab"),
        lambda f: json_bodies(
            st.one_of(
                PLAYFAB_EVENT,
                st.lists(PLAYFAB_EVENT, min_size=1, max_size=3),
                objects(PLAYFAB_KEYS),
                st.lists(objects(PLAYFAB_KEYS), max_size=3),
                JSON_VALUE,
            )
        ),
    ),
    *(
        Target(f"csv {p}", "POST", _const(p), lambda f: forms({"other": EDGE_TEXT}))
        for p in ("/v1/kpis/csv", "/v1/survey-data/csv")
    ),
    Target(
        "profile import",
        "POST",
        _const("/v1/imports/profiles/upload"),
        lambda f: forms(
            {
                "org_id": st.one_of(st.just(str(f.env.boot.org_id)), EDGE_TEXT),
                "app_id": _own_app(f),
                "format": st.sampled_from(["json", "jsonl", "csv", "ndjson", ""]) | EDGE_TEXT,
            }
        ),
    ),
    Target(
        "audience list create",
        "POST",
        _const("/v1/imports/audiences/list/"),
        lambda f: forms(
            {
                "app_id": _own_app(f),
                "identifier_type": st.sampled_from(["customer_id"]) | EDGE_TEXT,
                "audience_name": EDGE_TEXT,
            }
        ),
    ),
    Target(
        "audience list replace",
        "PUT",
        lambda f: "/v1/imports/audiences/list/1",
        lambda f: forms({"app_id": _own_app(f), "identifier_type": st.sampled_from(["customer_id"]) | EDGE_TEXT}),
    ),
    Target(
        "audience file create",
        "POST",
        _const("/api/open/v1/audience"),
        lambda f: json_bodies(
            objects(["ta_name", "area_type", "platform", "data_path"])
            | st.fixed_dictionaries(
                {
                    "ta_name": EDGE_TEXT,
                    "area_type": EDGE_INT,
                    "platform": EDGE_INT,
                    "data_path": st.lists(objects(["device_type", "data_path"]), max_size=3),
                }
            )
        ),
    ),
    Target(
        "audience file update",
        "PUT",
        _const("/api/open/v1/audience"),
        lambda f: json_bodies(
            st.fixed_dictionaries(
                {"ta_id": EDGE_INT, "data_path": st.lists(objects(["device_type", "data_path"]), max_size=3)}
            )
            | objects(["ta_id", "data_path"])
        ),
    ),
    Target(
        "audience file delete",
        "DELETE",
        _const("/api/open/v1/audience"),
        lambda f: json_bodies(st.fixed_dictionaries({"ta_id": st.lists(EDGE_INT, max_size=3)}) | objects(["ta_id"])),
    ),
    Target(
        "audience file list",
        "GET",
        _const("/api/open/v1/audience"),
        lambda f: queries(
            {"ta_ids": ID_TEXT, "ta_name": EDGE_TEXT, "platform": EDGE_INT, "limit": EDGE_INT, "page": EDGE_INT}
        ),
    ),
    Target(
        "presigned upload data",
        "GET",
        _const("/api/open/v1/audience/presigned-upload-data"),
        lambda f: queries(
            {
                "area_type": st.sampled_from([1, 2]) | EDGE_INT,
                "file_name": st.sampled_from(["ids.txt", "ids.csv.gz", "ids.zip"]) | EDGE_TEXT,
                "file_md5": st.just("0" * 32) | EDGE_TEXT,
            }
        ),
    ),
    Target(
        "upload form",
        "POST",
        _const("/api/open/v1/uploads/form"),
        lambda f: forms(
            {
                "OSSAccessKeyId": st.sampled_from(["traitbase-local"]) | EDGE_TEXT,
                "key": EDGE_TEXT,
                "policy": st.sampled_from(["e30=", "not base64"]) | EDGE_TEXT,
                "signature": EDGE_TEXT,
                "success_action_status": EDGE_TEXT,
            }
        ),
    ),
    Target(
        "upload put",
        "PUT",
        lambda f: "/api/open/v1/uploads/abc",
        lambda f: queries({"expires": st.just(int(time.time()) + 600) | EDGE_INT, "signature": EDGE_TEXT}),
    ),
    Target(
        "mcp",
        "POST",
        _const("/mcp"),
        lambda f: json_bodies(st.one_of(MCP_MESSAGE, MCP_MESSAGE, st.lists(MCP_MESSAGE, max_size=3), JSON_VALUE)),
    ),
    Target("admin org", "POST", _const("/admin/v1/orgs"), lambda f: json_bodies(objects(["name", "plan"]))),
    Target(
        "admin member",
        "POST",
        lambda f: f"/admin/v1/orgs/{f.env.boot.org_id}/members",
        lambda f: json_bodies(objects(["email", "name", "role", "user_id"])),
    ),
    Target("admin project", "POST", _const("/admin/v1/projects"), lambda f: json_bodies(objects(["name", "org_id"]))),
    Target(
        "admin key",
        "POST",
        _const("/admin/v1/keys"),
        lambda f: json_bodies(
            objects(["name", "scopes", "environment", "project_id", "token_auth", "org_id"])
            | st.fixed_dictionaries(
                {
                    "name": EDGE_TEXT,
                    "scopes": st.lists(st.sampled_from(["upload", "query", "admin"]) | EDGE_TEXT, max_size=3),
                    "project_id": st.just(f.project_id) | EDGE_TEXT,
                },
                optional={"environment": st.sampled_from(["production", "sandbox"]) | EDGE_TEXT},
            )
        ),
    ),
    Target(
        "admin event counts",
        "GET",
        lambda f: f"/admin/v1/projects/{f.project_id}/events/counts",
        lambda f: queries(
            {"start": EDGE_TEXT, "end": EDGE_TEXT, "environment": st.sampled_from(["sandbox"]) | EDGE_TEXT}
        ),
    ),
]


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzEnv]:
    yield from build_fuzz_env(tmp_path_factory.mktemp("fuzz-bodies"))


def test_every_json_body_and_form_has_a_strategy() -> None:
    names = {t.name for t in TARGETS}
    assert {f"push {s.path}" for s in SPECS} <= names
    assert {"attribute upload", "PlayFab webhook", "profile import", "audience list create", "upload form"} <= names
    assert {"audience file create", "audience file update", "audience file delete", "admin key", "mcp"} <= names


def _fuzz_target(fuzz: FuzzEnv, target: Target, examples: int) -> tuple[int, set[int], list[str]]:
    """Send one target's bounded examples; returns (requests sent, statuses seen, problems found)."""
    path = target.path(fuzz)
    seen: set[int] = set()
    problems: list[str] = []
    calls = 0

    @fuzz_settings(examples)
    @given(sent=target.sent(fuzz))
    def run(sent: Sent) -> None:
        nonlocal calls
        headers, query = fuzz.auth(path)
        if sent.content_type:
            headers = {**headers, "content-type": sent.content_type}
        params = {**sent.query, **query}
        r = fuzz.client.request(target.method, path, content=sent.content or None, headers=headers, params=params)
        calls += 1
        seen.add(r.status_code)
        problem = envelope_problem(path, r.status_code, r.headers.get("content-type", ""), r.content)
        if problem:
            problems.append(f"{target.name}: {sent!r:.300}: {problem}")

    run()
    return calls, seen, problems


def test_generated_bodies_and_forms_never_get_a_5xx(fuzz: FuzzEnv, request: pytest.FixtureRequest) -> None:
    examples = examples_option(request.config, DEFAULT_BODY_EXAMPLES)
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    started, calls = time.perf_counter(), 0
    for target in TARGETS:
        sent, seen, problems = _fuzz_target(fuzz, target, examples)
        calls += sent
        statuses[target.name] = seen
        failures += problems
    print(f"body strategies: {calls} requests over {len(TARGETS)} targets in {time.perf_counter() - started:.1f} s")
    print(sorted((k, sorted(v)) for k, v in statuses.items()))
    assert failures == []
    # Every target got past authentication to its parser.
    assert [name for name, seen in statuses.items() if not seen - {401, 403}] == []
