"""The shape of an experience and the checks of what an admin sends: types, statuses, versions, goals, form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from traitbase.errors import Invalid

TYPES = ("POPUP", "STICKY_BAR", "INLINE", "ADVANCED", "REDIRECT")
STATUSES = ("DRAFT", "RUNNING", "PAUSE", "SCHEDULED")
GOAL_TYPES = ("event", "url", "click")
# How a goal is counted: by users reaching it, or by the sum / average of a numeric event property.
COUNT_BY = ("users", "sum", "average")
MAX_NAME = 200
MAX_VERSIONS = 20
MAX_GOALS = 20
MAX_FIELDS = 50
MAX_TAGS = 50
# Types that show something a visitor can click away: they report clicks and closes (seed 3.9).
POPUP_TYPES = frozenset({"POPUP", "STICKY_BAR", "REDIRECT"})


def bad(field: str, reason: str) -> Invalid:
    return Invalid(f"{field}: {reason}", errors={field: reason})


def name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME or "\x00" in value:
        raise bad(field, f"must be 1 to {MAX_NAME} characters")
    return value.strip()


def choice(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise bad(field, "must be one of " + ", ".join(allowed))
    return str(value)


def check_versions(raw: list[dict[str, Any]], kept: list[dict[str, Any]], seq: int) -> tuple[list[dict[str, Any]], int]:
    """Live versions as sent plus the deleted ones kept (flagged); new versions get fresh ids ``v<n>``.

    A version already stored keeps its id; one no longer sent is kept with ``deleted: true`` so its
    A/B data stays reportable (``showDeletedVersions``). Exactly one live version is the baseline.
    """
    if not raw or len(raw) > MAX_VERSIONS:
        raise bad("versions", f"needs 1 to {MAX_VERSIONS} versions")
    known = {v["id"]: v for v in kept}
    out: list[dict[str, Any]] = []
    for i, v in enumerate(raw):
        weight = v.get("weight", 1)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise bad(f"versions[{i}].weight", "must be a number >= 0")
        vid = v.get("id")
        if vid is None:
            vid, seq = f"v{seq}", seq + 1
        elif vid not in known or known[vid].get("deleted"):
            raise bad(f"versions[{i}].id", "unknown version (omit id for a new one)")
        out.append({"id": vid, "name": name(v.get("name"), f"versions[{i}].name"), "weight": float(weight),
                    "baseline": bool(v.get("baseline", False)), "deleted": False})  # fmt: skip
    if sum(v["weight"] for v in out) <= 0:
        raise bad("versions", "the traffic weights must not all be zero")
    baselines = [v for v in out if v["baseline"]]
    if len(baselines) > 1:
        raise bad("versions", "exactly one version is the baseline")
    if not baselines:
        out[0]["baseline"] = True
    sent = {v["id"] for v in out}
    gone = [{**v, "deleted": True, "baseline": False, "weight": 0.0} for v in kept if v["id"] not in sent]
    return out + gone, seq


def check_goals(raw: list[dict[str, Any]], kept: list[dict[str, Any]], seq: int) -> tuple[list[dict[str, Any]], int]:
    if len(raw) > MAX_GOALS:
        raise bad("goals", f"at most {MAX_GOALS} goals")
    known = {g["id"] for g in kept}
    out: list[dict[str, Any]] = []
    for i, g in enumerate(raw):
        gid = g.get("id")
        if gid is None:
            gid, seq = f"g{seq}", seq + 1
        elif gid not in known:
            raise bad(f"goals[{i}].id", "unknown goal (omit id for a new one)")
        count_by = choice(g.get("countBy", "users"), f"goals[{i}].countBy", COUNT_BY)
        prop = g.get("property")
        if count_by != "users":
            prop = name(prop, f"goals[{i}].property")
        match = g.get("match")
        if not isinstance(match, str) or not match.strip() or len(match) > 1024:
            raise bad(f"goals[{i}].match", "must be 1 to 1024 characters")
        out.append({"id": gid, "name": name(g.get("name"), f"goals[{i}].name"),
                    "type": choice(g.get("type"), f"goals[{i}].type", GOAL_TYPES), "match": match.strip(),
                    "countBy": count_by, "property": prop if count_by != "users" else None})  # fmt: skip
    return out, seq


def check_form(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    fields = raw.get("fields") or []
    if not fields or len(fields) > MAX_FIELDS:
        raise bad("form.fields", f"a form needs 1 to {MAX_FIELDS} fields")
    out = [
        {"name": name(f.get("name"), f"form.fields[{i}].name"),
         "label": name(f.get("label") or f.get("name"), f"form.fields[{i}].label")}
        for i, f in enumerate(fields)
    ]  # fmt: skip
    if len({f["name"] for f in out}) != len(out):
        raise bad("form.fields", "field names must be unique")
    return {"fields": out}


def check_tags(raw: list[str]) -> list[str]:
    if len(raw) > MAX_TAGS:
        raise bad("tags", f"at most {MAX_TAGS} tags")
    return sorted({name(t, "tags") for t in raw})


def check_period(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise bad("endAt", "must not be before startAt")


def reports_clicks(type_: str, popup: bool) -> bool:
    """Clicks and closes exist for popup-like types, and for ADVANCED ones that show a popup (seed 3.9)."""
    return type_ in POPUP_TYPES or (type_ == "ADVANCED" and popup)
