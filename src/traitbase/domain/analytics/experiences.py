"""The eight experience endpoints of seed 3 over the frame's Reader: list, user properties, reports, A/B, forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from traitbase.domain.analytics import parse
from traitbase.domain.analytics.errors import QueryError, missing
from traitbase.domain.analytics.exp_metrics import KINDS, Cell, Texts, ab_rows, boxed, cells
from traitbase.domain.analytics.reader import Reader, Tenant
from traitbase.domain.experiences import records
from traitbase.storage.models import Experience
from traitbase.storage.repos import experiences as exp_repo
from traitbase.storage.repos import profiles as profile_repo
from traitbase.storage.repos import projects as project_repo
from traitbase.storage.warehouse import experiences_sql as sql

DIMENSIONS = tuple(d for d in sql.GROUPS if d)
COMPARE_BY = ("viewedUsers", "clickedUsers", "closedUsers", "formSubmittedUsers", "goalReached",
              "avgVisitDuration", "avgPagesPerVisit", "bounceRate")  # fmt: skip
BASE_METRICS = ("viewedUsers", "views", "avgVisitDuration", "avgPagesPerVisit", "bounceRate")
POPUP_METRICS = ("clickedUsers", "clickRate", "closedUsers", "closeRate")
FORM_METRICS = ("formSubmittedUsers", "formSubmitRate")
OVERVIEW_DEFAULT = tuple(KINDS)
USER_PROPERTY_SAMPLE = 1000


def _find(reader: Reader, t: Tenant, experience_id: object) -> Experience:
    if not isinstance(experience_id, str) or not experience_id:
        raise missing("id")
    with reader.session() as s:
        e = exp_repo.get_experience(s, project_id=t.project, environment=t.environment, experience_id=experience_id)
        if e is None:
            raise QueryError(4040, experience_id)
        s.expunge(e)
        return e


def _scope(t: Tenant, e: Experience, body: dict[str, Any], today: date, retention: int, group: str = "",
           sub: str = "") -> sql.ExpScope:  # fmt: skip
    r = parse.date_range(body, today=today, retention_days=retention, required=True)
    return sql.ExpScope(t.project, t.environment, e.id, r.start_dt, r.end_dt, group, sub, goal_specs(e))


def goal_specs(e: Experience) -> tuple[tuple[str, str, str], ...]:
    """(id, type, match) of each goal: the SQL derives its reach from events, page views and clicks."""
    return tuple((str(g["id"]), str(g["type"]), str(g["match"])) for g in e.goals)


def _cells(reader: Reader, scope: sql.ExpScope, key: Any) -> dict[Any, Cell]:
    return cells(reader.rows(sql.actions(scope)), reader.rows(sql.viewed_visits(scope)), key)


def _goal_cell(reader: Reader, scope: sql.ExpScope, e: Experience) -> Cell:
    """The experience's one cell (no grouping) with its goal actions read one by one (reachers, values)."""
    cell = _cells(reader, scope, lambda _r: "").get("", Cell())
    valued = {str(g["id"]): (str(g["property"]), reader.rows(sql.action_rows(scope, "goal", str(g["id"]))))
              for g in e.goals if g.get("countBy", "users") != "users" and g.get("property")}  # fmt: skip
    cell.add_goal_rows(reader.rows(sql.action_rows(scope, "goal")), valued)
    return cell


def _goals(e: Experience, cell: Cell, texts: Texts) -> list[dict[str, Any]]:
    out = []
    for g in e.goals:
        reached = cell.goal_users.get(g["id"], 0)
        out.append({"id": g["id"], "name": g["name"], "reachedUsers": reached,
                    "reachRate": f"{(reached / cell.viewed * 100 if cell.viewed else 0):.2f}%",
                    "value": cell.goal_value(g)})  # fmt: skip
    return out


def metric_names(e: Experience) -> list[str]:
    """Seed 3.4: INLINE (and ADVANCED without a popup) has no clicks or closes; no form, no form metrics."""
    names = list(BASE_METRICS)
    if records.reports_clicks(e.type, e.popup):
        names += POPUP_METRICS
    if e.form:
        names += FORM_METRICS
    return names


