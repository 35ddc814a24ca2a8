"""``traitbase scan URL --project P --device PC|MOBILE|TABLET``: a page scan through the admin API.

The server renders the page in its headless Chromium, stores a full-page screenshot and one per block,
and answers with signed URLs; ``--save DIR`` downloads them. Blocks come from ``--block`` options, from
the page configuration, or — when there are none — are proposed from the page's sections.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from traitbase.cli import common, output
from traitbase.cli.common import DEFAULT, Json, Token, Url, api_errors
from traitbase.client import Client

SCAN_TIMEOUT = 180.0  # seconds: the server may take scan_timeout_seconds to load the page, then screenshots

ProjectReq = Annotated[str, typer.Option("--project", "-p", help="Project ID.")]
DeviceOpt = Annotated[str, typer.Option("--device", "-d", help="PC, MOBILE or TABLET.", case_sensitive=False)]
BlockOpt = Annotated[
    list[str] | None,
    typer.Option("--block", help='A block to screenshot, "Name=CSS selector" or "Name=TOP-BOTTOM" (pixels).'),
]
SaveOpt = Annotated[Path | None, typer.Option("--save", help="Download the screenshots into this directory.")]


def parse_block(value: str) -> dict[str, Any]:
    name, sep, target = value.partition("=")
    if not sep or not name.strip() or not target.strip():
        raise typer.BadParameter(f'{value!r}: use "Name=selector" or "Name=TOP-BOTTOM"', param_hint="--block")
    top, dash, bottom = target.partition("-")
    if dash and top.strip().isdigit() and bottom.strip().isdigit():
        return {"name": name.strip(), "top": int(top), "bottom": int(bottom)}
    return {"name": name.strip(), "selector": target.strip()}


def _save(scan: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    wanted = [("page.png", scan["page"]["screenshot_url"])]
    wanted += [(f"block-{i}.png", b["screenshot_url"]) for i, b in enumerate(scan["blocks"]) if b["screenshot_url"]]
    saved = []
    with httpx.Client(transport=common.transport, timeout=60) as http:
        for name, url in wanted:
            r = http.get(url)
            r.raise_for_status()
            path = directory / name
            path.write_bytes(r.content)
            saved.append(path)
    return saved


def scan(
    page_url: Annotated[str, typer.Argument(metavar="URL", help="The page to render (http or https).")],
    *,
    project: ProjectReq,
    device: DeviceOpt = "PC",
    block: BlockOpt = None,
    save: SaveOpt = None,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Render a page in the server's headless Chromium; screenshot it and its blocks (proposed if none)."""
    blocks = [parse_block(b) for b in block or []]
    with api_errors(), Client(url, token, timeout=SCAN_TIMEOUT, transport=common.transport) as c:
        result: dict[str, Any] = dict(c.admin.scan_page(project, page_url, device=device.upper(), blocks=blocks))
    saved = _save(result, save) if save else []
    if as_json:
        output.json(result | ({"saved": [str(p) for p in saved]} if save else {}))
        return
    page = result["page"]
    title = f"{result['url']} on {result['device']}: {page['width']}x{page['height']} px"
    table = Table(title=title + (" (blocks proposed)" if result["proposed"] else ""))
    for header in ("Block", "Selector", "Top", "Bottom", "Screenshot"):
        table.add_column(header, overflow="fold")
    for b in result["blocks"]:
        where = b["selector"] or "(pixel band)"
        shot = b["screenshot_url"] or "(not on the page)"
        table.add_row(b["name"], where, str(b["top"]), str(b["bottom"]), shot)
    output.out.print(table)
    output.notice(f"Full page: {page['screenshot_url']}")
    for path in saved:
        output.notice(f"saved {path}")
