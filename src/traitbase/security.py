"""The server master key, and HMAC-signed expiring tokens for URLs the server hands out.

The master key comes from the ``master_key`` setting, or is created once as
``<data_dir>/master.key`` (mode 0600). Every API process and worker of one installation must
share it: it signs error-log and upload URLs and encrypts the secrets that must stay recoverable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from traitbase.config import Settings


def load_master_key(settings: Settings) -> bytes:
    if settings.master_key:
        return hashlib.sha256(settings.master_key.encode()).digest()
    path: Path = settings.master_key_file or settings.data_dir / "master.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return hashlib.sha256(path.read_text().strip().encode()).digest()


def same_signature(expected: str, given: str) -> bool:
    """Constant-time comparison of a signature we made (ASCII) with one a client sent (any text)."""
    # compare_digest refuses non-ASCII str with TypeError; such a signature simply does not match.
    return given.isascii() and hmac.compare_digest(expected.encode(), given.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Signer:
    """Signs ``purpose|subject|expires`` so a URL can prove what it grants and until when."""

    def __init__(self, key: bytes) -> None:
        self._key = hmac.new(key, b"traitbase-url-signing", hashlib.sha256).digest()

    def sign(self, purpose: str, subject: str, expires: int) -> str:
        msg = f"{purpose}|{subject}|{expires}".encode()
        return _b64(hmac.new(self._key, msg, hashlib.sha256).digest())

    def verify(self, purpose: str, subject: str, expires: int, signature: str, *, now: float | None = None) -> bool:
        if expires < (now if now is not None else time.time()):
            return False
        return same_signature(self.sign(purpose, subject, expires), signature)

    def derive(self, label: str) -> bytes:
        """A sub-key for another use (e.g. encrypting stored secrets)."""
        return hmac.new(self._key, label.encode(), hashlib.sha256).digest()


class SecretBox:
    """AES-GCM encryption of secrets the server must be able to read back (never hashes).

    Used for keys enabled for the audience-files token scheme, whose check needs the plain secret.
    The key is derived from the master key, so a database dump alone reveals nothing.
    """

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)

    @classmethod
    def for_key_secrets(cls, signer: Signer) -> SecretBox:
        return cls(signer.derive("api-key-secrets"))

    def encrypt(self, plain: str, *, context: str = "") -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plain.encode(), context.encode())
        return "v1." + _b64(nonce + sealed)

    def decrypt(self, token: str, *, context: str = "") -> str:
        from cryptography.exceptions import InvalidTag

        version, _, body = token.partition(".")
        if version != "v1":
            raise ValueError("unknown secret encryption version")
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except InvalidTag:
            raise ValueError("secret cannot be decrypted with this master key") from None