def list_experiences(reader: Reader, t: Tenant, body: dict[str, Any], **_: Any) -> list[dict[str, Any]]:
    with reader.session() as s:
        found = exp_repo.list_experiences(s, project_id=t.project, environment=t.environment)
        return [{"id": e.id, "name": e.name, "status": e.status, "type": e.type,
                 "goals": [{"id": g["id"], "name": g["name"], "type": g["type"]} for g in e.goals],
                 "versions": [{"id": v["id"], "name": v["name"], "baseline": v["baseline"], "deleted": v["deleted"],
                               "weight": v["weight"]} for v in e.versions]} for e in found]  # fmt: skip


def user_properties(reader: Reader, t: Tenant, body: dict[str, Any], **_: Any) -> list[dict[str, str]]:
    """Attribute names present on the project's user profiles (a sample of the first profiles)."""
    with reader.session() as s:
        proj = project_repo.get_project(s, t.project)
        org_id = int(proj.org_id) if proj is not None else 0
        rows = profile_repo.list_profiles(s, org_id=org_id, project_id=t.project, environment=t.environment,
                                          after=None, limit=USER_PROPERTY_SAMPLE)  # fmt: skip
    names: set[str] = set()
    for _user, scopes in rows:
        for scope_row in scopes:
            names |= set(scope_row[1] or {})
    return [{"name": n, "label": n} for n in sorted(names)]


def _text_metrics(e: Experience) -> dict[str, Any]:
    period = (f"{e.start_at.date().isoformat() if e.start_at else ''} ~ "
              f"{e.end_at.date().isoformat() if e.end_at else ''}").strip()  # fmt: skip
    return {"lastUpdatedTime": e.updated_at.strftime("%Y-%m-%d %H:%M:%S"), "lastUpdatedMember": e.updated_by,
            "createdTime": e.created_at.strftime("%Y-%m-%d %H:%M:%S"), "createdMember": e.created_by,
            "runningPeriod": period if period != "~" else "", "tags": ", ".join(e.tags)}  # fmt: skip


def overview(reader: Reader, t: Tenant, body: dict[str, Any], *, texts: Texts, today: date, retention: int
             ) -> list[dict[str, Any]]:  # fmt: skip
    listed = body.get("experiences")
    if not isinstance(listed, list) or not listed:
        raise missing("experiences")
    metrics = body.get("metrics") or list(OVERVIEW_DEFAULT)
    if not isinstance(metrics, list) or any(m not in KINDS for m in metrics):
        raise QueryError(4013, "metrics: one of " + ", ".join(KINDS))
    out = []
    for item in listed:
        e = _find(reader, t, item.get("id") if isinstance(item, dict) else None)
        dated = {"startDate": body.get("startDate") or "", "endDate": body.get("endDate") or ""}
        r = parse.date_range({k: v for k, v in dated.items() if v}, today=today, retention_days=retention,
                             required=False)  # fmt: skip
        scope = sql.ExpScope(t.project, t.environment, e.id, r.start_dt, r.end_dt, goals=goal_specs(e))
        cell = _goal_cell(reader, scope, e)
        text = _text_metrics(e)
        row: dict[str, Any] = {"id": e.id, "name": e.name}
        for m in metrics:
            if m == "goalStatus":
                row[m] = boxed(m, _goals(e, cell, texts), texts)
            elif m in text:
                row[m] = boxed(m, text[m], texts)
            else:
                row[m] = boxed(m, cell.shown(m), texts)
        out.append(row)
    return out


def metrics(reader: Reader, t: Tenant, body: dict[str, Any], *, texts: Texts, today: date, retention: int
            ) -> dict[str, Any]:  # fmt: skip
    e = _find(reader, t, body.get("id"))
    cell = _goal_cell(reader, _scope(t, e, body, today, retention), e)
    data: dict[str, Any] = {m: boxed(m, cell.shown(m), texts) for m in metric_names(e)}
    data["goals"] = _goals(e, cell, texts)
    return data


