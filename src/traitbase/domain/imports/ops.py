"""Profile import lines and change operations as a pure core: bytes in, attribute dicts changed.

Value types (stored in the user store's JSON attributes):

* integer — a JSON number without fraction (booleans are refused), within a signed 64-bit range;
* string — at most ``max_value_length`` characters;
* date — a string of the form ``YYYY-MM-DD`` that is a real calendar date. Dates are stored as
  that string: a ``YYYY-MM-DD``-shaped string *is* the date type, so one that is not a real date
  (``2024-02-30``) is refused rather than kept as text;
* set of strings — stored as a sorted JSON array without duplicates. ``set-add`` on a missing
  attribute creates the set; ``set-remove`` that empties a set removes the attribute; both refuse
  an attribute that holds a scalar. ``assign`` with an array assigns a set.

A line's changes are applied all or nothing: if one change is invalid, none of the line's changes
are applied and the line is reported as failed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import msgspec

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CANONICAL_INT = re.compile(r"^-?(0|[1-9]\d{0,18})$")
_MISSING: Any = object()
_DELETED: Any = object()


class LineError(Exception):
    """A line (or one of its changes) is invalid; the message is the reason in the error log."""


class Change(msgspec.Struct, gc=False):
    op: str
    attr: str
    value: Any = None


class Line(msgspec.Struct, gc=False):
    customer_id: str | int
    changes: list[Change]


_decoder = msgspec.json.Decoder(Line)


def parse_json_line(raw: bytes, *, max_id_length: int) -> tuple[str, list[Change]]:
    try:
        line = _decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise LineError(f"invalid line: {exc}") from None
    except msgspec.DecodeError as exc:
        raise LineError(f"not valid JSON: {exc}") from None
    except RecursionError:  # an `Any` value or an unknown field nested past the interpreter's limit
        raise LineError("not valid JSON: nested too deeply") from None
    return _customer_id(line.customer_id, max_id_length), line.changes


def _customer_id(raw: str | int, max_length: int) -> str:
    uid = str(raw) if not isinstance(raw, bool) else ""
    if not uid.strip():
        raise LineError("customer_id is empty")
    if len(uid) > max_length:
        raise LineError(f"customer_id is {len(uid)} characters; at most {max_length}")
    return uid


def parse_csv_header(text: str) -> list[str]:
    names = next(csv.reader([text]), [])
    if len(names) < 2:
        raise LineError("the CSV header needs a customer id column and at least one attribute column")
    for name in names[1:]:
        if not name.strip():
            raise LineError("the CSV header has an empty attribute name")
    if len(set(names)) != len(names):
        raise LineError("the CSV header names an attribute twice")
    return names


def parse_csv_row(
    text: str, header: list[str], *, max_id_length: int, empty_deletes: bool = True
) -> tuple[str, list[Change]]:
    """The row's changes: a non-empty cell assigns; an empty one deletes (or, opted out, changes nothing).

    Real Localytics exporters write an empty cell to take a user out of a cohort or to drop an old
    attribute on a rename (SPEC 3.1), so empty means "delete" unless the upload said otherwise.
    """
    try:
        cells = next(csv.reader([text], strict=True), [])
    except csv.Error as exc:
        raise LineError(f"not a valid CSV row: {exc}") from None
    if len(cells) != len(header):
        raise LineError(f"the row has {len(cells)} cells; the header has {len(header)}")
    uid = _customer_id(cells[0], max_id_length)
    pairs = zip(header[1:], cells[1:], strict=True)
    return uid, [
        Change(op="assign", attr=name, value=_csv_value(cell)) if cell != "" else Change(op="delete", attr=name)
        for name, cell in pairs
        if cell != "" or empty_deletes
    ]


def _csv_value(cell: str) -> str | int:
    # CSV cells are text; a canonical integer (no sign but '-', no leading zeros) is taken as a number.
    return int(cell) if _CANONICAL_INT.match(cell) else cell


def csv_record_complete(text: str) -> bool:
    """False while a quoted cell is still open (the record continues on the next physical line)."""
    return text.count('"') % 2 == 0


class Applier:
    """Applies validated changes to attribute dicts; one instance per job (holds the limits)."""

    def __init__(self, *, max_value_length: int, max_attr_length: int) -> None:
        self.max_value_length = max_value_length
        self.max_attr_length = max_attr_length
        self._ops: dict[str, Callable[[Any, Any, str], Any]] = {
            "assign": self._assign,
            "increment": self._increment,
            "set-add": self._set_add,
            "set-remove": self._set_remove,
            "delete": self._delete,
        }

    def apply_line(self, attrs: dict[str, Any], changes: list[Change]) -> None:
        """Apply every change of one line to ``attrs`` in place, or none of them (raises LineError)."""
        staged: dict[str, Any] = {}
        for i, ch in enumerate(changes):
            op = self._ops.get(ch.op)
            if op is None:
                raise LineError(f"changes[{i}]: unknown op {ch.op!r}; use {', '.join(self._ops)}")
            if not ch.attr or len(ch.attr) > self.max_attr_length:
                raise LineError(f"changes[{i}]: attr must be 1 to {self.max_attr_length} characters")
            current = staged[ch.attr] if ch.attr in staged else attrs.get(ch.attr, _MISSING)
            if current is _DELETED:
                current = _MISSING
            try:
                staged[ch.attr] = op(current, ch.value, ch.attr)
            except LineError as exc:
                raise LineError(f"changes[{i}]: {exc}") from None
        for key, value in staged.items():
            if value is _DELETED:
                attrs.pop(key, None)
            else:
                attrs[key] = value

    # --- operations: (current value or _MISSING, change value, attr) -> new value or _DELETED ---

    def _assign(self, current: Any, value: Any, attr: str) -> Any:
        if isinstance(value, list):
            return self._set_of(value, attr)
        return self._scalar(value, attr)

    def _increment(self, current: Any, value: Any, attr: str) -> Any:
        if not _is_int(value):
            raise LineError(f"increment of {attr!r} needs an integer value, got {_type_name(value)}")
        if current is _MISSING:
            current = 0
        elif not _is_int(current):
            raise LineError(f"cannot increment {attr!r}: it holds a {_type_name(current)}")
        total = current + value
        if not INT_MIN <= total <= INT_MAX:
            raise LineError(f"increment of {attr!r} overflows a 64-bit integer")
        return total

    def _set_add(self, current: Any, value: Any, attr: str) -> Any:
        items = self._set_items(value, attr)
        base = self._current_set(current, attr)
        return sorted(base.union(items))

    def _set_remove(self, current: Any, value: Any, attr: str) -> Any:
        items = self._set_items(value, attr)
        left = self._current_set(current, attr).difference(items)
        return sorted(left) if left else _DELETED

    def _delete(self, current: Any, value: Any, attr: str) -> Any:
        return _DELETED

    # --- value checks -----------------------------------------------------------------------

    def _scalar(self, value: Any, attr: str) -> Any:
        if _is_int(value):
            if not INT_MIN <= value <= INT_MAX:
                raise LineError(f"value of {attr!r} is outside the 64-bit integer range")
            return value
        if isinstance(value, str):
            return self._string(value, attr)
        raise LineError(
            f"value of {attr!r} must be an integer, a string, a YYYY-MM-DD date or a set of strings, "
            f"got {_type_name(value)}"
        )

    def _string(self, value: str, attr: str) -> str:
        if len(value) > self.max_value_length:
            raise LineError(f"value of {attr!r} is {len(value)} characters; at most {self.max_value_length}")
        if DATE_SHAPE.match(value):
            try:
                date.fromisoformat(value)
            except ValueError:
                raise LineError(f"value of {attr!r} is not a real date: {value!r}") from None
        return value

    def _set_items(self, value: Any, attr: str) -> set[str]:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            raise LineError(f"a set op on {attr!r} needs a string or an array of strings, got {_type_name(value)}")
        return set(self._set_of(values, attr))

    def _set_of(self, values: list[Any], attr: str) -> list[str]:
        for v in values:
            if not isinstance(v, str):
                raise LineError(f"set {attr!r} may only hold strings, got {_type_name(v)}")
            self._string(v, attr)
        return sorted(set(values))

    @staticmethod
    def _current_set(current: Any, attr: str) -> set[str]:
        if current is _MISSING:
            return set()
        if not isinstance(current, list | set):  # the fast path keeps sets as sets within a chunk
            raise LineError(f"{attr!r} holds a {_type_name(current)}, not a set")
        return set(current)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number with a fraction"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list | set):
        return "set"
    if v is None:
        return "null"
    return "object"
