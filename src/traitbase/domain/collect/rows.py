"""A validated /collect batch as rows: enrichment once per request, row tuples per tracker table.

``build_payload`` turns a batch into one tuple per event per table (``Payload``), the cheapest
shape to build in Python; the writer turns a whole group commit's tuples into Arrow columns at
once. Visit keys are filled in later, on the writer thread (``store.write_group``), when the
visitor's stored state is known.
"""

from __future__ import annotations

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


# The columns a request fills per table, in the order of its row tuples; every other column of
# the table is the same for the whole request (project, visitor, device, ...) or set on the
# writer (visit_key), and is added there once per group commit.
_PAGE: tuple[str, ...] = ("event_time", "page_key", "url", "url_base")
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    tables.PAGEVIEWS: (
        *_PAGE,
        "title",
        "referrer",
        "source_type",
        "search_engine",
        "social_network",
        "social_url",
        "ai_name",
        "referral_source",
        "referral_url",
        "campaign_url",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "os",
        "os_version",
        "browser",
        "browser_version",
        "device_brand",
        "screen_resolution",
        "viewport_width",
        "viewport_height",
        "language",
        "country",
        "region",
        "page_height",
    ),
    tables.PAGELEAVES: (
        *_PAGE,
        "active_ms",
        "max_scroll",
        "page_height",
        "scroll_fraction",
        "block_names",
        "block_seconds",
        "block_seen",
    ),
    tables.CLICKS: (*_PAGE, "x", "y", "selector", "text", "element"),
    tables.EVENTS: (*_PAGE, "kind", *tables.SPARSE_NAMES),
}


@dataclass
class Payload:
    """One request's rows, per table, as tuples in ``ROW_FIELDS`` order (visit keys are set on the writer).

    Tuples, not per-event dicts or per-request columns: one allocation per event on the request
    path, and the writer turns every request's rows of a table into columns once per group commit.
    """

    project: str
    environment: str
    visitor_key: int
    received_us: int
    device_type: str
    is_bot: bool
    idle_ms: int
    tuples: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    times: dict[str, list[int]] = field(default_factory=dict)  # per table, event time (ms) of each row
    pages: list[Page] = field(default_factory=list)
    rows: int = 0
    digest: int | None = None  # batch_digest: a retried batch is dropped on the writer
    visit_keys: dict[str, list[int]] = field(default_factory=dict)  # per table, set on the writer


