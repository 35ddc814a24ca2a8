"""Key-verifying dependencies, one per auth style (SPEC section 1); each face uses only its own."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from traitbase.context import AppContext
from traitbase.domain.keys.principal import Principal, parse_token
from traitbase.errors import Unauthenticated


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing or malformed Authorization: Bearer header")
    return token.strip()


async def verify(request: Request, key_id: str, secret: str) -> Principal:
    """Check a key; a cached key is checked on the event loop, a cold one in a worker thread."""
    verifier = ctx_of(request).verifier
    if verifier.is_cached(key_id):
        return verifier.verify(key_id, secret)
    return await run_in_threadpool(verifier.verify, key_id, secret)


async def verify_token(request: Request, token: str) -> Principal:
    key_id, secret = parse_token(token)
    return await verify(request, key_id, secret)


async def bearer_principal(request: Request) -> Principal:
    return await verify_token(request, _bearer_token(request))


async def api_key_header_principal(request: Request) -> Principal:
    token = request.headers.get("x-api-key", "").strip()
    if not token:
        raise Unauthenticated("missing x-api-key header")
    return await verify_token(request, token)


async def basic_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthenticated("missing HTTP Basic credentials (key id and secret)")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("malformed HTTP Basic credentials") from None
    key_id, sep, secret = decoded.partition(":")
    if not sep or not key_id or not secret:
        raise Unauthenticated("malformed HTTP Basic credentials")
    return await verify(request, key_id, secret)


async def query_param_principal(request: Request) -> Principal:
    token = request.query_params.get("api_key", "").strip()
    if not token:
        raise Unauthenticated("missing api_key query parameter")
    return await verify_token(request, token)


async def token_header_principal(request: Request) -> Principal:
    """Audience-files scheme (SPEC 9.5): headers ``access-key``, ``timestamp`` and ``token``."""
    verifier = ctx_of(request).token_verifier
    h = request.headers
    return await run_in_threadpool(
        verifier.verify, h.get("access-key", "").strip(), h.get("timestamp", "").strip(), h.get("token", "")
    )
