"""Site keys: which project a public site key writes into, cached briefly in process memory.

A site key is public (it sits in every page's HTML) and write-only: it resolves to a project
and an environment for ``/collect`` and ``/collect/config`` and to nothing else — no API key
verifier accepts it, and ``/collect`` accepts nothing but it. Each project has two: ``site_key``
(``tbs_...``) writes its production environment, ``sandbox_site_key`` (``tbx_...``) its sandbox,
for staging sites; as with API keys, the environment comes from the key alone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from traitbase.domain.collect.rows import Site
from traitbase.domain.keys.principal import Principal
from traitbase.storage.db import Database
from traitbase.storage.repos import projects as project_repo

MAX_SITE_KEY = 64


@dataclass
class _Entry:
    expires: float
    site: Site | None


class SiteDirectory:
    def __init__(self, db: Database, *, cache_seconds: float) -> None:
        self._db = db
        self._cache_seconds = cache_seconds
        self._cache: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def cached(self, site_key: str) -> _Entry | None:
        entry = self._cache.get(site_key)
        return entry if entry is not None and entry.expires >= time.monotonic() else None

    def cached_site(self, site_key: str) -> Site | None:
        """The site of a key known to this process right now (no read); None means "ask ``resolve``"."""
        entry = self.cached(site_key) if site_key else None
        return entry.site if entry is not None else None

    def resolve(self, site_key: str) -> Site | None:
        """The site of a key, or None for an unknown one (also cached, so guessing costs no reads)."""
        if not site_key or len(site_key) > MAX_SITE_KEY:
            return None
        entry = self.cached(site_key)
        if entry is None:
            with self._db.read() as s:
                found = project_repo.get_by_site_key(s, site_key)
                site = None
                if found is not None:
                    proj, environment = found
                    site = Site(project=proj.id, environment=environment, org_id=proj.org_id)
            entry = _Entry(expires=time.monotonic() + self._cache_seconds, site=site)
            with self._lock:
                if len(self._cache) > 100_000:
                    self._cache.clear()
                self._cache[site_key] = entry
        return entry.site


def site_principal(site: Site) -> Principal:
    """The principal an ``identify`` writes the user store as: the site's project, no scopes at all."""
    return Principal(
        key_id=f"site:{site.project}",
        org_id=site.org_id,
        project_id=site.project,
        environment=site.environment,
        scopes=frozenset(),
        plan="",
    )
