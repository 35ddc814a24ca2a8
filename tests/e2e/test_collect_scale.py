"""Web collection in scale mode: two ``traitbase serve`` processes share PostgreSQL, Redis and
ClickHouse, and one visit's batches reach them alternately and out of order. Visit state lives
only in the warehouse, so the stored visit is still one visit with the right entrance, exit and
page count (issue 12's acceptance point for scale mode)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Deployment
from tests.servers import CLI, ServerProcess, free_port
from traitbase.storage.warehouse.chclient import DriverClient

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.clickhouse]

MIN = 60_000
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def _serve(deployment: Deployment, name: str) -> ServerProcess:
    port = free_port()
    args = [*CLI, "serve", "--port", str(port), "--data-dir", str(deployment.root / name)]
    return ServerProcess(args, port=port, env={**deployment.env, "TRAITBASE_JOB_WORKERS": "0"})


def _pageview(n: int, ts: int) -> dict[str, Any]:
    return {"kind": "pageview", "id": f"pv-{n}", "ts": ts, "page": f"p{n}", "url": f"https://shop.example/page{n}"}


def _post(url: str, site: str, events: list[dict[str, Any]]) -> int:
    # No sent_at: the event times are taken as they are (whole seconds in the past).
    body = json.dumps({"visitor": "visitor-1", "events": events}).encode()
    headers = {"content-type": "text/plain;charset=UTF-8", "user-agent": CHROME}
    return httpx.post(f"{url}/collect?site={site}", content=body, headers=headers, timeout=30).status_code


def _rows(url: str, sql: str) -> list[dict[str, Any]]:
    client = DriverClient(url)
    try:
        res = client.query(sql)
    finally:
        client.close()
    return [dict(zip(res.columns, r, strict=True)) for r in res.rows]


def test_visit_assignment_is_correct_when_two_server_processes_share_the_stores(deployment: Deployment) -> None:
    done = deployment.run("init", "--json", "--data-dir", str(deployment.root / "init"))
    assert done.returncode == 0, done.stderr.decode()
    boot = json.loads(done.stdout)
    admin = {"Authorization": f"Bearer {boot['admin_token']}"}
    deployment.env = {**deployment.env, "TRAITBASE_AUTO_MIGRATE": "false"}
    a, b = _serve(deployment, "api-a"), _serve(deployment, "api-b")
    try:
        project = httpx.get(f"{a.url}/admin/v1/projects/{boot['project_id']}", headers=admin).json()["data"]
        site = project["site_key"]
        t0 = (int(time.time()) - 3600) * 1000  # an hour ago, whole seconds (ClickHouse DateTime)
        click = {"kind": "click", "id": "c", "ts": t0 + 46 * MIN, "page": "p4", "url": "https://shop.example/page4"}
        # Last page first (A); the first page 45 minutes earlier is a second visit for now (B); the third
        # page bridges them, so the two are merged into one (A); the second page arrives last (B).
        sends = [
            (a, [_pageview(4, t0 + 45 * MIN), click]),
            (b, [_pageview(1, t0)]),
            (a, [_pageview(3, t0 + 30 * MIN)]),
            (b, [_pageview(2, t0 + 15 * MIN)]),
        ]
        assert [_post(server.url, site, events) for server, events in sends] == [204, 204, 204, 204]
    finally:
        b.stop()
        a.stop()
    wh = deployment.env["TRAITBASE_WAREHOUSE_URL"]
    visits = _rows(
        wh,
        "SELECT visit_key, visit_number, pageviews, events, entry_url, exit_url, page_urls, start_time, end_time "
        "FROM tracker_visits FINAL",
    )
    assert len(visits) == 1
    (visit,) = visits
    key = visit.pop("visit_key")
    start, end = visit.pop("start_time"), visit.pop("end_time")
    assert visit == {
        "visit_number": 1,
        "pageviews": 4,
        "events": 5,
        "entry_url": "https://shop.example/page1",
        "exit_url": "https://shop.example/page4",
        "page_urls": [f"https://shop.example/page{n}" for n in (1, 2, 3, 4)],
    }
    assert (int((end - start).total_seconds()) * 1000) == 46 * MIN
    # Every stored row points at that visit; the visitor has made one visit.
    keys = _rows(
        wh,
        "SELECT DISTINCT visit_key FROM (SELECT visit_key FROM tracker_pageviews UNION ALL "
        "SELECT visit_key FROM tracker_clicks)",
    )
    assert keys == [{"visit_key": key}]
    assert _rows(wh, "SELECT visit_count FROM tracker_visitors FINAL") == [{"visit_count": 1}]
