"""The fast path of JSON Lines imports: typed decoding in C and a tight apply loop.

``profile_ops`` is the reference: it decodes loosely and checks every value in Python, which
costs several microseconds per change. Here a line is decoded with a ``msgspec`` type that
already carries the value rules (64-bit integers, string and set-member lengths, attribute name
length, known ops), so the apply loop only does what depends on the user's current attributes.

The fast path never decides a failure by itself: a line it cannot take — it does not decode under
the strict type, holds a date-shaped string that may not be a real date, or hits a state-dependent
problem (``increment`` of a string, a set op on a scalar, an overflow) — is rolled back and run
through ``profile_ops`` exactly as before, so failed lines get the same reasons, and a line the
strict type merely was too cautious about still goes in.

Within a run of one customer's consecutive lines (all of them, in a sorted import) a set
attribute the run changes is a Python ``set`` made for the run (members added and removed by
hashing); when the run ends it is written back as a ``SortedSet``, the sorted list it is stored
as, so sets are sorted once per customer and chunk, not once per change. ``profile_ops`` only ever
sees lists. A stored array is taken as is when it is strictly increasing strings (as imports
write them); anything else sends the line to the reference path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from itertools import islice
from operator import lt
from typing import Annotated, Any, Literal

import msgspec
import orjson
from msgspec import Meta

from traitbase.domain.imports.ops import DATE_SHAPE, INT_MAX, INT_MIN


def _days_in(month: int) -> int:
    """Days of ``month`` in every year (February: 28, so Feb 29 is always checked)."""
    return 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31


Op = Literal["assign", "increment", "set-add", "set-remove", "delete"]
# A JSON string token that is date-shaped. In a line of ASCII without backslashes a string's
# value is exactly the bytes between its quotes, so these are all the date-shaped strings.
_DATE_TOKEN = re.compile(rb'"(\d{4}-\d{2}-\d{2})(?=")')
# The month and day of anything ending like a date token (a superset, found faster: the
# pattern starts with a literal), and the pairs that are a real date in every year.
_MONTH_DAY = re.compile(rb'-(\d\d-\d\d)"')
_ALWAYS_VALID = frozenset(f"{m:02d}-{d:02d}".encode() for m in range(1, 13) for d in range(1, 32) if _days_in(m) >= d)


@lru_cache(maxsize=8)
def line_decoder(max_value_length: int, max_attr_length: int) -> msgspec.json.Decoder[Any]:
    """A decoder of one import line whose type holds the value rules (one per set of limits)."""
    text = Annotated[str, Meta(max_length=max_value_length)]
    value = Annotated[int, Meta(ge=INT_MIN, le=INT_MAX)] | text | list[text] | None
    attr = Annotated[str, Meta(min_length=1, max_length=max_attr_length)]
    change = msgspec.defstruct(
        "FastChange", [("op", Op), ("attr", attr), ("value", value, None)], gc=False, module=__name__
    )
    changes: Any = list[change]  # type: ignore[valid-type]
    line = msgspec.defstruct("FastLine", [("customer_id", str | int), ("changes", changes)], gc=False, module=__name__)
    return msgspec.json.Decoder(line)


def decode_lines(decoder: msgspec.json.Decoder[Any], lines: list[bytes]) -> list[Any]:
    """One typed line per input line, or ``None`` where the fast path must not be trusted."""
    decode = decoder.decode
    # RecursionError: an unknown field nested past the interpreter's limit (skipping it recurses).
    try:
        out = [decode(raw) for raw in lines]
    except (msgspec.DecodeError, RecursionError):  # at least one bad line: find which, one by one
        out = []
        for raw in lines:
            try:
                out.append(decode(raw))
            except (msgspec.DecodeError, RecursionError):
                out.append(None)
    _drop_doubtful_dates(lines, out)
    return out


def _drop_doubtful_dates(lines: list[bytes], out: list[Any]) -> None:
    """Send to the slow path every line that may hold a date-shaped string that is not a date.

    The common case costs two scans of the batch in C: every date-shaped token ends in
    ``-MM-DD"``, so when each month/day pair found that way exists in every year, when Feb 29
    does not occur and no year is 0000, every date-shaped string of the batch is a real date.
    Otherwise the distinct date-shaped tokens are checked one by one; only lines holding a bad
    one, or text the scans cannot see through (non-ASCII, escapes), are looked at line by line.
    """
    joined = b"\n".join(lines)
    plain = joined.isascii() and b"\\" not in joined
    if plain and b'"0000-' not in joined and set(_MONTH_DAY.findall(joined)) <= _ALWAYS_VALID:
        return
    bad = [tok for tok in set(_DATE_TOKEN.findall(joined)) if not _is_date(tok.decode())]
    if plain and not bad:
        return
    for i, raw in enumerate(lines):
        line = out[i]
        if line is None:
            continue
        if not (raw.isascii() and b"\\" not in raw):
            if not _values_are_dates_where_shaped(line):
                out[i] = None
        elif bad and any(tok in raw for tok in bad):
            out[i] = None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _values_are_dates_where_shaped(line: Any) -> bool:
    for ch in line.changes:
        v = ch.value
        for s in v if type(v) is list else (v,):
            if type(s) is str and DATE_SHAPE.match(s) and not _is_date(s):
                return False
    return True


def encode_attrs(attrs: dict[str, Any]) -> str:
    """A user's attributes as stored (a ``SortedSet`` is written as the JSON array it is)."""
    return orjson.dumps(attrs).decode()