def _url_base(url: str) -> str:
    """The merged form of a page URL: without query string and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def _exact(url: str) -> str:
    return url.split("#", 1)[0]


class _Builder:
    """Row tuples of one request, appended event by event; page keys and URL forms computed once each."""

    def __init__(self, payload: Payload, client: Client, place: Place, site: Site, visitor: str) -> None:
        self.p = payload
        self.client = client
        self.place = place
        self.site = site
        self.visitor = visitor
        self._page_keys: dict[str, int] = {}
        self._heads: dict[tuple[str, str], tuple[int | None, str, str]] = {}
        for table in ROW_FIELDS:
            payload.tuples[table] = []
            payload.times[table] = []

    def page_key(self, page: str) -> int:
        key = self._page_keys.get(page)
        if key is None:
            key = key64(self.site.project, self.site.environment, self.visitor, page)
            self._page_keys[page] = key
        return key

    def head(self, ts_ms: int, e: Any) -> tuple[Any, ...]:
        """(event_time, page_key, url, url_base) of an event; the last three once per (page, URL) of a batch."""
        page: str = getattr(e, "page", "")
        url: str = getattr(e, "url", "")
        where = self._heads.get((page, url))
        if where is None:
            where = self._heads[(page, url)] = (self.page_key(page) if page else None, _exact(url), _url_base(url))
        return (ts_ms * 1000, *where)

    def row(self, table: str, ts_ms: int, values: tuple[Any, ...]) -> None:
        self.p.tuples[table].append(values)
        self.p.times[table].append(ts_ms)
        self.p.rows += 1


def _pageview(b: _Builder, ts: int, e: wire.PageView) -> None:
    src = classify(e.referrer, e.url)
    c, place = b.client, b.place
    vp = [*e.viewport, 0, 0]
    b.row(
        tables.PAGEVIEWS,
        ts,
        (
            *b.head(ts, e),
            e.title,
            e.referrer,
            src.source_type,
            src.search_engine,
            src.social_network,
            src.social_url,
            src.ai_name,
            src.referral_source,
            src.referral_url,
            src.campaign_url,
            src.utm_source,
            src.utm_medium,
            src.utm_campaign,
            src.utm_term,
            src.utm_content,
            c.os,
            c.os_version,
            c.browser,
            c.browser_version,
            c.device_brand,
            screen_resolution(e.screen),
            vp[0] or None,
            vp[1] or None,
            language(e.language),
            place.country,
            place.region,
            e.page_height,
        ),
    )
    b.p.pages.append(Page(key=b.page_key(e.page), time_ms=ts, url=_url_base(e.url), source=src.source_type))


def _pageleave(b: _Builder, ts: int, e: wire.PageLeave) -> None:
    height = e.page_height or 0
    fraction = min(1.0, e.max_scroll / height) if height else None
    blocks = e.blocks
    b.row(
        tables.PAGELEAVES,
        ts,
        (
            *b.head(ts, e),
            e.active_ms,
            e.max_scroll,
            e.page_height,
            fraction,
            [x.name for x in blocks],
            [x.seconds for x in blocks],
            [x.seen for x in blocks],
        ),
    )


def _click(b: _Builder, ts: int, e: wire.Click) -> None:
    b.row(tables.CLICKS, ts, (*b.head(ts, e), e.x, e.y, e.selector, e.text, e.element or ""))


# tracker_events rows: (kind, element, goal, name, value, properties, experience, version, action, fields, user_id)
assert tables.SPARSE_NAMES == (
    "element", "goal", "name", "value", "properties", "experience", "version", "action", "fields", "user_id",
)  # fmt: skip


def _element_view(b: _Builder, ts: int, e: wire.ElementView) -> None:
    b.row(tables.EVENTS, ts, (*b.head(ts, e), "element_view", e.element, None, None, None, None, None, None, None,
                              None, None))  # fmt: skip


def _conversion(b: _Builder, ts: int, e: wire.Conversion) -> None:
    b.row(tables.EVENTS, ts, (*b.head(ts, e), "conversion", None, e.goal, None, None, None, None, None, None, None,
                              None))  # fmt: skip


def _custom(b: _Builder, ts: int, e: wire.Custom) -> None:
    props = _json.encode(e.properties).decode()
    b.row(tables.EVENTS, ts, (*b.head(ts, e), "custom", None, None, e.name, None, props, None, None, None, None,
                              None))  # fmt: skip


def _identify(b: _Builder, ts: int, e: wire.Identify) -> None:
    b.row(tables.EVENTS, ts, (*b.head(ts, e), "identify", None, None, None, None, None, None, None, None, None,
                              e.user_id))  # fmt: skip


def _dimension(b: _Builder, ts: int, e: wire.Dimension) -> None:
    b.row(tables.EVENTS, ts, (*b.head(ts, e), "dimension", None, None, e.name, e.value, None, None, None, None,
                              None, None))  # fmt: skip


def _experience(b: _Builder, ts: int, e: wire.Experience) -> None:
    fields = _json.encode(e.fields).decode() if e.fields else None
    b.row(tables.EVENTS, ts, (*b.head(ts, e), "experience", None, e.goal or None, None, None, None, e.experience,
                              e.version, e.action, fields, None))  # fmt: skip


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
    return [(e.user_id, dict(e.attributes)) for e in batch.identifies if e.attributes]


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
