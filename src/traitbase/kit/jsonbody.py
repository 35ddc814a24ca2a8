"""Decoding a JSON body of unknown shape with a bound on how deeply it nests.

A generic decoder recurses once per level, so a 2 KB body of 1,000 nested arrays exhausts the
interpreter's recursion limit (a 500) and deep documents cost stack on every later walk over
them. Typed decoders that forbid unknown fields need no bound: they refuse the first
unexpected level (a typed decoder that *skips* unknown fields still recurses through them).
Every untyped decode of a request body goes through ``decode_json``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from traitbase.errors import Invalid

DEFAULT_MAX_DEPTH = 64


def too_deep(max_depth: int) -> Invalid:
    return Invalid(
        f"request body is nested more than {max_depth} levels deep",
        errors={"body": f"is nested more than {max_depth} levels deep"},
    )


def depth_exceeds(doc: Any, max_depth: int) -> bool:
    """Whether any array or object sits more than ``max_depth`` levels down (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if level > max_depth:
            return True
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return False


def decode_json(body: bytes, *, max_depth: int) -> Any:
    """The decoded body; ``msgspec.DecodeError`` if it is not JSON, ``Invalid`` if it nests too deeply."""
    # A body with no more brackets than the limit cannot nest past it: skip the walk (cheap counts).
    shallow = body.count(b"[") + body.count(b"{") <= max_depth
    try:
        doc = msgspec.json.decode(body)
    except RecursionError:
        raise too_deep(max_depth) from None
    if not shallow and depth_exceeds(doc, max_depth):
        raise too_deep(max_depth)
    return doc
