"""Verifying keys: constant-time secret check, a short in-process cache, and lazy last-used stamps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from traitbase.domain.keys.principal import Principal, parse_scopes, parse_token, secret_matches
from traitbase.errors import Unauthenticated
from traitbase.storage.db import Database
from traitbase.storage.repos import keys as key_repo


@dataclass
class _Cached:
    expires: float
    secret_hash: str
    principal: Principal | None  # None: revoked


class KeyVerifier:
    def __init__(
        self,
        db: Database,
        *,
        cache_seconds: float,
        touch_every: float,
        touch: Callable[[str, datetime], None],
    ) -> None:
        self._db = db
        self._cache_seconds = cache_seconds
        self._touch_every = touch_every
        self._touch = touch
        self._cache: dict[str, _Cached] = {}
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify_token(self, token: str) -> Principal:
        key_id, secret = parse_token(token.strip())
        return self.verify(key_id, secret)

    def is_cached(self, key_id: str) -> bool:
        """True when verifying this key needs no database read (callers may skip a thread hop)."""
        entry = self._cache.get(key_id)
        return entry is not None and entry.expires >= time.monotonic()

    def verify(self, key_id: str, secret: str) -> Principal:
        now = time.monotonic()
        entry = self._cache.get(key_id)
        if entry is None or entry.expires < now:
            entry = self._load(key_id, now)
        if entry is None or not secret_matches(secret, entry.secret_hash) or entry.principal is None:
            raise Unauthenticated("invalid API key")
        self._maybe_touch(key_id, now)
        return entry.principal

    def forget(self, key_id: str) -> None:
        """Drop a cached key at once (this process); other processes follow within the cache time."""
        with self._lock:
            self._cache.pop(key_id, None)

    def _load(self, key_id: str, now: float) -> _Cached | None:
        with self._db.read() as s:
            found = key_repo.key_with_context(s, key_id)
        if found is None:
            return None
        key, plan, role = found
        principal = None
        if key.revoked_at is None:
            principal = Principal(
                key_id=key.key_id,
                org_id=key.org_id,
                project_id=key.project_id,
                environment=key.environment,
                scopes=parse_scopes(key.scopes),
                plan=plan,
                instance_admin=bool(key.instance_admin),
                creator_role=role,
            )
        entry = _Cached(expires=now + self._cache_seconds, secret_hash=key.secret_hash, principal=principal)
        with self._lock:
            self._cache[key_id] = entry
        return entry

    def _maybe_touch(self, key_id: str, now: float) -> None:
        last = self._touched.get(key_id)
        if last is not None and now - last < self._touch_every:
            return
        self._touched[key_id] = now
        self._touch(key_id, datetime.now(UTC))