def _dimensions(body: dict[str, Any]) -> tuple[str, str]:
    dim, sub = body.get("dimension"), body.get("subDimension") or ""
    if dim in (None, ""):
        raise missing("dimension")
    if dim not in DIMENSIONS:
        raise QueryError(4015, f"dimension must be one of {', '.join(DIMENSIONS)}")
    if sub and (sub not in DIMENSIONS or sub == "userProperty" or sub == "visitPage"):
        raise QueryError(4015, "subDimension must be one of the dimensions except visitPage and userProperty")
    if sub == dim:
        raise QueryError(4015, "subDimension must differ from dimension")
    if {dim, sub} == {"country", "region"}:
        raise QueryError(4015, "country and region cannot be combined")
    if dim == "userProperty" and not body.get("property"):
        raise missing("property")
    return str(dim), str(sub)


def _user_values(reader: Reader, t: Tenant, prop: str) -> dict[str, str]:
    """visitor key -> the identified user's value of ``prop`` (visitors never identified have none)."""
    who = {str(r["visitor_key"]): str(r["user_id"]) for r in reader.rows(sql.identified(t.project, t.environment))}
    out: dict[str, str] = {}
    with reader.session() as s:
        proj = project_repo.get_project(s, t.project)
        org_id = int(proj.org_id) if proj is not None else 0
        for visitor, user in who.items():
            rows = profile_repo.get_profile(s, org_id=org_id, project_id=t.project, environment=t.environment,
                                            user_id=user)  # fmt: skip
            for scope_row in rows:
                attrs = scope_row[1] or {}
                if prop in attrs:
                    out[visitor] = str(attrs[prop])
    return out


def _grouped(reader: Reader, t: Tenant, e: Experience, body: dict[str, Any], today: date, retention: int,
             by_version: bool, goal: dict[str, Any] | None = None) -> dict[tuple[str, ...], Cell]:  # fmt: skip
    dim, sub = _dimensions(body)
    scope = _scope(t, e, body, today, retention, dim, sub)
    mapping = _user_values(reader, t, str(body["property"])) if dim == "userProperty" else None

    def key(r: dict[str, Any]) -> tuple[str, ...]:
        g = str(r["g"]) if mapping is None else mapping.get(str(r["g"]), "")
        return (str(r["version"]), g, str(r["sg"])) if by_version else (g, str(r["sg"]))

    # By user property the SQL groups per visitor (each visitor in one group), so summing the visitors
    # mapped to one value keeps the distinct counts exact.
    grouped = _cells(reader, scope, key)
    _add_goal_values(reader, scope, goal, grouped, key)
    return grouped


def insight(reader: Reader, t: Tenant, body: dict[str, Any], *, texts: Texts, today: date, retention: int
            ) -> list[dict[str, Any]]:  # fmt: skip
    e = _find(reader, t, body.get("id"))
    grouped = _grouped(reader, t, e, body, today, retention, by_version=False)
    dim, sub = str(body["dimension"]), str(body.get("subDimension") or "")
    out = []
    for (g, sg), cell in sorted(grouped.items()):
        row: dict[str, Any] = {dim: g}
        if sub:
            row[sub] = sg
        row.update({m: boxed(m, cell.shown(m), texts) for m in metric_names(e)})
        out.append(row)
    return out


def _compare(body: dict[str, Any], e: Experience) -> tuple[str, str | None]:
    compare_by = body.get("compareBy")
    if compare_by in (None, ""):
        raise missing("compareBy")
    if compare_by not in COMPARE_BY:
        raise QueryError(4017, "allowed: " + ", ".join(COMPARE_BY))
    goal_id = body.get("goalId")
    if compare_by == "goalReached" and not goal_id:
        raise missing("goalId")
    if goal_id and goal_id not in {g["id"] for g in e.goals}:
        raise QueryError(4013, f"goalId: no goal {goal_id} on this experience")
    return str(compare_by), (str(goal_id) if goal_id else None)


