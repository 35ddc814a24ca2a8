"""OpenAPI descriptions of the collection routes (the wire contract is docs/collect.md)."""

from __future__ import annotations

from typing import Any

ERROR = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
        }
    }
}

RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "Stored (nothing is said about the project)."},
    400: {"description": "Malformed batch: the whole batch is refused.", **ERROR},
    403: {"description": "Unknown site key.", **ERROR},
    413: {"description": "Body over `collect_max_body_bytes`.", **ERROR},
    429: {"description": "Over `collect_rate_limit` for this site key; see Retry-After.", **ERROR},
}

BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A tracker batch; sent as application/json or text/plain (sendBeacon) — JSON either way.",
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["visitor", "events"],
                    "properties": {
                        "site": {"type": "string", "maxLength": 64},
                        "visitor": {"type": "string", "minLength": 1, "maxLength": 64},
                        "sent_at": {"type": "integer"},
                        "events": {"type": "array", "items": {"type": "object", "required": ["kind", "ts"]}},
                    },
                }
            }
            for media in ("application/json", "text/plain")
        },
    }
}

CONFIG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Blocks, elements and goals for the page (empty lists for an unknown key or page).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "blocks": {"type": "array", "items": {"type": "object"}},
                        "elements": {"type": "array", "items": {"type": "object"}},
                        "goals": {"type": "array", "items": {"type": "object"}},
                        "respect_dnt": {"type": "boolean"},
                    },
                }
            }
        },
    }
}
