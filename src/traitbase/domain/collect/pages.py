"""Page configuration and goals: the rules for the admin API, and what ``/collect/config`` serves.

A configuration applies to one URL on one device type. ``exact`` matches the page URL without
its fragment; ``merged`` matches it without query string and fragment (all parameter variants of
a page together). The tracker gets the exact configuration if there is one, else the merged one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from traitbase.domain import access
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Invalid, NotFound
from traitbase.storage.models import Goal, PageConfig
from traitbase.storage.repos import pages as repo

DEVICES = ("PC", "MOBILE", "TABLET")
MATCHES = ("exact", "merged")
GOAL_TYPES = ("event", "url", "click")
MAX_BLOCKS = 100
MAX_ELEMENTS = 200
MAX_NAME = 200
MAX_SELECTOR = 1024
MAX_URL = 2048
MAX_PAGE_PX = 10_000_000
# The tracker reports device types in the query API's spelling; configurations use upper case.
DEVICE_OF_TYPE = {"PC": "PC", "Mobile": "MOBILE", "Tablet": "TABLET"}


def check_access(s: Session, p: Principal, *, project_id: str, environment: str) -> int:
    """May this admin key touch this project environment's configuration? Returns the org id.

    The one gate of every page and goal route (domain.access, as for every admin route:
    admin scope, the project is the key's own or its organization's, and a project key reaches
    only its own environment, so a sandbox key never touches production configuration).
    """
    return int(access.admin_project(s, p, project_id, environment=environment).org_id)


def normalize_url(url: str, match: str) -> str:
    url = url.strip().split("#", 1)[0]
    return url.split("?", 1)[0] if match == "merged" else url


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def _bad(field: str, reason: str) -> Invalid:
    return Invalid(f"{field}: {reason}", errors={field: reason})


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME or "\x00" in value:
        raise _bad(field, f"must be 1 to {MAX_NAME} characters")
    return value.strip()


def _selector(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SELECTOR or "\x00" in value:
        raise _bad(field, f"must be a CSS selector of 1 to {MAX_SELECTOR} characters")
    return value.strip()


def check_blocks(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ordered blocks, each a CSS selector or a pixel band (``top`` < ``bottom``); names unique."""
    if len(raw) > MAX_BLOCKS:
        raise _bad("blocks", f"at most {MAX_BLOCKS} blocks per page")
    out: list[dict[str, Any]] = []
    for i, b in enumerate(raw):
        name = _name(b.get("name"), f"blocks[{i}].name")
        if b.get("selector") is not None:
            out.append({"name": name, "selector": _selector(b["selector"], f"blocks[{i}].selector")})
            continue
        top, bottom = b.get("top"), b.get("bottom")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (top, bottom)):
            raise _bad(f"blocks[{i}]", "needs a selector, or top and bottom in pixels")
        assert isinstance(top, int) and isinstance(bottom, int)
        if not 0 <= top < bottom <= MAX_PAGE_PX:
            raise _bad(f"blocks[{i}]", "needs 0 <= top < bottom")
        out.append({"name": name, "top": top, "bottom": bottom})
    names = [b["name"] for b in out]
    if len(set(names)) != len(names):
        raise _bad("blocks", "block names must be unique on a page")
    return out


