"""tb.js in headless Chromium against the REAL server: what the journey leaves in the warehouse.

The same journey as ``test_tracker``'s two-page visit — load the landing page, read the hero, scroll to
the third block, wait, click the tracked CTA, land on a page that fires a conversion, close — but the
collector is a real Traitbase app (``/tb.js``, ``/collect/config`` and ``POST /collect``), configured
through its admin API, and the assertions are on the stored rows: two page views in one visit, the
entrance, exactly the blocks fully displayed, dwell seconds within the stated tolerance, the element
impression and the click with its position, and the conversions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.browser.conftest import GOALS, Collector, Recorder, ServerThread, Site, origin_of, page_configs
from tests.browser.test_tracker import DWELL_TOLERANCE_S, configured, context, scroll_to  # noqa: F401
from tests.conftest import make_settings
from traitbase.app import create_app
from traitbase.domain.control.bootstrap import first_start


@dataclass
class Real:
    app: FastAPI
    project: str

    def rows(self, sql: str) -> list[dict[str, Any]]:
        result = self.app.state.ctx.warehouse.read(sql, [self.project])
        return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


@pytest.fixture
def real(tmp_path: Path) -> Iterator[Real]:
    settings = make_settings(tmp_path, job_workers=0)
    app = create_app(settings)
    with app.state.ctx.db.uow() as s:
        boot = first_start(s, settings, now_iso="2026-12-01T00:00:00Z")
    assert boot is not None
    app.state.boot = boot
    yield Real(app=app, project=boot.project_id)
    app.state.ctx.close()


@pytest.fixture
def collector(real: Real, site_socket: Any) -> Iterator[Collector]:
    """The real server in place of the stand-in; the page configuration stored through the admin API."""
    boot = real.app.state.boot
    recorder = Recorder(real.app)
    with ServerThread(recorder) as server:
        admin = {"Authorization": f"Bearer {boot.admin_token}"}
        base = f"{server.origin}/admin/v1/projects/{boot.project_id}"
        landing = f"{origin_of(site_socket)}/"
        config = page_configs(origin_of(site_socket))[landing]
        page = {"url": landing, "match": "exact", "device": "PC", "blocks": config["blocks"]}
        page["elements"] = config["elements"]
        assert httpx.put(f"{base}/pages", json=page, headers=admin).status_code in (200, 201)
        for goal in GOALS:
            assert httpx.put(f"{base}/goals", json=goal, headers=admin).status_code in (200, 201)
        yield Collector(origin=server.origin, site_key=boot.site_key, recorder=recorder)


def _stored(real: Real, sql: str, done: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = real.rows(sql)
        if done(rows):
            return rows
        if time.monotonic() > deadline:
            pytest.fail(f"not stored in {timeout}s: {rows}")
        time.sleep(0.05)


def test_the_journey_is_stored_as_one_visit_with_its_blocks_element_click_and_conversions(
    context: Any,  # noqa: F811
    collector: Collector,
    site: Site,
    real: Real,
) -> None:
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    context.clock.run_for(3000)
    scroll_to(page, 1400)
    context.clock.run_for(4000)
    page.click("#buy")
    page.wait_for_url(site.origin + "/thanks")
    configured(page)
    page.close(run_before_unload=True)
    landing, thanks = site.origin + "/", site.origin + "/thanks"

    leaves = _stored(
        real,
        "SELECT page_key, active_ms, block_names, block_seconds, block_seen FROM tracker_pageleaves "
        "WHERE project = ? ORDER BY active_ms DESC",
        lambda rows: len(rows) == 2,
    )
    views = real.rows(
        "SELECT url, page_key, visit_key, device_type, is_bot FROM tracker_pageviews WHERE project = ? "
        "ORDER BY event_time"
    )
    assert [(v["url"], v["device_type"], v["is_bot"]) for v in views] == [(landing, "PC", True), (thanks, "PC", True)]
    assert len({v["visit_key"] for v in views}) == 1  # two page views, one visit

    visits = real.rows("SELECT visit_number, entry_url, exit_url, pageviews FROM tracker_visits WHERE project = ?")
    assert visits == [{"visit_number": 1, "entry_url": landing, "exit_url": thanks, "pageviews": 2}]

    first = views[0]["page_key"]
    leave = next(lv for lv in leaves if lv["page_key"] == first)
    assert leave["active_ms"] == 7000
    seen = dict(zip(leave["block_names"], leave["block_seen"], strict=True))
    assert seen == {"Hero": True, "Features": False, "Pricing": True, "FAQ": False, "Footer": False, "Deep band": False}
    dwell = dict(zip(leave["block_names"], leave["block_seconds"], strict=True))
    assert abs(dwell["Hero"] - 3.0) <= DWELL_TOLERANCE_S and abs(dwell["Pricing"] - 4.0) <= DWELL_TOLERANCE_S

    clicks = real.rows("SELECT page_key, x, y, element FROM tracker_clicks WHERE project = ?")
    assert [(c["page_key"], c["x"], c["y"], c["element"]) for c in clicks] == [(first, 0.5, 1730, "Buy button")]
    kinds = real.rows("SELECT kind, page_key, element, goal FROM tracker_events WHERE project = ? ORDER BY event_time")
    assert [(k["page_key"], k["element"]) for k in kinds if k["kind"] == "element_view"] == [(first, "Buy button")]
    conversions = sorted(k["goal"] for k in kinds if k["kind"] == "conversion")
    assert conversions == ["Buy click", "Purchase", "Thanks page"]
