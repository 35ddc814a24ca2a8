"""The eight ``experience/...`` operations of seed 3 on the query frame (key, scope, budget, profile, lang).

Registered on the frame's router at import (app.py imports this module before including it).
Metric labels and descriptions come from ``experience_messages/{en,zh,jp}.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from traitbase.domain.analytics import experiences as ops
from traitbase.domain.analytics import parse
from traitbase.faces.query.catalog import FILES
from traitbase.faces.query.router import OPERATIONS, Call, Operation, _route, router

_DIR = Path(__file__).with_name("experience_messages")


@cache
def _texts(lang: str) -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads((_DIR / FILES.get(lang, "en.json")).read_text(encoding="utf-8"))
    return data


def texts_for(lang: str) -> Callable[[str], tuple[str, str]]:
    def texts(metric: str) -> tuple[str, str]:
        found = _texts(lang).get(metric) or _texts("EN").get(metric) or [metric, ""]
        return found[0], found[1]

    return texts


def _op(fn: Callable[..., Any], *, dated: bool = True) -> Operation:
    def op(c: Call) -> Any:
        if not dated:
            return fn(c.reader, c.tenant, c.body)
        texts = texts_for(parse.lang_of(c.body.get("lang")))
        return fn(c.reader, c.tenant, c.body, texts=texts, today=c.today, retention=c.retention_days)

    return op


EXPERIENCE_OPERATIONS: dict[str, Operation] = {
    "/experience/list": _op(ops.list_experiences, dated=False),
    "/experience/user-properties": _op(ops.user_properties, dated=False),
    "/experience/report/overview": _op(ops.overview),
    "/experience/report/metrics": _op(ops.metrics),
    "/experience/report/insight": _op(ops.insight),
    "/experience/report/abtest/metrics": _op(ops.abtest_metrics),
    "/experience/report/abtest/insight": _op(ops.abtest_insight),
    "/experience/report/form": _op(ops.form),
}

for _path, _fn in EXPERIENCE_OPERATIONS.items():
    OPERATIONS[_path] = _fn
    router.add_api_route(_path, _route(_fn), methods=["POST"], name=f"query{_path.replace('/', '_')}")
