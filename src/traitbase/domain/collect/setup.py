"""Building the collector from settings (the one place its parts are opened)."""

from __future__ import annotations

import threading
import time
from typing import Any

from traitbase.config import Settings
from traitbase.domain.collect import pages
from traitbase.domain.collect.geo import GeoResolver
from traitbase.domain.collect.ingest import CollectLimits, Collector
from traitbase.domain.collect.rows import Site
from traitbase.domain.collect.sites import SiteDirectory
from traitbase.storage.db import Database
from traitbase.storage.ratelimit import RateLimiter
from traitbase.storage.warehouse.base import Warehouse
from traitbase.storage.writer import GroupCommitWriter


class PageConfigCache:
    """Page configurations as the tracker asks for them, cached per (project, URL, device) for a while.

    Every page load asks; an admin change reaches browsers within ``collect_config_cache_seconds``
    (the same time browsers may cache the answer themselves).
    """

    def __init__(self, db: Database, *, seconds: float, max_entries: int = 50_000) -> None:
        self._db = db
        self._seconds = seconds
        self._max = max_entries
        self._cache: dict[tuple[str, str, str, str], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, site: Site, url: str, device: str) -> dict[str, Any]:
        key = (site.project, site.environment, url[:2048], device[:10])
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] >= now:
            return hit[1]
        with self._db.read() as s:
            body = pages.config_for(s, project_id=site.project, environment=site.environment, url=key[2],
                                    device=key[3])  # fmt: skip
        with self._lock:
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[key] = (now + self._seconds, body)
        return body


def open_collector(
    settings: Settings,
    *,
    db: Database,
    limiter: RateLimiter,
    warehouse: Warehouse,
    writer: GroupCommitWriter,
    limits: CollectLimits,
) -> Collector:
    return Collector(
        sites=SiteDirectory(db, cache_seconds=settings.key_cache_seconds),
        geo=GeoResolver(
            settings.geoip_database,
            country_header=settings.collect_country_header,
            region_header=settings.collect_region_header,
        ),
        limiter=limiter,
        warehouse=warehouse,
        writer=writer,
        limits=limits,
        respect_dnt=settings.collect_respect_dnt,
        pages=PageConfigCache(db, seconds=settings.collect_config_cache_seconds),
    )
