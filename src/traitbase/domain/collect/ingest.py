"""Taking one /collect request: resolve the site key, parse, enrich, write — in that order.

The order is the point: nothing is enriched or written before the batch is whole and valid,
so a refused batch costs one decode and leaves no trace in the writer (it never reaches it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from traitbase.domain.collect import parse, rows, store
from traitbase.domain.collect.geo import NOWHERE, GeoResolver, truncate_ip
from traitbase.domain.collect.sites import SiteDirectory, site_principal
from traitbase.domain.profiles import store as profiles
from traitbase.domain.profiles.parse import AttributeLimits
from traitbase.errors import Forbidden, Invalid
from traitbase.storage.ratelimit import RateLimiter
from traitbase.storage.warehouse.base import Warehouse
from traitbase.storage.writer import GroupCommitWriter

log = logging.getLogger(__name__)

# (site, page URL, device type) -> {"blocks", "elements", "goals"} or None.
PageConfigSource = Callable[[rows.Site, str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class CollectLimits:
    max_events: int
    rate_limit: str
    idle_minutes: float
    log_full_ip: bool
    attributes: AttributeLimits  # identify writes the user store: the attribute face's limits apply


def check_identify(batch: parse.Batch, limits: AttributeLimits) -> None:
    """identify attributes obey the same limits as an attribute upload (they land in the same store)."""
    for e in batch.identifies:
        if len(e.attributes) > limits.max_fields:
            raise Invalid(f"identify holds at most {limits.max_fields} attributes - at `{_where(batch, e)}`")
        for name, value in e.attributes.items():
            if name == "user_id" or len(name) > limits.max_field_name_length or "\x00" in name + value:
                raise Invalid(
                    f"attribute names are 1 to {limits.max_field_name_length} characters, not user_id, "
                    f"without NUL - at `{_where(batch, e)}`"
                )
            if len(value) > limits.max_value_length:
                raise Invalid(
                    f"attribute values are at most {limits.max_value_length} characters - at `{_where(batch, e)}`"
                )


def _where(batch: parse.Batch, event: parse.Identify) -> str:
    index = next(i for i, e in enumerate(batch.events) if e is event)
    return f"$.events[{index}].attributes"


@dataclass(frozen=True)
class Request:
    body: bytes
    query_site: str
    user_agent: str
    ip: str
    headers: dict[str, str]


class Collector:
    def __init__(
        self,
        *,
        sites: SiteDirectory,
        geo: GeoResolver,
        limiter: RateLimiter,
        warehouse: Warehouse,
        writer: GroupCommitWriter,
        limits: CollectLimits,
        respect_dnt: bool,
        pages: PageConfigSource | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock  # seconds since the epoch; tests substitute a fixed clock
        self.respect_dnt = respect_dnt
        self.pages = pages
        self.sites = sites
        self.geo = geo
        self.limiter = limiter
        self.warehouse = warehouse
        self.writer = writer
        self.limits = limits
        # Request headers the geo lookup reads (lower case); no other header is passed down.
        self.geo_headers: tuple[str, ...] = tuple(h for h in (geo.country_header, geo.region_header) if h)

    def page_config(self, site_key: str, url: str, device: str) -> dict[str, Any]:
        """What the tracker needs on one page; the same empty answer for unknown keys and pages."""
        site = self.sites.resolve(site_key)
        found = self.pages(site, url, device) if site is not None and self.pages is not None else None
        body: dict[str, Any] = found or {"blocks": [], "elements": [], "goals": []}
        return {**body, "respect_dnt": self.respect_dnt}

    def shown_ip(self, ip: str) -> str:
        return ip if self.limits.log_full_ip else truncate_ip(ip)

    def accept(self, req: Request) -> tuple[rows.Site, parse.Batch]:
        """A valid batch and the site it is for; refuses (400/403/429) before anything is written."""
        try:
            batch = parse.parse_batch(req.body, max_events=self.limits.max_events)
        except Invalid as exc:
            log.info("collect batch refused from %s: %s", self.shown_ip(req.ip), exc.message[:200])
            raise
        check_identify(batch, self.limits.attributes)
        key = req.query_site or batch.site
        if req.query_site and batch.site and batch.site != req.query_site:
            raise Invalid("the site key in the body differs from the one in the query string")
        site = self.sites.resolve(key)
        if site is None:
            raise Forbidden("unknown site key")
        self.limiter.hit(f"collect:{key}", self.limits.rate_limit)
        return site, batch

    async def store(self, site: rows.Site, batch: parse.Batch, req: Request) -> None:
        """Write the batch; returns once every row is durable (identify attributes first)."""
        people = rows.identities(batch)
        if people:
            await profiles.upload(self.writer, site_principal(site), people)
        payload = rows.build_payload(
            batch,
            site=site,
            user_agent=req.user_agent,
            place=self.geo.locate(req.ip, req.headers) if self.geo.enabled else NOWHERE,
            now_ms=int(self.clock() * 1000),
            idle_ms=int(self.limits.idle_minutes * 60_000),
            digest=rows.batch_digest(site, batch),
        )
        await self.warehouse.submit_async(store.write_op(payload))
