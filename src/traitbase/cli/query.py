"""``traitbase query ...``: the query API (seed 001) from the shell — one command per query type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

import typer

from traitbase.cli import query_output
from traitbase.cli.common import DEFAULT, Json, Token, api_errors, client
from traitbase.client.query import DeviceType, Filter, QueryType

query = typer.Typer(help="Query API (heatmap data) with a key of the query scope.", no_args_is_help=True)

# --url is the page here (as in the API), so the server is --server.
Server = Annotated[str, typer.Option("--server", envvar="TRAITBASE_URL", help="Base URL of the Traitbase server.")]
PageUrl = Annotated[str, typer.Option("--url", help="The page URL.")]
From = Annotated[str, typer.Option("--from", help="Start date, YYYY-MM-DD or YYYY/MM/DD.")]
To = Annotated[str, typer.Option("--to", help="End date (inclusive).")]
Profile = Annotated[str, typer.Option("--project", "-p", help="Project ID (profileId).")]
Device = Annotated[str, typer.Option("--device", help="ALL, PC, MOBILE or TABLET.")]
Metric = Annotated[list[str] | None, typer.Option("--metric", "-m", help="A metric to return (repeat; default all).")]
Goal = Annotated[list[str] | None, typer.Option("--conversion", "-c", help="Conversion name to match (repeat).")]
Where = Annotated[
    list[str] | None, typer.Option("--filter", "-f", help="NAME=V1,V2 to include, NAME!=V1 to exclude (repeat).")
]
Exact = Annotated[bool, typer.Option("--exact", help="rangeType URL: this exact URL, not its query-string variants.")]
Lang = Annotated[str | None, typer.Option("--lang", help="EN, ZH or JP labels and messages.")]


def parse_filter(spec: str) -> Filter:
    op: Any = "exclude" if "!=" in spec else "include"
    name, _, values = spec.partition("!=" if op == "exclude" else "=")
    if not name.strip() or not values:
        raise typer.BadParameter(f"'{spec}': use NAME=V1,V2 or NAME!=V1", param_hint="--filter")
    return {"name": name.strip(), "op": op, "value": [v for v in values.split(",") if v]}


def _run(query_type: QueryType, server: str, token: str, as_json: bool, title: str, **kw: Any) -> None:
    filters = [parse_filter(f) for f in kw.pop("filters") or []]
    with api_errors(), client(server, token) as c:
        data = c.query.heatmap(query_type, filters=filters or None, **kw)
    query_output.result(data, as_json=as_json, title=title)


def _command(query_type: QueryType, *, device_default: str) -> Callable[..., None]:
    def command(
        *,
        url: PageUrl,
        start: From,
        end: To,
        project: Profile,
        device: Device = device_default,
        metric: Metric = None,
        conversion: Goal = None,
        filter_: Where = None,
        exact: Exact = False,
        lang: Lang = None,
        fun: Annotated[str | None, typer.Option("--fun", help="page-insight: the funName (e.g. day).")] = None,
        stay: Annotated[float | None, typer.Option("--stay", help="block-metrics: stayTimeFilter s.")] = None,
        server: Server = DEFAULT,
        token: Token = "",
        as_json: Json = False,
    ) -> None:
        _run(query_type, server, token, as_json, f"{query_type} {url}", profile_id=project, url=url, start=start,
             end=end, device=cast(DeviceType, device), range_type="URL" if exact else "MERGE_URL", metrics=metric,
             conversion_names=conversion, filters=filter_, fun_name=fun, stay_time=stay, lang=lang)  # fmt: skip

    command.__doc__ = f"Run a {query_type} query (POST /open-api/v1/heatmap/query)."
    return command


for _type, _device in (("page_metrics", "ALL"), ("page_insight", "ALL"), ("block_metrics", "PC"),
                       ("element_metrics", "PC"), ("click_map", "ALL"), ("scroll_map", "ALL")):  # fmt: skip
    query.command(_type.replace("_", "-"))(_command(cast(QueryType, _type), device_default=_device))


@query.command("filter-values")
def filter_values(
    *,
    name: Annotated[str, typer.Argument(help="Filter name, e.g. browser, country, sourceType.")],
    project: Profile,
    search: Annotated[str | None, typer.Option("--search", help="Substring to match (any case).")] = None,
    server: Server = DEFAULT,
    token: Token = "",
    as_json: Json = False,
) -> None:
    """Distinct values seen for a filter (POST /open-api/v1/heatmap/filter-values; last 30 days)."""
    with api_errors(), client(server, token) as c:
        values = c.query.filter_values(project, name, search=search)
    query_output.result([{"value": v} for v in values], as_json=as_json, title=f"{name} values")
