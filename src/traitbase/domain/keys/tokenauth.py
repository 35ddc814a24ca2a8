"""The audience-files token scheme (SPEC 9.5): ``token = md5(api_key + md5(str(timestamp)))``.

The check needs the plain secret, so only keys created with ``token_auth`` qualify: they keep
their secret encrypted with a key derived from the master key. The timestamp must be within the
window; inside it a token is good for any number of requests (SPEC 9.5: real clients sign each
request with the current second and make several calls a second). With a replay guard (the
``token_auth_single_use`` setting) the same token is refused when seen again.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from traitbase.domain.keys.principal import Principal, parse_scopes
from traitbase.errors import Unauthenticated
from traitbase.security import SecretBox
from traitbase.storage.db import Database
from traitbase.storage.replay import ReplayGuard
from traitbase.storage.repos import keys as key_repo


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def compute_token(api_key: str, timestamp: int | str) -> str:
    """What a client sends: lowercase hex md5 of the secret followed by md5 of the timestamp."""
    return _md5(api_key + _md5(str(timestamp)))


def secret_context(key_id: str) -> str:
    # Binding the ciphertext to its key id stops a stored secret being copied onto another key row.
    return f"api-key:{key_id}"


class TokenVerifier:
    def __init__(
        self,
        db: Database,
        *,
        box: SecretBox,
        guard: ReplayGuard | None,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._box = box
        self._guard = guard
        self._window = window_seconds
        self._clock = clock

    def verify(self, access_key: str, timestamp: str, token: str) -> Principal:
        if not access_key or not timestamp or not token:
            raise Unauthenticated("missing access-key, timestamp or token header")
        try:
            ts = int(timestamp)
        except ValueError:
            raise Unauthenticated("timestamp must be unix seconds") from None
        if abs(self._clock() - ts) > self._window:
            raise Unauthenticated(f"timestamp is outside the accepted window of ±{self._window} seconds")
        with self._db.read() as s:
            found = key_repo.key_with_context(s, access_key)
        if found is None or found[0].revoked_at is not None:
            raise Unauthenticated("unknown access-key")
        key, plan, role = found
        if not key.secret_encrypted:
            raise Unauthenticated("this access-key is not enabled for token authentication")
        secret = self._box.decrypt(key.secret_encrypted, context=secret_context(key.key_id))
        if not hmac.compare_digest(compute_token(secret, ts), token.strip().lower()):
            raise Unauthenticated("token does not match access-key and timestamp")
        # Remembered past both edges of the window, so it can never be replayed while still fresh.
        if self._guard is not None and not self._guard.first_use(
            f"{key.key_id}:{token.lower()}", ttl_seconds=2 * self._window + 1
        ):
            raise Unauthenticated("token already used; compute a new one with a new timestamp")
        return Principal(
            key_id=key.key_id,
            org_id=key.org_id,
            project_id=key.project_id,
            environment=key.environment,
            scopes=parse_scopes(key.scopes),
            plan=plan,
            instance_admin=bool(key.instance_admin),
            creator_role=role,
        )
