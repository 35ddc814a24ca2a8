"""Proposing blocks from a rendered page's sections: pure, no browser, no I/O.

A page's blocks are its top-level sections: the direct children of ``body``, with ``main`` (and any
wrapper that holds most of the page, like a framework's ``#app`` root) opened up so that its own
sections count instead of one giant block. Anything 100 px tall or less (a nav bar, a spacer) is not
a block. Names come from what a person would call the section: its id, its aria-label, its first
heading, its landmark role, and only then its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MIN_HEIGHT = 100  # px: shorter sections are bars and spacers, not blocks a reader dwells on
WRAPPER_SHARE = 0.8  # an element covering this share of the page is a layout wrapper, not a section
NAME_MAX = 80

# Landmark elements have a name everybody uses; every other tag is a numbered "Section".
LANDMARK_NAMES: dict[str, str] = {
    "header": "Header",
    "footer": "Footer",
    "nav": "Navigation",
    "aside": "Sidebar",
    "form": "Form",
}
OPENED_TAGS = frozenset({"main"})


@dataclass(frozen=True)
class SectionBox:
    """One element as rendered: page-pixel geometry and what can name it; ``children`` one level down."""

    tag: str
    selector: str
    top: int
    height: int
    id: str = ""
    label: str = ""
    heading: str = ""
    children: tuple[SectionBox, ...] = field(default_factory=tuple)

    @property
    def bottom(self) -> int:
        return self.top + self.height


def section_from_raw(raw: dict[str, Any]) -> SectionBox:
    """A section tree from the renderer's plain-dict form."""
    return SectionBox(
        tag=str(raw.get("tag", "")),
        selector=str(raw.get("selector", "")),
        top=int(raw.get("top", 0)),
        height=int(raw.get("height", 0)),
        id=str(raw.get("id", "")),
        label=str(raw.get("label", "")),
        heading=str(raw.get("heading", "")),
        children=tuple(section_from_raw(c) for c in raw.get("children", ())),
    )


@dataclass(frozen=True)
class ProposedBlock:
    name: str
    selector: str
    top: int
    bottom: int

    def as_config(self) -> dict[str, str | int]:
        return {"name": self.name, "selector": self.selector, "top": self.top, "bottom": self.bottom}


def _big(nodes: tuple[SectionBox, ...]) -> list[SectionBox]:
    return [n for n in nodes if n.height > MIN_HEIGHT]


def _sections(nodes: tuple[SectionBox, ...], page_height: int) -> list[SectionBox]:
    out: list[SectionBox] = []
    for node in _big(nodes):
        inner = _big(node.children)
        wrapper = node.tag in OPENED_TAGS or node.height >= WRAPPER_SHARE * page_height
        if wrapper and inner:
            out.extend(_sections(node.children, page_height))
        else:
            out.append(node)
    return out


def _humanize(ident: str) -> str:
    """``pricing-table`` -> "Pricing table", ``FAQList`` -> "FAQ list" (acronyms keep their case)."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", ident)
    spaced = re.sub(r"([a-z\d])([A-Z])", r"\1 \2", spaced)
    words = [w for w in re.split(r"[-_.\s]+", spaced) if w]
    if not words:
        return ""
    shown = [w if w.isupper() and len(w) > 1 else w.lower() for w in words]
    return shown[0][:1].upper() + shown[0][1:] + "".join(" " + w for w in shown[1:])


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:NAME_MAX]


_GENERATED_ID = re.compile(r"^_|\d{3,}|(?=[0-9a-f]*\d)[0-9a-f]{6,}$")


def name_of(node: SectionBox, position: int) -> str:
    """The first of: id, aria-label, first heading, landmark name, "Section <position>".

    Ids a framework generated (``__next``, ``section-83121``) name nothing and are passed over.
    """
    ident = "" if _GENERATED_ID.search(node.id) else _humanize(node.id)
    for candidate in (ident, _clean(node.label), _clean(node.heading)):
        if candidate:
            return candidate[:NAME_MAX]
    return LANDMARK_NAMES.get(node.tag, f"Section {position}")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        out.append(name if count == 1 else f"{name} ({count})")
    return out


def propose_blocks(body: SectionBox, *, page_height: int | None = None) -> list[ProposedBlock]:
    """Blocks for a page from its ``body`` box, top to bottom, with unique names."""
    height = page_height if page_height is not None else body.height
    sections = sorted(_sections(body.children, max(height, 1)), key=lambda n: (n.top, n.bottom))
    names = _unique([name_of(n, i) for i, n in enumerate(sections, start=1)])
    return [
        ProposedBlock(name=nm, selector=n.selector, top=n.top, bottom=n.bottom)
        for nm, n in zip(names, sections, strict=True)
    ]