def check_elements(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(raw) > MAX_ELEMENTS:
        raise _bad("elements", f"at most {MAX_ELEMENTS} tracked elements per page")
    out = [
        {
            "name": _name(e.get("name"), f"elements[{i}].name"),
            "selector": _selector(e.get("selector"), f"elements[{i}].selector"),
            "cta": bool(e.get("cta", False)),
        }
        for i, e in enumerate(raw)
    ]
    names = [e["name"] for e in out]
    if len(set(names)) != len(names):
        raise _bad("elements", "element names must be unique on a page")
    return out


def page_out(p: PageConfig) -> dict[str, Any]:
    return {
        "id": p.id,
        "project_id": p.project_id,
        "environment": p.environment,
        "url": p.url,
        "match": p.match,
        "device": p.device,
        "blocks": p.blocks,
        "elements": p.elements,
        "updated_at": p.updated_at.isoformat(),
    }


def goal_out(g: Goal) -> dict[str, Any]:
    return {"name": g.name, "type": g.type, "match": g.match, "environment": g.environment}


def put_page(
    s: Session,
    p: Principal,
    *,
    project_id: str,
    environment: str,
    url: str,
    match: str,
    device: str,
    blocks: list[dict[str, Any]],
    elements: list[dict[str, Any]],
) -> dict[str, Any]:
    org_id = check_access(s, p, project_id=project_id, environment=environment)
    if match not in MATCHES:
        raise _bad("match", "must be exact or merged")
    if device not in DEVICES:
        raise _bad("device", "must be PC, MOBILE or TABLET")
    norm = normalize_url(url, match)
    if not norm.startswith(("http://", "https://")) or len(norm) > MAX_URL or "\x00" in norm:
        raise _bad("url", f"must be an http(s) URL of at most {MAX_URL} characters")
    page = repo.put_page(
        s, org_id=org_id, project_id=project_id, environment=environment, match=match, url=norm,
        url_key=url_key(norm), device=device, blocks=check_blocks(blocks), elements=check_elements(elements),
    )  # fmt: skip
    return page_out(page)


def list_pages(s: Session, p: Principal, *, project_id: str, environment: str) -> list[dict[str, Any]]:
    check_access(s, p, project_id=project_id, environment=environment)
    return [page_out(x) for x in repo.list_pages(s, project_id=project_id, environment=environment)]


def delete_page(s: Session, p: Principal, *, project_id: str, environment: str, page_id: int) -> None:
    check_access(s, p, project_id=project_id, environment=environment)
    if not repo.delete_page(s, project_id=project_id, environment=environment, page_id=page_id):
        raise NotFound("page configuration not found")


def put_goal(
    s: Session, p: Principal, *, project_id: str, environment: str, name: str, type_: str, match: str
) -> dict[str, Any]:
    org_id = check_access(s, p, project_id=project_id, environment=environment)
    if type_ not in GOAL_TYPES:
        raise _bad("type", "must be event, url or click")
    if not isinstance(match, str) or not match.strip() or len(match) > 1024 or "\x00" in match:
        raise _bad("match", "must be 1 to 1024 characters")
    goal = repo.put_goal(
        s, org_id=org_id, project_id=project_id, environment=environment, name=_name(name, "name"), type_=type_,
        match=match.strip(),
    )  # fmt: skip
    return goal_out(goal)


def list_goals(s: Session, p: Principal, *, project_id: str, environment: str) -> list[dict[str, Any]]:
    check_access(s, p, project_id=project_id, environment=environment)
    return [goal_out(g) for g in repo.list_goals(s, project_id=project_id, environment=environment)]


def delete_goal(s: Session, p: Principal, *, project_id: str, environment: str, name: str) -> None:
    check_access(s, p, project_id=project_id, environment=environment)
    if not repo.delete_goal(s, project_id=project_id, environment=environment, name=name):
        raise NotFound("goal not found")


def config_for(s: Session, *, project_id: str, environment: str, url: str, device: str) -> dict[str, Any]:
    """What the tracker gets on one page: the exact configuration, else the merged one; all goals."""
    device = DEVICE_OF_TYPE.get(device, device.upper())
    exact, merged = normalize_url(url, "exact"), normalize_url(url, "merged")
    keys = [("exact", url_key(exact)), ("merged", url_key(merged))]
    found = {p.match: p for p in repo.find_pages(s, project_id=project_id, environment=environment, device=device,
                                                  keys=keys)}  # fmt: skip
    page = found.get("exact") or found.get("merged")
    goals = [{"name": g.name, "type": g.type, "match": g.match} for g in repo.list_goals(
        s, project_id=project_id, environment=environment)]  # fmt: skip
    return {
        "blocks": page.blocks if page else [],
        "elements": page.elements if page else [],
        "goals": goals,
    }
