"""``traitbase query events | experiences | abtest``: the event and experience query API from the shell.

Registered on ``traitbase query`` beside the heatmap commands of ``cli/query.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

import typer

from traitbase.cli import query_output
from traitbase.cli.common import DEFAULT, Json, Token, api_errors, client
from traitbase.cli.query import From, Lang, Profile, Server, To, query
from traitbase.client.query_reports import CompareBy, EventFilter, EventVariable

VAR = "var:"  # -d var:position / -f var:position=home: a custom event property (eventVariable)

Dims = Annotated[list[str], typer.Option("--dim", "-d", help="eventName, day, deviceType, var:PROPERTY, ... (repeat).")]
EventMetric = Annotated[list[str] | None, typer.Option("--metric", "-m", help="eventCount (default), sessions.")]
EventWhere = Annotated[
    list[str] | None,
    typer.Option("--filter", "-f", help="NAME=V1,V2 to include, NAME!=V1 to exclude, var:PROPERTY=V (repeat)."),
]
Compare = Annotated[
    str,
    typer.Option("--compare", "-c", help="compareBy: viewedUsers, clickedUsers, closedUsers, formSubmittedUsers, "
                 "goalReached, avgVisitDuration, avgPagesPerVisit, bounceRate."),
]  # fmt: skip


def event_dimension(spec: str) -> str | EventVariable:
    if spec.startswith(VAR) and spec[len(VAR) :]:
        return {"name": "eventVariable", "eventVariant": spec[len(VAR) :]}
    return spec


def event_filter(spec: str, event_names: list[str]) -> EventFilter:
    op: Any = "exclude" if "!=" in spec else "include"
    name, _, values = spec.partition("!=" if op == "exclude" else "=")
    name = name.strip()
    if not name or not values or name == VAR.rstrip(":") or name == VAR:
        raise typer.BadParameter(f"'{spec}': use NAME=V1,V2, NAME!=V1 or var:PROPERTY=V1", param_hint="--filter")
    f: EventFilter = {"name": name, "op": op, "value": [v for v in values.split(",") if v]}
    if name.startswith(VAR):
        f = {**f, "name": "eventVariable", "eventVariant": name[len(VAR) :]}
        if len(event_names) == 1:  # a property filter belongs to the one event the query is pinned to
            f["eventName"] = event_names[0]
    return f


@query.command("events")
def events(
    *,
    start: From,
    end: To,
    project: Profile,
    dimension: Dims = ["eventName"],  # noqa: B006  (typer reads the default; it is never mutated)
    metric: EventMetric = None,
    filter_: EventWhere = None,
    lang: Lang = None,
    server: Server = DEFAULT,
    token: Token = "",
    as_json: Json = False,
) -> None:
    """Custom event counts by dimensions (POST /open-api/v1/event/query)."""
    raw = filter_ or []
    pinned = [v for f in raw if f.startswith("eventName=") for v in f.partition("=")[2].split(",") if v]
    filters = [event_filter(f, pinned) for f in raw]
    with api_errors(), client(server, token) as c:
        dims = [event_dimension(d) for d in dimension]
        table = c.query.events(profile_id=project, start=start, end=end, dimensions=dims, metrics=cast(Any, metric),
                               filters=filters or None, lang=lang)  # fmt: skip
    if as_json:
        query_output.result(table, as_json=True, title="")
        return
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    query_output.result(rows, as_json=False, title=f"events {start} ~ {end}")


@query.command("experiences")
def experiences(*, project: Profile, server: Server = DEFAULT, token: Token = "", as_json: Json = False) -> None:
    """Experiences with their goal and version ids (POST /open-api/v1/experience/list)."""
    with api_errors(), client(server, token) as c:
        found = c.query.experiences.list(project)
    if as_json:
        query_output.result(found, as_json=True, title="")
        return
    rows = [{"id": e["id"], "name": e["name"], "type": e["type"], "status": e["status"],
             "goals": ", ".join(f"{g['id']} {g['name']}" for g in e["goals"]),
             "versions": ", ".join(f"{v['id']} {v['name']}" + (" (deleted)" if v["deleted"] else "")
                                   for v in e["versions"])} for e in found]  # fmt: skip
    query_output.result(rows, as_json=False, title="experiences")


def _version_rows(rows: list[Any], compare_by: str, prefix: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        row = {**prefix, "version": f"{r['versionId']} {r['versionName']}", compare_by: r[compare_by]["value"],
               "uplift": r["uplift"], "probabilityToBeBest": r["probabilityToBeBest"]}  # fmt: skip
        if "goalValue" in r:
            row["goalValue"] = r["goalValue"]
        out.append(row)
    return out


@query.command("abtest")
def abtest(
    *,
    experience: Annotated[str, typer.Argument(help="Experience id (traitbase query experiences).")],
    start: From,
    end: To,
    project: Profile,
    compare: Compare,
    goal: Annotated[str | None, typer.Option("--goal", help="goalId (required with goalReached).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="A dimension: abtest/insight per value.")] = None,
    sub: Annotated[str | None, typer.Option("--sub", help="With --by: the subDimension.")] = None,
    prop: Annotated[str | None, typer.Option("--property", help="With --by userProperty: the attribute.")] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include deleted versions.")] = False,
    lang: Lang = None,
    server: Server = DEFAULT,
    token: Token = "",
    as_json: Json = False,
) -> None:
    """A/B comparison of an experience's versions (POST /open-api/v1/experience/report/abtest/metrics or
    /abtest/insight with --by): uplift against the baseline and probability to be best."""
    kw: dict[str, Any] = {"start": start, "end": end, "compare_by": cast(CompareBy, compare), "goal_id": goal,
                          "show_deleted": deleted, "lang": lang}  # fmt: skip
    with api_errors(), client(server, token) as c:
        if by is None:
            data: list[Any] = list(c.query.experiences.abtest(project, experience, **kw))
        else:
            data = c.query.experiences.abtest_insight(project, experience, dimension=by, sub_dimension=sub,
                                                      property=prop, **kw)  # fmt: skip
    if as_json:
        query_output.result(data, as_json=True, title="")
        return
    if by is None:
        rows = _version_rows(data, compare, {})
    else:
        rows = [r for g in data for r in _version_rows(g["versions"], compare,
                                                       {k: v for k, v in g.items() if k != "versions"})]  # fmt: skip
    query_output.result(rows, as_json=False, title=f"abtest {experience} by {compare}")
