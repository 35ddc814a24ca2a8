"""Building the collector from settings (the one place its parts are opened)."""

from __future__ import annotations

from traitbase.config import Settings
from traitbase.domain.collect.geo import GeoResolver
from traitbase.domain.collect.ingest import CollectLimits, Collector
from traitbase.domain.collect.sites import SiteDirectory
from traitbase.storage.db import Database
from traitbase.storage.ratelimit import RateLimiter
from traitbase.storage.warehouse.base import Warehouse
from traitbase.storage.writer import GroupCommitWriter


def open_collector(
    settings: Settings, *, db: Database, limiter: RateLimiter, warehouse: Warehouse, writer: GroupCommitWriter
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
        limits=CollectLimits(
            max_events=settings.collect_max_events,
            rate_limit=settings.collect_rate_limit,
            idle_minutes=settings.collect_visit_idle_minutes,
            log_full_ip=settings.collect_log_full_ip,
        ),
        respect_dnt=settings.collect_respect_dnt,
    )
