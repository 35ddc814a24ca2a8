"""A validated /collect batch as rows: enrichment once per request, column lists per tracker table.

``build_payload`` turns a batch into plain column lists per table (``Payload``), the cheapest
shape to build in Python and to turn into Arrow on the writer; visit keys are filled in later,
on the writer thread (``store.write_group``), when the visitor's stored state is known.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import msgspec

from traitbase.domain.collect import parse as wire
from traitbase.domain.collect.enrich import Client, language, parse_user_agent, screen_resolution
from traitbase.domain.collect.geo import Place
from traitbase.domain.collect.referrers import classify
from traitbase.domain.collect.visits import Page, key64
from traitbase.storage.warehouse import collect as tables

_json = msgspec.json.Encoder()


@dataclass(frozen=True)
class Site:
    """Who a site key writes for (resolved from the control plane)."""

    project: str
    environment: str
    org_id: int


@dataclass
class Payload:
    """One request's rows, per table, as column lists (visit keys are filled in on the writer)."""

    project: str
    environment: str
    visitor_key: int
    received_us: int
    device_type: str
    is_bot: bool
    idle_ms: int
    columns: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    times: dict[str, list[int]] = field(default_factory=dict)  # per table, event time (ms) of each row
    pages: list[Page] = field(default_factory=list)
    rows: int = 0
    digest: int | None = None  # batch_digest: a retried batch is dropped on the writer


