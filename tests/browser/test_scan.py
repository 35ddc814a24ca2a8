"""Page scans end to end: the admin API and the CLI render a page served on 127.0.0.1 in Debian's Chromium,
store screenshots in the blob store, and hand them out through signed URLs."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from tests.browser.conftest import Receive, Scope, Send, ServerThread
from tests.conftest import Env, build_env, make_settings
from traitbase.cli import common
from traitbase.cli.main import app as cli_app
from traitbase.domain.scan.propose import ProposedBlock
from traitbase.domain.scan.service import BlockSpec, ScanHooks, ScanRequest
from traitbase.errors import Invalid

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>Scan me</title>
<style>body{margin:0} header,main,section,footer{display:block;margin:0} h1,h2{margin:0}</style></head><body>
<header style="height:60px">Logo</header>
<main>
  <section id="hero" style="height:700px;background:#fc0"><h1>Hero</h1></section>
  <section style="height:600px;background:#0cf" aria-label="Customer stories"><h2>Stories</h2></section>
  <section style="height:500px;background:#c0f"><h2>Plans and pricing</h2></section>
</main>
<footer style="height:400px;background:#333">Footer</footer>
</body></html>"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def page_url() -> Iterator[str]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        found = scope["path"] == "/landing"
        await send(
            {
                "type": "http.response.start",
                "status": 200 if found else 404,
                "headers": [(b"content-type", b"text/html; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": PAGE.encode() if found else b"missing"})

    with ServerThread(app) as server:
        yield server.origin + "/landing"


@pytest.fixture
def scan_env(tmp_path: Path) -> Iterator[Env]:
    # The test page is on 127.0.0.1, which scans refuse unless this setting allows it.
    yield from build_env(make_settings(tmp_path, scan_allow_private_addresses=True))


def scan(env: Env, body: dict[str, Any], project_id: str | None = None) -> Any:
    path = f"/admin/v1/projects/{project_id or env.boot.project_id}/scans"
    return env.client.post(path, json=body, headers=env.admin)


def fetch_png(env: Env, url: str) -> tuple[int, int]:
    r = env.client.get(url)
    assert (r.status_code, r.headers["content-type"]) == (200, "image/png"), r.text
    return png_size(r.content)


def test_a_scan_without_blocks_proposes_them_from_the_page_sections(scan_env: Env, page_url: str) -> None:
    handed: list[tuple[ScanRequest, list[ProposedBlock]]] = []
    scan_env.app.state.ctx.scan_hooks = ScanHooks(receive_proposals=lambda req, props: handed.append((req, props)))

    r = scan(scan_env, {"url": page_url, "device": "PC"})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    blocks = [{k: b[k] for k in ("name", "selector", "top", "bottom", "found")} for b in data["blocks"]]
    assert blocks == [
        {"name": "Hero", "selector": "#hero", "top": 60, "bottom": 760, "found": True},
        {
            "name": "Customer stories",
            "selector": "body > main > section:nth-of-type(2)",
            "top": 760,
            "bottom": 1360,
            "found": True,
        },
        {
            "name": "Plans and pricing",
            "selector": "body > main > section:nth-of-type(3)",
            "top": 1360,
            "bottom": 1860,
            "found": True,
        },
        {"name": "Footer", "selector": "body > footer", "top": 1860, "bottom": 2260, "found": True},
    ]
    assert (data["url"], data["device"], data["viewport"], data["proposed"]) == (page_url, "PC", [1366, 768], True)
    assert (data["page"]["width"], data["page"]["height"]) == (1366, 2260)

    # Every screenshot is in the blob store and reachable through its signed URL alone (no key).
    assert fetch_png(scan_env, data["page"]["screenshot_url"]) == (1366, 2260)
    assert [fetch_png(scan_env, b["screenshot_url"]) for b in data["blocks"]] == [
        (1366, 700),
        (1366, 600),
        (1366, 500),
        (1366, 400),
    ]
    stored = sorted(p.name for p in (scan_env.settings.data_dir / "blobs" / "scans").rglob("*") if p.is_file())
    assert stored == ["block-0.png", "block-1.png", "block-2.png", "block-3.png", "page.png", "scan.json"]

    # The proposals go to the page configuration's hook, once.
    assert [(req.url, req.device, [p.name for p in props]) for req, props in handed] == [
        (page_url, "PC", ["Hero", "Customer stories", "Plans and pricing", "Footer"])
    ]

    # A stored scan is read back with freshly signed URLs; a tampered or unsigned link is refused.
    again = scan_env.client.get(
        f"/admin/v1/projects/{scan_env.boot.project_id}/scans/{data['scan_id']}", headers=scan_env.admin
    )
    assert again.status_code == 200
    assert [b["name"] for b in again.json()["data"]["blocks"]] == [b["name"] for b in data["blocks"]]
    assert fetch_png(scan_env, again.json()["data"]["page"]["screenshot_url"]) == (1366, 2260)
    shot = data["page"]["screenshot_url"]
    for bad in (shot[:-3] + "AAA", shot.split("?")[0], shot.replace("page.png", "block-0.png")):
        r = scan_env.client.get(bad)
        assert (r.status_code, r.json()["message"]) == (403, "this screenshot link is invalid or has expired")


def test_given_blocks_are_screenshot_as_the_device_renders_them(scan_env: Env, page_url: str) -> None:
    body = {
        "url": page_url,
        "device": "MOBILE",
        "blocks": [
            {"name": "Hero", "selector": "#hero"},
            {"name": "First screen", "top": 0, "bottom": 844},
            {"name": "Gone", "selector": "#not-on-the-page"},
        ],
    }
    r = scan(scan_env, body)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert (data["proposed"], data["viewport"], data["page"]["width"]) == (False, [390, 844], 390)
    assert [(b["name"], b["top"], b["bottom"], b["found"]) for b in data["blocks"]] == [
        ("Hero", 60, 760, True),
        ("First screen", 0, 844, True),
        ("Gone", None, None, False),
    ]
    assert data["blocks"][2]["screenshot_url"] is None
    assert [fetch_png(scan_env, b["screenshot_url"]) for b in data["blocks"][:2]] == [(390, 700), (390, 844)]


def test_configured_blocks_come_from_the_page_configuration_hook(scan_env: Env, page_url: str) -> None:
    asked: list[tuple[str, str, str]] = []

    def configured(project_id: str, url: str, device: str) -> list[BlockSpec]:
        asked.append((project_id, url, device))
        return [BlockSpec("Footer", selector="footer")]

    scan_env.app.state.ctx.scan_hooks = ScanHooks(configured_blocks=configured)
    data = scan(scan_env, {"url": page_url, "device": "TABLET"}).json()["data"]
    assert asked == [(scan_env.boot.project_id, page_url, "TABLET")]
    assert [(b["name"], b["top"], b["bottom"]) for b in data["blocks"]] == [("Footer", 1860, 2260)]
    assert fetch_png(scan_env, data["blocks"][0]["screenshot_url"]) == (820, 400)


def test_a_scan_screenshots_the_blocks_configured_for_the_page_through_the_admin_api(
    scan_env: Env, page_url: str
) -> None:
    body = {"url": page_url, "device": "TABLET", "blocks": [{"name": "Footer", "selector": "footer"}]}
    put = scan_env.client.put(f"/admin/v1/projects/{scan_env.boot.project_id}/pages", json=body, headers=scan_env.admin)
    assert put.status_code in (200, 201), put.text
    data = scan(scan_env, {"url": page_url, "device": "TABLET"}).json()["data"]
    assert [(b["name"], b["top"], b["bottom"]) for b in data["blocks"]] == [("Footer", 1860, 2260)]
    assert fetch_png(scan_env, data["blocks"][0]["screenshot_url"]) == (820, 400)


def test_scans_refuse_the_servers_own_network_by_default(env: Env, page_url: str) -> None:
    r = scan(env, {"url": page_url})
    assert r.status_code == 400
    assert r.json()["message"] == "the host 127.0.0.1 is on a private or local network (scan_allow_private_addresses)"
    r = scan(env, {"url": "file:///etc/passwd"})
    assert (r.status_code, r.json()["message"]) == (400, "only http and https URLs can be scanned")
    assert not (env.settings.data_dir / "blobs" / "scans").exists()


def test_scans_need_an_admin_key_that_reaches_the_project(scan_env: Env, page_url: str) -> None:
    assert scan(scan_env, {"url": page_url}, project_id="p_doesnotexist").status_code == 404
    upload = scan_env.key(["upload"])
    r = scan_env.client.post(
        f"/admin/v1/projects/{scan_env.boot.project_id}/scans",
        json={"url": page_url},
        headers={"Authorization": f"Bearer {upload}"},
    )
    assert r.status_code == 403
    bad_page = scan(scan_env, {"url": page_url.replace("/landing", "/missing")})
    assert (bad_page.status_code, bad_page.json()["message"]) == (400, "the page answered 404")


def test_the_scan_command_prints_the_scan_and_saves_the_screenshots(
    scan_env: Env, page_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "transport", scan_env.transport)
    out_dir = tmp_path / "shots"
    args = ["scan", page_url, "--project", scan_env.boot.project_id, "--device", "tablet", "--save", str(out_dir)]
    args += ["--block", "Hero=#hero", "--block", "Top=0-300", "--url", "http://testserver"]
    args += ["--token", scan_env.boot.admin_token, "--json"]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert [(b["name"], b["selector"], b["top"], b["bottom"]) for b in data["blocks"]] == [
        ("Hero", "#hero", 60, 760),
        ("Top", None, 0, 300),
    ]
    assert sorted(p.name for p in out_dir.iterdir()) == ["block-0.png", "block-1.png", "page.png"]
    assert png_size((out_dir / "block-1.png").read_bytes()) == (820, 300)
    assert data["saved"] == [str(out_dir / n) for n in ("page.png", "block-0.png", "block-1.png")]

    bad = CliRunner().invoke(cli_app, [*args[:4], "--block", "nameless", "--url", "http://testserver", "--token", "x"])
    assert bad.exit_code == 2


class Internal:
    """A server standing for the private network: it records every request that reaches it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"image/png")]})
        await send({"type": "http.response.body", "body": b"secret"})


