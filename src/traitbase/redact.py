"""What of a request may reach a log line: secrets are masked by what they look like, not by name.

A client can send a key under any query-parameter name (``?access_token=``, ``?auth=``, a bare
``?<token>``, ``?x=1;api_key=``), percent-encoded, or in the path. So:

- every query *value* is written as ``***`` unless ``log_query_values`` is on;
- with it on, a value is still masked when its parameter name is a known secret name, or when
  the value (percent-decoded) is shaped like a Traitbase key or secret;
- a path segment or a bare query word shaped like a key or secret is masked in every mode.

Headers are never logged, so ``Authorization``, ``x-api-key``, ``access-key`` and ``token`` never
reach a line.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, unquote_plus

MASK = "***"

# Names whose value is a secret whatever it looks like (compared lower-case, "-" as "_").
SECRET_NAMES = frozenset(
    {
        "access_key",
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "authorization",
        "client_secret",
        "key",
        "ossaccesskeyid",
        "passwd",
        "password",
        "policy",
        "pwd",
        "secret",
        "session",
        "sig",
        "signature",
        "token",
        "x_amz_credential",
        "x_amz_security_token",
        "x_amz_signature",
        "x_api_key",
    }
)

# tb-<16 hex key id>.<secret> (any 1-10 letter prefix, as domain.keys.principal parses), the
# tbs_ site keys, and key-id:secret pairs as in Basic credentials.
_SHAPES = (
    re.compile(r"[A-Za-z]{1,10}-[0-9a-f]{16}[.:][A-Za-z0-9_\-]{8,}"),
    re.compile(r"tbs_[A-Za-z0-9_\-]{4,}"),
    re.compile(r"[0-9a-f]{16}:[A-Za-z0-9_\-]{8,}"),
)
# A bare secret (token_urlsafe, base64 of Basic credentials): a long run mixing upper case,
# lower case and digits. Hex ids and UUIDs have no upper case, so they stay readable.
_RUN = re.compile(r"[A-Za-z0-9_\-+/=]{24,}")


def _decoded(text: str, *, plus: bool) -> str:
    """Percent-decoded until stable (a secret may be encoded twice), at most three rounds."""
    for _ in range(3):
        nxt = unquote_plus(text) if plus else unquote(text)
        if nxt == text:
            break
        text = nxt
    return text


def _mixed(run: str) -> bool:
    return any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)


def looks_secret(text: str) -> bool:
    """Whether ``text`` (already decoded) contains something shaped like a key or secret."""
    if any(shape.search(text) for shape in _SHAPES):
        return True
    return any(_mixed(m.group()) for m in _RUN.finditer(text))


def redact_query(query: str, *, log_values: bool = False) -> str:
    """The query string as it may be logged (``&`` and ``;`` both separate parameters)."""
    out: list[str] = []
    for piece in re.split(r"[&;]", query):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        plain_name = _decoded(name, plus=True)
        if looks_secret(plain_name):
            out.append(MASK)  # a bare ?<token>, or a secret used as a name
            continue
        if not eq:
            out.append(name if log_values else MASK)
            continue
        secret = plain_name.strip().lower().replace("-", "_") in SECRET_NAMES
        if not log_values or secret or looks_secret(_decoded(value, plus=True)):
            value = MASK
        out.append(f"{name}={value}")
    return "&".join(out)


def redact_path(path: str) -> str:
    """The path with every segment that holds a key or secret written as ``***``."""
    if not looks_secret(_decoded(path, plus=False)):
        return path
    return "/".join(MASK if looks_secret(_decoded(seg, plus=False)) else seg for seg in path.split("/"))
