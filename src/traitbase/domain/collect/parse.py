"""A /collect batch as a pure core: bytes in, a validated ``Batch`` out, no I/O.

The body is decoded straight into msgspec structs (a tagged union on ``kind``), so types,
required fields, unknown kinds, ranges and lengths are all checked in C and the error names
the offending path (``$.events[3].x``). The few rules msgspec cannot express (the events cap,
which is a setting; repeated event ids) are checked after decoding. Any problem refuses the
whole batch with one clear reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

import msgspec

from traitbase.errors import Invalid

# Bounds that make a value physically absurd rather than merely unusual: no page is taller
# than this many pixels, and no client clock is before 2000 or after 2100 (ms since epoch).
MAX_PAGE_PX = 10_000_000
MIN_TS_MS = 946_684_800_000
MAX_TS_MS = 4_102_444_800_000
MAX_ACTIVE_MS = 7 * 24 * 3600 * 1000
MAX_BLOCKS = 100
MAX_PROPERTIES = 50

Id64 = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Ts = Annotated[int, msgspec.Meta(ge=MIN_TS_MS, le=MAX_TS_MS)]
Px = Annotated[int, msgspec.Meta(ge=0, le=MAX_PAGE_PX)]
Url = Annotated[str, msgspec.Meta(max_length=2048)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Value = Annotated[str, msgspec.Meta(max_length=1024)]
Scalar = str | int | float | bool


class _Event(msgspec.Struct, tag_field="kind", forbid_unknown_fields=False):
    ts: Ts
    id: Id64 | None = None


class _PageEvent(_Event):
    page: Id64 = ""
    url: Url = ""


class PageView(_PageEvent, tag="pageview"):
    referrer: Url = ""
    title: Short = ""
    screen: Annotated[str, msgspec.Meta(max_length=20)] = ""
    viewport: Annotated[list[Px], msgspec.Meta(max_length=2)] = []
    language: Annotated[str, msgspec.Meta(max_length=35)] = ""
    page_height: Px | None = None


class Block(msgspec.Struct):
    name: Name
    seconds: Annotated[float, msgspec.Meta(ge=0, le=MAX_ACTIVE_MS / 1000)] = 0.0
    seen: bool = False


class PageLeave(_PageEvent, tag="pageleave"):
    active_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_ACTIVE_MS)] = 0
    max_scroll: Px = 0
    page_height: Px | None = None
    blocks: Annotated[list[Block], msgspec.Meta(max_length=MAX_BLOCKS)] = []


class Click(_PageEvent, tag="click"):
    x: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0
    y: Px = 0
    selector: Annotated[str, msgspec.Meta(max_length=1024)] = ""
    text: Short = ""
    element: Short | None = None


class ElementView(_PageEvent, tag="element_view"):
    element: Name = ""


class Conversion(_PageEvent, tag="conversion"):
    goal: Name = ""


class Custom(_PageEvent, tag="custom"):
    name: Name = ""
    properties: Annotated[dict[Name, Scalar], msgspec.Meta(max_length=MAX_PROPERTIES)] = {}


class Identify(_Event, tag="identify"):
    user_id: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] = ""
    attributes: Annotated[dict[Name, Value], msgspec.Meta(max_length=MAX_PROPERTIES)] = {}


class Dimension(_Event, tag="dimension"):
    name: Name = ""
    value: Value = ""


class Experience(_PageEvent, tag="experience"):
    experience: Name = ""
    version: Short = ""
    action: Literal["view", "click", "close", "form_submit", "goal"] = "view"
    fields: Annotated[dict[Name, Value], msgspec.Meta(max_length=MAX_PROPERTIES)] = {}
    goal: Short = ""


Event = PageView | PageLeave | Click | ElementView | Conversion | Custom | Identify | Dimension | Experience
PAGE_KINDS = frozenset({"pageview", "pageleave", "click", "element_view", "conversion", "custom", "experience"})
# Fields a kind cannot do without (msgspec defaults keep the structs flat; this says what is required).
REQUIRED: dict[type[msgspec.Struct], tuple[str, ...]] = {
    PageView: ("page", "url"),
    PageLeave: ("page", "url"),
    Click: ("page", "url"),
    ElementView: ("page", "url", "element"),
    Conversion: ("goal",),
    Custom: ("name",),
    Identify: ("user_id",),
    Dimension: ("name",),
    Experience: ("experience",),
}


class _Wire(msgspec.Struct):
    visitor: Id64
    events: list[Event]
    site: Annotated[str, msgspec.Meta(max_length=64)] = ""
    sent_at: Ts | None = None


@dataclass(frozen=True)
class Batch:
    site: str
    visitor: str
    sent_at: int | None
    events: list[Any]
    identifies: tuple[Identify, ...] = ()  # the identify events among ``events``, in order

    def event_ids(self) -> list[str]:
        return [e.id for e in self.events if e.id]


_decoder = msgspec.json.Decoder(_Wire)


def _kind(e: msgspec.Struct) -> str:
    return str(e.__struct_config__.tag)


@lru_cache(maxsize=1)
def known_kinds() -> tuple[str, ...]:
    return tuple(str(t.__struct_config__.tag) for t in REQUIRED)


def parse_batch(body: bytes, *, max_events: int) -> Batch:
    """Validate a whole batch or refuse it with one reason; nothing here touches storage."""
    if not body.strip():
        raise Invalid("request body is empty")
    try:
        wire = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise Invalid(_reason(str(exc))) from None
    except msgspec.DecodeError as exc:
        raise Invalid(f"request body is not valid JSON ({exc})") from None
    if not wire.events:
        raise Invalid("events must hold at least one event")
    if len(wire.events) > max_events:
        raise Invalid(f"a batch holds at most {max_events} events; this one has {len(wire.events)}")
    seen: set[str] = set()
    kept: list[Any] = []
    identifies: list[Identify] = []
    for i, e in enumerate(wire.events):
        for name in REQUIRED[type(e)]:
            if not getattr(e, name):
                raise Invalid(f"{_kind(e)} events need '{name}' - at `$.events[{i}].{name}`")
        if e.id:
            if e.id in seen:
                continue  # the same event twice in one batch counts once
            seen.add(e.id)
        if isinstance(e, _PageEvent) and "\x00" in e.url:
            raise Invalid(f"url contains a NUL character - at `$.events[{i}].url`")
        if type(e) is Identify:
            identifies.append(e)
        kept.append(e)
    return Batch(site=wire.site, visitor=wire.visitor, sent_at=wire.sent_at, events=kept, identifies=tuple(identifies))


def _reason(msg: str) -> str:
    if "`$.events[" in msg and ".kind`" in msg and msg.startswith("Invalid value"):
        return f"unknown event kind: {msg} (known kinds: {', '.join(known_kinds())})"
    if msg.startswith("Expected `object`, got") and "at `$`" not in msg and "- at" not in msg:
        return f"request body must be a JSON object: {msg}"
    return msg