def test_every_request_of_the_page_and_every_redirect_hop_passes_the_url_rule(tmp_path: Path) -> None:
    from traitbase.domain.scan.service import run_scan
    from traitbase.storage.blobs import LocalBlobStore
    from traitbase.storage.page_renderer import PlaywrightRenderer

    internal = Internal()
    with ServerThread(internal) as inside:
        page = (
            f'<!doctype html><html><body style="margin:0"><section id="a" style="height:300px">'
            f'<img src="{inside.origin}/secret.png"><iframe src="{inside.origin}/frame"></iframe>'
            f'<script>new WebSocket("{inside.origin.replace("http", "ws")}/ws")</script></section></body></html>'
        )

        site_paths: list[str] = []

        async def site(scope: Scope, receive: Receive, send: Send) -> None:
            assert scope["type"] == "http"
            site_paths.append(scope["path"])
            if scope["path"] == "/moved":
                await send({"type": "http.response.start", "status": 301, "headers": [(b"location", b"/page")]})
                await send({"type": "http.response.body", "body": b""})
                return
            if scope["path"] == "/hop":
                headers = [(b"location", f"{inside.origin}/metadata".encode())]
                await send({"type": "http.response.start", "status": 302, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
            await send({"type": "http.response.body", "body": page.encode()})

        with ServerThread(site) as outside:
            # The rule under test: the "internal" server's port is private, the site's is public.
            def refuse(url: str) -> str | None:
                return "private" if url.startswith(inside.origin) else None

            renderer = PlaywrightRenderer(Path("/usr/bin/chromium"), timeout_seconds=20, refuse=refuse)
            blobs = LocalBlobStore(tmp_path / "blobs")

            def in_thread(request: ScanRequest) -> dict[str, Any]:
                # As the server does: Playwright's sync API runs off the thread that drives the tracker tests.
                with ThreadPoolExecutor(1) as pool:
                    return pool.submit(run_scan, request, renderer=renderer, blobs=blobs, hooks=ScanHooks()).result()

            request = ScanRequest(project_id="p1", url=outside.origin + "/page", device="PC")
            result = in_thread(request)
            assert [b["name"] for b in result["blocks"]] == ["A"]
            assert [p for p in site_paths if p != "/favicon.ico"] == ["/page"]

            # A redirect that stays on allowed hosts is followed (the browser then navigates to its end).
            site_paths.clear()
            moved = ScanRequest(project_id="p1", url=outside.origin + "/moved", device="PC")
            assert [b["name"] for b in in_thread(moved)["blocks"]] == ["A"]
            # The chain once through the guard (which stops at the redirect), then the page itself.
            assert [p for p in site_paths if p != "/favicon.ico"] == ["/moved", "/page", "/page"]

            # A page whose redirect points into the private network is refused at the hop.
            redirected = ScanRequest(project_id="p1", url=outside.origin + "/hop", device="PC")
            with pytest.raises(Invalid, match="could not be loaded"):
                in_thread(redirected)
    assert internal.paths == []