def apply_fast(
    states: dict[str, dict[str, Any]], entries: list[Any], changed: set[str], slow: Callable[[int], None]
) -> None:
    """Apply typed lines in order to ``states`` (user id -> attributes, loaded by the caller).

    ``entries`` holds typed lines whose ``customer_id`` is a valid id string (the caller checked),
    and ``None`` for lines the caller handles the reference way: ``slow(i)`` is called for those,
    in line order, and for every typed line the fast path cannot take (rolled back first).
    Users whose attributes changed are added to ``changed``. ``entries`` is consumed: each line
    is dropped from it once applied, so its memory is freed while the rest is applied.

    Consecutive lines of one customer (all of them, in a sorted import) are applied as one run:
    the undo record is taken once per run instead of once per line, and a set the run changes is
    a ``set`` of its own, changed in place and sorted when the run ends (``_seal``). A line the
    fast path cannot take rolls the user back to the run's start,
    the run's earlier lines are applied again (same input, same result), and the line goes to
    ``slow``; a new run starts after it.
    """
    n = len(entries)
    i = 0
    while i < n:
        line = entries[i]
        if line is None:
            slow(i)
            i += 1
            continue
        uid = line.customer_id
        attrs = states.get(uid)
        if attrs is None:
            attrs = states[uid] = {}
        first = i
        before = attrs.copy()  # values are never changed in place, except the run's own sets
        owned: dict[str, set[str]] = {}
        while True:
            if not _apply_changes(attrs, line.changes, owned):
                attrs.clear()
                attrs.update(before)
                owned = {}
                for j in range(first, i):
                    _apply_changes(attrs, entries[j].changes, owned)
                _seal(attrs, owned)
                if i > first:
                    changed.add(uid)
                _release(entries, first, i + 1)
                slow(i)
                i += 1
                break
            i += 1
            if i == n or (line := entries[i]) is None or line.customer_id != uid:
                _seal(attrs, owned)
                changed.add(uid)
                _release(entries, first, i)
                break


def _seal(attrs: dict[str, Any], owned: dict[str, set[str]]) -> None:
    """End of a run: the run's sets become the sorted lists they are stored as."""
    for k, members in owned.items():
        if attrs.get(k) is members:
            attrs[k] = SortedSet(sorted(members))


def _release(entries: list[Any], start: int, stop: int) -> None:
    """Drop applied lines (their memory is freed while the rest of the chunk is applied)."""
    entries[start:stop] = [None] * (stop - start)


class SortedSet(list[str]):
    """A set attribute as the fast path stores it: sorted strings without duplicates.

    A plain ``list`` (as loaded, or from the reference path) is checked on first use
    (``_adopt``), so nothing is assumed about its order; a ``SortedSet`` was made here.
    """

    __slots__ = ()


def _canonical(values: Any) -> SortedSet:
    return SortedSet(sorted(set(values)))


def _adopt(stored: list[Any]) -> set[str] | None:
    """A stored array as a set when it is sorted distinct strings (what imports write), else None.

    Checking costs one comparison per neighbour pair, in C; a list of anything but strictly
    increasing strings is left to the reference path (which gives its reasons and order).
    """
    if not stored:
        return set()
    if type(stored[0]) is not str:
        return None
    try:
        ordered = all(map(lt, stored, islice(stored, 1, None)))
    except TypeError:  # a member that is not a string
        return None
    return set(stored) if ordered else None


def _apply_changes(attrs: dict[str, Any], changes: list[Any], owned: dict[str, set[str]]) -> bool:
    """Apply pre-validated changes in place; False (attrs half-changed) when the line needs the slow path.

    ``owned`` maps attribute names to the sets this run made: only those are changed in place
    (the caller's undo record holds the stored lists); a set attribute the run has not touched
    yet becomes a new set of its own the first time it is changed.
    """
    get = attrs.get
    cur: Any
    new: Any  # the run's set of this attribute
    for ch in changes:
        op = ch.op
        k = ch.attr
        v = ch.value
        if op == "assign":
            if v is None:
                return False
            attrs[k] = _canonical(v) if type(v) is list else v
        elif op == "increment":
            cur = get(k, 0)
            if type(v) is not int or type(cur) is not int:
                return False
            cur += v
            if cur > INT_MAX or cur < INT_MIN:
                return False
            attrs[k] = cur
        elif op == "delete":
            attrs.pop(k, None)
        else:  # set-add / set-remove
            t = type(v)
            if t is str:
                v = (v,)
            elif t is not list:
                return False
            cur = get(k)
            if cur is not None and owned.get(k) is cur:
                new = cur
            else:
                t = type(cur)
                if t is SortedSet:
                    new = set(cur)
                elif t is list:
                    new = _adopt(cur)
                    if new is None:
                        return False
                elif cur is None:
                    if op == "set-remove":
                        continue
                    new = set()
                else:
                    return False
                owned[k] = attrs[k] = new
            if op == "set-add":
                new.update(v)
            else:
                new.difference_update(v)
                if not new:
                    del attrs[k]
    return True