def _versions(e: Experience, body: dict[str, Any]) -> list[dict[str, Any]]:
    show = body.get("showDeletedVersions") is True
    return [v for v in e.versions if show or not v.get("deleted")]


def _valued_goal(e: Experience, compare_by: str, goal_id: str | None) -> dict[str, Any] | None:
    """The goal compared by, when it is counted by a property's sum or average (its A/B rows add ``goalValue``)."""
    if compare_by != "goalReached":
        return None
    goal = next((g for g in e.goals if g["id"] == goal_id), None)
    return goal if goal is not None and goal.get("countBy", "users") != "users" and goal.get("property") else None


def _add_goal_values(reader: Reader, scope: sql.ExpScope, goal: dict[str, Any] | None, by: dict[Any, Cell],
                     key: Any) -> None:  # fmt: skip
    """Each cell's share of the valued goal's actions (same key as the cells: version, or version and group)."""
    if goal is None:
        return
    mine: dict[Any, list[dict[str, Any]]] = {}
    for r in reader.rows(sql.action_rows(scope, "goal", str(goal["id"]))):
        mine.setdefault(key(r), []).append(r)
    for k, rows in mine.items():
        by.setdefault(k, Cell()).add_goal_rows(rows, {str(goal["id"]): (str(goal["property"]), rows)})


def abtest_metrics(reader: Reader, t: Tenant, body: dict[str, Any], *, texts: Texts, today: date, retention: int
                   ) -> list[dict[str, Any]]:  # fmt: skip
    e = _find(reader, t, body.get("id"))
    compare_by, goal_id = _compare(body, e)
    scope = _scope(t, e, body, today, retention)
    by_version = _cells(reader, scope, lambda r: str(r["version"]))
    goal = _valued_goal(e, compare_by, goal_id)
    _add_goal_values(reader, scope, goal, by_version, lambda r: str(r["version"]))
    return ab_rows(_versions(e, body), by_version, compare_by, goal_id, texts, goal)


def abtest_insight(reader: Reader, t: Tenant, body: dict[str, Any], *, texts: Texts, today: date, retention: int
                   ) -> list[dict[str, Any]]:  # fmt: skip
    e = _find(reader, t, body.get("id"))
    compare_by, goal_id = _compare(body, e)
    goal = _valued_goal(e, compare_by, goal_id)
    grouped = _grouped(reader, t, e, body, today, retention, by_version=True, goal=goal)
    dim, sub = str(body["dimension"]), str(body.get("subDimension") or "")
    groups = sorted({(g, sg) for _, g, sg in grouped})
    out = []
    for g, sg in groups:
        by_version = {v: c for (v, gg, ss), c in grouped.items() if (gg, ss) == (g, sg)}
        row: dict[str, Any] = {dim: g}
        if sub:
            row[sub] = sg
        row["versions"] = ab_rows(_versions(e, body), by_version, compare_by, goal_id, texts, goal)
        out.append(row)
    return out


def form(reader: Reader, t: Tenant, body: dict[str, Any], *, texts: Texts, today: date, retention: int
         ) -> dict[str, Any]:  # fmt: skip
    e = _find(reader, t, body.get("id"))
    version = body.get("versionId")
    if not version:
        raise missing("versionId")
    scope = _scope(t, e, body, today, retention)
    rows = [r for r in reader.rows(sql.action_rows(scope, "form_submit")) if str(r["version"]) == version]
    submitted = [orjson.loads(r["fields"]) if r["fields"] else {} for r in rows]
    configured = [f["name"] for f in (e.form or {}).get("fields", [])]
    extra = sorted({k for f in submitted for k in f} - set(configured))
    columns = configured + extra
    labels = {f["name"]: f["label"] for f in (e.form or {}).get("fields", [])}
    return {
        "columns": [{"name": c, "label": labels.get(c, c)} for c in columns],
        "rows": [{c: str(f.get(c, "")) for c in columns} for f in submitted],
    }