def _url_base(url: str) -> str:
    """The merged form of a page URL: without query string and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def _exact(url: str) -> str:
    return url.split("#", 1)[0]


class _Builder:
    """Column lists of one request, filled event by event (list appends: the cheapest Python path)."""

    def __init__(self, payload: Payload, client: Client, place: Place, site: Site, visitor: str) -> None:
        self.p = payload
        self.client = client
        self.place = place
        self.site = site
        self.visitor = visitor
        self._page_keys: dict[str, int] = {}

    def page_key(self, page: str) -> int:
        key = self._page_keys.get(page)
        if key is None:
            key = key64(self.site.project, self.site.environment, self.visitor, page)
            self._page_keys[page] = key
        return key

    def row(self, table: str, ts_ms: int, e: Any, **values: Any) -> None:
        cols = self.p.columns.get(table)
        if cols is None:
            cols = self.p.columns[table] = defaultdict(list)
            self.p.times[table] = []
        url = getattr(e, "url", "")
        page = getattr(e, "page", "")
        cols["event_time"].append(ts_ms * 1000)
        cols["page_key"].append(self.page_key(page) if page else None)
        cols["url"].append(_exact(url))
        cols["url_base"].append(_url_base(url))
        for k, v in values.items():
            cols[k].append(v)
        self.p.times[table].append(ts_ms)
        self.p.rows += 1


def _pageview(b: _Builder, ts: int, e: wire.PageView) -> None:
    src = classify(e.referrer, e.url)
    c, place = b.client, b.place
    vp = [*e.viewport, 0, 0]
    b.row(
        tables.PAGEVIEWS,
        ts,
        e,
        title=e.title,
        referrer=e.referrer,
        source_type=src.source_type,
        search_engine=src.search_engine,
        social_network=src.social_network,
        social_url=src.social_url,
        ai_name=src.ai_name,
        referral_source=src.referral_source,
        referral_url=src.referral_url,
        campaign_url=src.campaign_url,
        utm_source=src.utm_source,
        utm_medium=src.utm_medium,
        utm_campaign=src.utm_campaign,
        utm_term=src.utm_term,
        utm_content=src.utm_content,
        os=c.os,
        os_version=c.os_version,
        browser=c.browser,
        browser_version=c.browser_version,
        device_brand=c.device_brand,
        screen_resolution=screen_resolution(e.screen),
        viewport_width=vp[0] or None,
        viewport_height=vp[1] or None,
        language=language(e.language),
        country=place.country,
        region=place.region,
        page_height=e.page_height,
    )
    b.p.pages.append(Page(key=b.page_key(e.page), time_ms=ts, url=_url_base(e.url), source=src.source_type))


def _pageleave(b: _Builder, ts: int, e: wire.PageLeave) -> None:
    height = e.page_height or 0
    fraction = min(1.0, e.max_scroll / height) if height else None
    b.row(
        tables.PAGELEAVES,
        ts,
        e,
        active_ms=e.active_ms,
        max_scroll=e.max_scroll,
        page_height=e.page_height,
        scroll_fraction=fraction,
        block_names=[x.name for x in e.blocks],
        block_seconds=[x.seconds for x in e.blocks],
        block_seen=[x.seen for x in e.blocks],
    )


def _click(b: _Builder, ts: int, e: wire.Click) -> None:
    b.row(tables.CLICKS, ts, e, x=e.x, y=e.y, selector=e.selector, text=e.text, element=e.element or "")


def _event(b: _Builder, ts: int, e: Any, kind: str, **values: Any) -> None:
    """A row of tracker_events: every sparse column gets a value (None when the kind has none)."""
    b.row(tables.EVENTS, ts, e, kind=kind, **{f: values.get(f) for f in tables.SPARSE_NAMES})


def _element_view(b: _Builder, ts: int, e: wire.ElementView) -> None:
    _event(b, ts, e, "element_view", element=e.element)


def _conversion(b: _Builder, ts: int, e: wire.Conversion) -> None:
    _event(b, ts, e, "conversion", goal=e.goal)


def _custom(b: _Builder, ts: int, e: wire.Custom) -> None:
    _event(b, ts, e, "custom", name=e.name, properties=_json.encode(e.properties).decode())


def _identify(b: _Builder, ts: int, e: wire.Identify) -> None:
    _event(b, ts, e, "identify", user_id=e.user_id)


def _dimension(b: _Builder, ts: int, e: wire.Dimension) -> None:
    _event(b, ts, e, "dimension", name=e.name, value=e.value)


def _experience(b: _Builder, ts: int, e: wire.Experience) -> None:
    fields = _json.encode(e.fields).decode() if e.fields else None
    _event(
        b,
        ts,
        e,
        "experience",
        experience=e.experience,
        version=e.version,
        action=e.action,
        goal=e.goal or None,
        fields=fields,
    )


# Where each kind's rows go: one builder per event struct.
BUILDERS: dict[type, Any] = {
    wire.PageView: _pageview,
    wire.PageLeave: _pageleave,
    wire.Click: _click,
    wire.ElementView: _element_view,
    wire.Conversion: _conversion,
    wire.Custom: _custom,
    wire.Identify: _identify,
    wire.Dimension: _dimension,
    wire.Experience: _experience,
}


def _best_leaves(events: list[Any]) -> list[Any]:
    """One page leave per page id in a batch: the one with the most active time (contract)."""
    best: dict[str, Any] = {}
    for e in events:
        if isinstance(e, wire.PageLeave):
            prior = best.get(e.page)
            if prior is None or e.active_ms > prior.active_ms:
                best[e.page] = e
    return [e for e in events if not isinstance(e, wire.PageLeave) or best[e.page] is e]


def build_payload(
    batch: wire.Batch,
    *,
    site: Site,
    user_agent: str,
    place: Place,
    now_ms: int,
    idle_ms: int,
    digest: int | None = None,
) -> Payload:
    """Enrich a batch into column lists; client clocks are corrected by the send-time skew."""
    client = parse_user_agent(user_agent)
    visitor_key = key64(site.project, site.environment, batch.visitor)
    payload = Payload(
        project=site.project,
        environment=site.environment,
        visitor_key=visitor_key,
        received_us=now_ms * 1000,
        device_type=client.device_type,
        is_bot=client.is_bot,
        idle_ms=idle_ms,
        digest=digest,
    )
    builder = _Builder(payload, client, place, site, batch.visitor)
    skew = now_ms - batch.sent_at if batch.sent_at is not None else 0
    for e in _best_leaves(batch.events):
        # A corrected time is never in the server's future.
        BUILDERS[type(e)](builder, min(e.ts + skew, now_ms), e)
    return payload


def identities(batch: wire.Batch) -> list[tuple[str, dict[str, str]]]:
    """(user id, attributes) of the batch's identify events, for the user store."""
    return [(e.user_id, dict(e.attributes)) for e in batch.events if isinstance(e, wire.Identify) and e.attributes]


def batch_digest(site: Site, batch: wire.Batch) -> int | None:
    """A retried batch carries the same event ids: one 64-bit key of its visitor and sorted ids.

    None when some event has no id (such a batch cannot be recognised when it comes again).
    The visitor's state keeps the keys of its last ``RECENT_BATCHES`` batches, so a retry is
    dropped without any lookup beyond the visitor's state the writer reads anyway.
    """
    ids = batch.event_ids()
    if len(ids) != len(batch.events):
        return None
    return key64(site.project, site.environment, batch.visitor, *sorted(ids))
