"""Block proposals from section geometry, and the URL rule of page scans: pure, no browser."""

from __future__ import annotations

import pytest

from traitbase.domain.scan.propose import ProposedBlock, SectionBox, propose_blocks, section_from_raw
from traitbase.domain.scan.service import BlockSpec
from traitbase.domain.scan.urls import refusal
from traitbase.errors import Invalid


def box(tag: str, top: int, height: int, *children: SectionBox, **names: str) -> SectionBox:
    return SectionBox(tag=tag, selector=names.pop("selector", tag), top=top, height=height, children=children, **names)


def test_direct_children_of_body_taller_than_100px_become_named_blocks() -> None:
    body = box(
        "body",
        0,
        2600,
        box("nav", 0, 60),  # a bar, not a block
        box("section", 60, 700, id="hero", selector="#hero"),
        box("section", 760, 600, selector="body > section:nth-of-type(2)", label="Customer  stories"),
        box("div", 1360, 640, selector="body > div", heading="Plans and\n pricing"),
        box("div", 2000, 101, selector="body > div:nth-of-type(2)"),
        box("footer", 2101, 400, selector="footer"),
        box("div", 2501, 100, selector="body > div:nth-of-type(3)"),  # exactly 100 px: left out
    )
    assert propose_blocks(body) == [
        ProposedBlock("Hero", "#hero", 60, 760),
        ProposedBlock("Customer stories", "body > section:nth-of-type(2)", 760, 1360),
        ProposedBlock("Plans and pricing", "body > div", 1360, 2000),
        ProposedBlock("Section 4", "body > div:nth-of-type(2)", 2000, 2101),
        ProposedBlock("Footer", "footer", 2101, 2501),
    ]


def test_main_and_whole_page_wrappers_are_opened_up() -> None:
    sections = (
        box("section", 80, 900, id="pricing-table", selector="#pricing-table"),
        box("section", 980, 900, id="FAQList", selector="#FAQList"),
    )
    app_root = box(
        "div",
        0,
        2300,
        box("header", 0, 80),
        box("main", 80, 1800, *sections, selector="main"),
        box("footer", 1880, 420, selector="footer"),
        id="__next",
        selector="#__next",
    )
    assert propose_blocks(box("body", 0, 2300, app_root)) == [
        ProposedBlock("Pricing table", "#pricing-table", 80, 980),
        ProposedBlock("FAQ list", "#FAQList", 980, 1880),
        ProposedBlock("Footer", "footer", 1880, 2300),
    ]


def test_a_main_without_sections_stays_one_block_and_names_are_unique() -> None:
    body = box(
        "body",
        0,
        3000,
        box("main", 0, 1000, box("p", 0, 50), selector="main"),
        box("section", 1000, 500, heading="Offers", selector="s1"),
        box("section", 1500, 500, heading="Offers", selector="s2"),
        box("section", 2000, 500, id="section-83121", heading="", selector="s3"),
        box("aside", 2500, 500, selector="aside"),
    )
    assert [(b.name, b.selector) for b in propose_blocks(body, page_height=3000)] == [
        ("Section 1", "main"),
        ("Offers", "s1"),
        ("Offers (2)", "s2"),
        ("Section 4", "s3"),  # a generated id names nothing
        ("Sidebar", "aside"),
    ]


def test_an_empty_page_proposes_nothing() -> None:
    assert propose_blocks(box("body", 0, 0)) == []


def test_the_renderers_plain_form_becomes_a_section_tree() -> None:
    raw = {
        "tag": "body",
        "selector": "body",
        "top": 0,
        "height": 900,
        "id": "",
        "label": "",
        "heading": "",
        "children": [
            {
                "tag": "section",
                "selector": "#a",
                "top": 0,
                "height": 900,
                "id": "a",
                "label": "",
                "heading": "",
                "children": [],
            }
        ],
    }
    assert section_from_raw(raw) == box("body", 0, 900, box("section", 0, 900, id="a", selector="#a"), selector="body")


def test_configured_blocks_need_a_name_and_a_selector_or_a_band() -> None:
    assert BlockSpec.parse({"name": "Hero", "selector": "#hero"}) == BlockSpec("Hero", selector="#hero")
    assert BlockSpec.parse({"name": "Band", "top": 0, "bottom": 800}) == BlockSpec("Band", top=0, bottom=800)
    for bad in ({"selector": "#x"}, {"name": "B", "top": 800, "bottom": 800}, {"name": "B"}):
        with pytest.raises(Invalid):
            BlockSpec.parse(bad)


RESOLVE = {
    "shop.example": ["93.184.215.14"],
    "intranet.example": ["10.0.0.8"],
    "mixed.example": ["93.184.215.14", "192.168.1.4"],
    "metadata.example": ["169.254.169.254"],
    "v6.example": ["2606:4700::6810:84e5"],
    "v6-local.example": ["::1"],
}


def resolve(host: str) -> list[str]:
    if host in RESOLVE:
        return RESOLVE[host]
    if host.replace(".", "").isdigit():
        return [host]
    raise OSError("no such host")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://shop.example/landing?x=1", None),
        ("http://v6.example/", None),
        ("ftp://shop.example/", "only http and https URLs can be scanned"),
        ("file:///etc/passwd", "only http and https URLs can be scanned"),
        ("javascript:alert(1)", "only http and https URLs can be scanned"),
        ("https:///nohost", "only http and https URLs can be scanned"),
        (
            "http://127.0.0.1:8600/admin",
            "the host 127.0.0.1 is on a private or local network (scan_allow_private_addresses)",
        ),
        (
            "http://intranet.example/",
            "the host intranet.example is on a private or local network (scan_allow_private_addresses)",
        ),
        (
            "http://mixed.example/",
            "the host mixed.example is on a private or local network (scan_allow_private_addresses)",
        ),
        (
            "http://metadata.example/latest",
            "the host metadata.example is on a private or local network (scan_allow_private_addresses)",
        ),
        (
            "http://v6-local.example/",
            "the host v6-local.example is on a private or local network (scan_allow_private_addresses)",
        ),
        ("http://nowhere.example/", "the host nowhere.example cannot be resolved"),
    ],
)
def test_scans_load_only_public_http_urls_by_default(url: str, reason: str | None) -> None:
    assert refusal(url, allow_private=False, resolve=resolve) == reason


def test_the_setting_lets_scans_reach_private_addresses_but_never_other_schemes() -> None:
    assert refusal("http://127.0.0.1:8600/", allow_private=True, resolve=resolve) is None
    assert (
        refusal("file:///etc/passwd", allow_private=True, resolve=resolve) == "only http and https URLs can be scanned"
    )
