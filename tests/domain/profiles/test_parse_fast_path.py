"""The typed fast path of the attribute parser accepts and refuses exactly what the rule-by-rule path does."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from traitbase.domain.profiles.parse import AttributeLimits, _checked_rows, parse_attribute_upload
from traitbase.errors import Invalid

LIMITS = AttributeLimits(max_users=4, max_fields=4, max_field_name_length=8, max_value_length=6)

names = st.lists(
    st.one_of(st.sampled_from(["user_id", "a", "b", "", " ", "toolongname"]), st.integers(0, 3)),
    min_size=0,
    max_size=5,
)
cell = st.one_of(st.sampled_from(["", "x", "yes", "\x00", "sevench", "u1", "u2"]), st.integers(), st.none())
rows = st.lists(st.lists(cell, min_size=0, max_size=5), min_size=0, max_size=6)
bodies = st.one_of(
    st.fixed_dictionaries({"field_name": names, "values": rows}),
    st.fixed_dictionaries({"field_name": names, "values": rows, "extra": st.just(1)}),
    st.fixed_dictionaries({"values": rows}),
)


def outcome(fn: Any, body: bytes) -> Any:
    try:
        return ("ok", fn(body, LIMITS))
    except Invalid as exc:
        return ("invalid", exc.message, exc.errors)


@settings(max_examples=400, deadline=None)
@given(bodies)
def test_fast_and_checked_paths_agree(doc: dict[str, Any]) -> None:
    body = msgspec.json.encode(doc)
    assert outcome(parse_attribute_upload, body) == outcome(_checked_rows, body)


def test_fast_path_result_for_a_well_formed_body() -> None:
    body = msgspec.json.encode({"field_name": ["user_id", "a", "b"], "values": [["u1", "x", ""], ["u2", "", "yes"]]})
    assert parse_attribute_upload(body, LIMITS) == [("u1", {"a": "x"}), ("u2", {"b": "yes"})]
