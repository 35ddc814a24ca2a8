"""tb.js in headless Chromium against a collector on another origin (issue 12, the browser acceptance test).

Time in the page is Playwright's controllable clock: it is paused from the first instant and moved
forward explicitly, so dwell seconds and active time are exact (the stated tolerance, 0.2 s, only
absorbs the tracker's rounding to tenths) and no test waits for wall-clock time. Network and rendering
(beacons, IntersectionObserver) run for real; the collector is polled until their data has arrived.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import contract
from tests.browser.conftest import Collector, Site

START = datetime.datetime(2026, 12, 1, 9, 0, 0, tzinfo=datetime.UTC)
START_MS = int(START.timestamp() * 1000)
DWELL_TOLERANCE_S = 0.2
PC = {"width": 1366, "height": 768}
PAGE_BOUND = {"pageview", "pageleave", "click", "element_view", "conversion", "custom", "experience"}


@pytest.fixture(autouse=True)
def batches_follow_the_contract(collector: Collector) -> Iterator[None]:
    """After every test: each batch the collector received conforms to the /collect contract."""
    yield
    assert [v for b in collector.recorder.batches for v in contract.violations(b)] == []


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=PC, screen=PC, locale="en-US")
    ctx.clock.install(time=START)
    ctx.clock.pause_at(START)
    yield ctx
    ctx.close()


def configured(page: Any) -> None:
    """Wait (bounded) until the tracker has its page configuration: blocks are tracked from then on."""
    page.wait_for_function("window.tb && window.tb.state && window.tb.state().configured", timeout=10_000)


def scroll_to(page: Any, y: int) -> None:
    # Resolves once the scroll event has been dispatched, so the tracker has evaluated the new position.
    page.evaluate("y => new Promise(r => { addEventListener('scroll', () => r(), {once: true}); scrollTo(0, y); })", y)


def of_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == kind]


def strip(event: dict[str, Any]) -> dict[str, Any]:
    """An event without its random parts, to compare whole events."""
    return {k: v for k, v in event.items() if k not in ("id", "page", "visitor")}


def test_a_visit_of_two_pages_is_recorded_in_the_contract_form(context: Any, collector: Collector, site: Site) -> None:
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    context.clock.run_for(3000)  # reading the hero
    scroll_to(page, 1400)  # the third block, Pricing (1400-2000), fills the screen
    context.clock.run_for(4000)
    page.click("#buy")  # the CTA at (583..783, 1700..1760) in page pixels; Playwright clicks its centre
    page.wait_for_url(site.origin + "/thanks")
    configured(page)
    page.close(run_before_unload=True)

    events = collector.recorder.wait_for(lambda ev: len(of_kind(ev, "pageleave")) == 2)
    landing, thanks = site.origin + "/", site.origin + "/thanks"

    # Batches: one visitor, the site key, text/plain bodies and never a CORS preflight.
    assert {b["site"] for b in collector.recorder.batches} == {collector.site_key}
    assert len({e["visitor"] for e in events}) == 1
    assert len({e["id"] for e in events}) == len(events)
    methods = [(m, p) for m, p, _ in collector.recorder.requests]
    assert ("OPTIONS", "/collect") not in methods
    posts = [h for m, p, h in collector.recorder.requests if (m, p) == ("POST", "/collect")]
    assert {h["content-type"] for h in posts} == {"text/plain;charset=UTF-8"}
    configs = [h for m, p, h in collector.recorder.requests if (m, p) == ("GET", "/collect/config")]
    assert len(configs) == 2

    # Two page views, the entrance first; the second names the first as its referrer.
    views = of_kind(events, "pageview")
    assert [(v["url"], v["referrer"], v["title"]) for v in views] == [
        (landing, "", "Landing"),
        (thanks, landing, "Thanks"),
    ]
    assert views[0]["ts"] == START_MS and views[1]["ts"] == START_MS + 7000
    assert strip(views[0]) == {
        "kind": "pageview",
        "ts": START_MS,
        "url": landing,
        "referrer": "",
        "title": "Landing",
        "screen": "1366x768",
        "viewport": [1366, 768],
        "language": "en-US",
        "page_height": 3500,
    }
    first, second = views[0]["page"], views[1]["page"]
    assert first != second
    assert {e["page"] for e in events if e["kind"] in PAGE_BOUND} == {first, second}

    # The landing page's leave: exactly the blocks fully displayed are seen; dwell within the tolerance.
    leaves = {e["page"]: e for e in of_kind(events, "pageleave")}
    assert len(of_kind(events, "pageleave")) == 2  # one per page view although pagehide and visibilitychange fire
    leave = leaves[first]
    assert (leave["url"], leave["active_ms"], leave["max_scroll"], leave["page_height"]) == (landing, 7000, 2168, 3500)
    assert [(b["name"], b["seen"]) for b in leave["blocks"]] == [
        ("Hero", True),
        ("Features", False),
        ("Pricing", True),
        ("FAQ", False),
        ("Footer", False),
        ("Deep band", False),
    ]
    dwell = {b["name"]: b["seconds"] for b in leave["blocks"]}
    expected = {"Hero": 3.0, "Features": 0.0, "Pricing": 4.0, "FAQ": 0.0, "Footer": 0.0, "Deep band": 0.0}
    assert dwell.keys() == expected.keys()
    assert all(abs(dwell[n] - s) <= DWELL_TOLERANCE_S for n, s in expected.items()), dwell
    assert leaves[second]["blocks"] == [] and leaves[second]["url"] == thanks

    # The CTA: one impression (the footer link was never on screen) and the click with its position.
    assert [(e["page"], e["element"]) for e in of_kind(events, "element_view")] == [(first, "Buy button")]
    clicks = of_kind(events, "click")
    assert [strip(c) for c in clicks] == [
        {
            "kind": "click",
            "ts": START_MS + 7000,
            "url": landing,
            "x": 0.5,  # 683 / 1366
            "y": 1730,
            "selector": "a#buy",
            "text": "Buy now",
            "element": "Buy button",
        }
    ]

    # Conversions: the click goal on the landing page; the queued call and the URL goal on the second page.
    conversions = [(e["page"], e["goal"]) for e in of_kind(events, "conversion")]
    assert conversions == [(first, "Buy click"), (second, "Purchase"), (second, "Thanks page")]
    assert {e["kind"] for e in events} == {"pageview", "pageleave", "click", "element_view", "conversion"}


def test_api_calls_are_sent_in_the_contract_form(context: Any, collector: Collector, site: Site) -> None:
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    page.evaluate(
        """() => {
        tb.track("purchase", {value: 49.5, plan: "pro", trial: false, nested: {no: 1}, bad: NaN});
        tb.identify("user-42", {plan: "pro", seats: 3});
        tb.setDimension("segment", "b2b");
        tb.experience("exp-1", "v-2", "view");
        tb.experience("exp-1", "v-2", "form_submit", {email: "a@example.com"});
        tb.experience("exp-1", "v-2", "goal", "goal-9");
        tb.experience("exp-1", "v-2", "goal", "goal-7", {price: 30});
        tb.experience("exp-1", "v-2", "dance");
        tb.q.push(["conversion", "Late"]);
        tb.flush();
    }"""
    )
    events = collector.recorder.wait_for(lambda ev: any(e["kind"] == "conversion" and e["goal"] == "Late" for e in ev))
    got = [strip(e) for e in events if e["kind"] != "pageview"]
    page_url = site.origin + "/"
    assert got == [
        {
            "kind": "custom",
            "ts": START_MS,
            "url": page_url,
            "name": "purchase",
            "properties": {"value": 49.5, "plan": "pro", "trial": False},
        },
        {"kind": "conversion", "ts": START_MS, "url": page_url, "goal": "Purchase"},
        {"kind": "identify", "ts": START_MS, "user_id": "user-42", "attributes": {"plan": "pro", "seats": "3"}},
        {"kind": "dimension", "ts": START_MS, "name": "segment", "value": "b2b"},
        {
            "kind": "experience",
            "ts": START_MS,
            "url": page_url,
            "experience": "exp-1",
            "version": "v-2",
            "action": "view",
        },
        {
            "kind": "experience",
            "ts": START_MS,
            "url": page_url,
            "experience": "exp-1",
            "version": "v-2",
            "action": "form_submit",
            "fields": {"email": "a@example.com"},
        },
        {
            "kind": "experience",
            "ts": START_MS,
            "url": page_url,
            "experience": "exp-1",
            "version": "v-2",
            "action": "goal",
            "goal": "goal-9",
        },
        {
            "kind": "experience",
            "ts": START_MS,
            "url": page_url,
            "experience": "exp-1",
            "version": "v-2",
            "action": "goal",
            "goal": "goal-7",
            "fields": {"price": "30"},
        },
        {"kind": "conversion", "ts": START_MS, "url": page_url, "goal": "Late"},
    ]
    assert all("page" not in e for e in events if e["kind"] in ("identify", "dimension"))


def test_a_failed_batch_is_retried_with_backoff_with_the_same_event_ids(
    context: Any, collector: Collector, site: Site
) -> None:
    collector.fail_next.extend([503, 429])
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    context.clock.run_for(5000)  # the batching window: the first POST goes, and is answered 503
    page.wait_for_function("tb.state().retrying == 1", timeout=10_000)
    context.clock.run_for(1300)  # first retry after 1 s (+-25 % jitter): answered 429
    collector.recorder.wait_for(lambda ev: len(collector.recorder.batches) == 2)
    page.wait_for_function("tb.state().retrying == 1", timeout=10_000)
    context.clock.run_for(1000)  # the second retry waits 2 s (+-25 %): not yet
    assert len(collector.recorder.batches) == 2
    context.clock.run_for(1600)
    collector.recorder.wait_for(lambda ev: len(collector.recorder.batches) == 3)
    page.wait_for_function("tb.state().retrying == 0", timeout=10_000)

    batches = collector.recorder.batches
    assert [[e["id"] for e in b["events"]] for b in batches[1:]] == [[e["id"] for e in batches[0]["events"]]] * 2
    assert [e["kind"] for e in batches[0]["events"]] == ["pageview"]
    # sent_at is the clock at each send, so the server's skew correction stays right for a late retry.
    assert batches[0]["sent_at"] == START_MS + 5000
    assert batches[0]["sent_at"] < batches[1]["sent_at"] < batches[2]["sent_at"]


def test_history_navigation_starts_a_new_page_view(context: Any, collector: Collector, site: Site) -> None:
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    context.clock.run_for(1000)
    page.evaluate("history.pushState({}, '', '/plans')")
    context.clock.run_for(2000)
    page.close(run_before_unload=True)

    events = collector.recorder.wait_for(lambda ev: len(of_kind(ev, "pageleave")) == 2)
    views = of_kind(events, "pageview")
    landing, plans = site.origin + "/", site.origin + "/plans"
    assert [(v["url"], v["referrer"]) for v in views] == [(landing, ""), (plans, landing)]
    leaves = of_kind(events, "pageleave")
    assert [(e["page"], e["url"], e["active_ms"]) for e in leaves] == [
        (views[0]["page"], landing, 1000),
        (views[1]["page"], plans, 2000),
    ]


def test_global_privacy_control_stops_all_collection_when_the_site_respects_it(
    context: Any, collector: Collector, site: Site
) -> None:
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    assert page.evaluate("[tb.state().sending, tb.visitor(), localStorage.getItem('tb_vid'), document.cookie]") == [
        False,
        None,
        None,
        "",
    ]
    page.click("#buy")
    page.wait_for_url(site.origin + "/thanks")
    configured(page)
    assert page.evaluate("tb.state()")["queued"] == 0
    # Leave the page, then load something from the collector: a beacon sent on page hide would be there first.
    page.goto(collector.origin + "/tb.js?site=after")
    # The config was fetched (the site's choice decides), but nothing was ever posted.
    paths = [(m, p) for m, p, _ in collector.recorder.requests]
    assert ("GET", "/tb.js") in paths[-2:]  # (the browser may also ask for /favicon.ico)
    assert paths.count(("GET", "/collect/config")) == 2
    assert ("POST", "/collect") not in paths


IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
IPAD_UA = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "viewport", "touch", "device"),
    [
        (None, PC, False, "PC"),
        (IPHONE_UA, {"width": 390, "height": 844}, True, "MOBILE"),
        (IPAD_UA, {"width": 820, "height": 1180}, True, "TABLET"),
        (ANDROID_TABLET_UA, {"width": 800, "height": 1280}, True, "TABLET"),
        (None, {"width": 500, "height": 900}, False, "PC"),  # a narrow desktop window is still a PC
    ],
)
def test_the_config_is_asked_for_the_current_url_and_device(
    browser: Any,
    collector: Collector,
    site: Site,
    user_agent: str | None,
    viewport: dict[str, int],
    touch: bool,
    device: str,
) -> None:
    ctx = browser.new_context(user_agent=user_agent, viewport=viewport, has_touch=touch, is_mobile=touch)
    try:
        page = ctx.new_page()
        page.goto(site.origin + "/?utm_source=news")
        configured(page)
        assert collector.recorder.config_queries == [
            {"site": collector.site_key, "url": site.origin + "/?utm_source=news", "device": device}
        ]
    finally:
        ctx.close()


def test_without_fetch_the_tracker_falls_back_to_xmlhttprequest(context: Any, collector: Collector, site: Site) -> None:
    context.add_init_script("window.fetch = undefined")
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    page.evaluate("tb.track('purchase'); tb.flush()")
    events = collector.recorder.wait_for(lambda ev: len(of_kind(ev, "conversion")) == 1)
    assert [e["kind"] for e in events] == ["pageview", "custom", "conversion"]
    posts = [h for m, p, h in collector.recorder.requests if (m, p) == ("POST", "/collect")]
    assert [h["content-type"] for h in posts] == ["text/plain"]
    assert ("OPTIONS", "/collect") not in [(m, p) for m, p, _ in collector.recorder.requests]


def test_a_batch_still_failing_at_page_hide_is_sent_again_from_the_next_page(
    context: Any, collector: Collector, site: Site
) -> None:
    collector.fail_next.append(503)
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    page.evaluate("tb.flush()")
    page.wait_for_function("tb.state().retrying == 1", timeout=10_000)
    first = [e["id"] for e in collector.recorder.batches[0]["events"]]
    page.goto(site.origin + "/thanks")  # hidden with the retry pending: beacon now, and kept for the next page
    configured(page)
    collector.recorder.wait_for(lambda ev: sum(e["id"] == first[0] for e in ev) == 3)
    assert page.evaluate("localStorage.getItem('tb_out')") is None
    # The same batch, same ids, three times: the failed POST, the beacon at page hide, and the copy kept in
    # localStorage, sent by the next page (the server drops the repeats by event id).
    sent = [[e["id"] for e in b["events"]] for b in collector.recorder.batches]
    assert sent.count(first) == 3


def test_the_visitor_id_lives_in_a_first_party_cookie_when_storage_is_blocked(
    context: Any, collector: Collector, site: Site
) -> None:
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('blocked', 'SecurityError'); }})"
    )
    page = context.new_page()
    page.goto(site.origin + "/")
    configured(page)
    page.click("#buy")
    page.wait_for_url(site.origin + "/thanks")
    configured(page)
    page.close(run_before_unload=True)
    events = collector.recorder.wait_for(lambda ev: len(of_kind(ev, "pageleave")) == 2)
    visitors = {e["visitor"] for e in events}
    assert len(visitors) == 1
    cookies = {c["name"]: c for c in context.cookies(site.origin)}
    assert cookies["tb_vid"]["value"] == visitors.pop()
    assert (cookies["tb_vid"]["sameSite"], cookies["tb_vid"]["httpOnly"]) == ("Lax", False)


def test_a_broken_configuration_entry_does_not_stop_the_rest(context: Any, collector: Collector, site: Site) -> None:
    page = context.new_page()
    page.goto(site.origin + "/?broken")
    configured(page)
    context.clock.run_for(2000)
    scroll_to(page, 1400)
    context.clock.run_for(1000)
    page.click("#buy")
    page.wait_for_url(site.origin + "/thanks")
    page.close(run_before_unload=True)
    events = collector.recorder.wait_for(lambda ev: len(of_kind(ev, "pageleave")) == 2)
    leave = of_kind(events, "pageleave")[0]
    assert leave["blocks"] == [
        {"name": "Bad", "seconds": 0, "seen": False},
        {"name": "Hero", "seconds": 2, "seen": True},
    ]
    assert [e["element"] for e in of_kind(events, "element_view")] == ["Buy button"]
    assert [e.get("element") for e in of_kind(events, "click")] == ["Buy button"]
