"""Streaming ``multipart/form-data`` reader: parts arrive one by one, file data as chunks.

Starlette's ``request.form()`` spools every file to a temporary file before the route sees it;
for multi-GB imports that means writing the file twice and learning of a bad field only at the
end. This reader hands each part over as it arrives, so a route can refuse a request as soon as
the fields before the file are known, and stream the file straight to its final place.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from traitbase.errors import Invalid, TooLarge


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None


class MultipartStream:
    """Iterate parts with ``await next_part()``; read each with ``value()`` or ``chunks()``."""

    def __init__(self, request: Request, *, max_field_bytes: int = 64 * 1024) -> None:
        ctype, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            raise Invalid(
                "the request must be multipart/form-data", errors={"content-type": "expected multipart/form-data"}
            )
        self._body = request.stream().__aiter__()
        self._events: deque[tuple[str, Any]] = deque()
        self._headers: dict[bytes, bytes] = {}
        self._field, self._value = b"", b""
        self._ended = False
        self._in_part = False
        self.max_field_bytes = max_field_bytes
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_part_data": self._on_part_data,
                "on_part_end": lambda: self._events.append(("end", None)),
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_end": lambda: self._events.append(("done", None)),
            },
        )

    # parser callbacks (called synchronously from ``write``)
    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._events.append(("data", bytes(data[start:end])))

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _on_headers_finished(self) -> None:
        _, opts = parse_options_header(self._headers.get(b"content-disposition", b""))
        ctype = self._headers.get(b"content-type")
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        filename = opts.get(b"filename")
        part = Part(
            name=name,
            filename=filename.decode("utf-8", "replace") if filename is not None else None,
            content_type=ctype.decode("latin-1") if ctype else None,
        )
        self._events.append(("part", part))

    async def _event(self) -> tuple[str, Any]:
        while not self._events:
            if self._ended:
                return ("done", None)
            try:
                chunk = await self._body.__anext__()
            except StopAsyncIteration:
                self._ended = True
                self._parser.finalize()
                if not self._events:
                    return ("done", None)
                continue
            try:
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise Invalid(f"malformed multipart body: {exc}", errors={"body": "malformed multipart"}) from None
        return self._events.popleft()

    async def next_part(self) -> Part | None:
        """The next part's headers (skipping any unread data of the current one), or None at the end."""
        while True:
            kind, payload = await self._event()
            if kind == "part":
                return payload
            if kind == "done":
                return None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The current part's data, as it arrives."""
        while True:
            kind, payload = await self._event()
            if kind == "data":
                if payload:
                    yield payload
                continue
            if kind != "end":
                self._events.appendleft((kind, payload))
            return

    async def value(self) -> str:
        """The current part as a (small) text field."""
        buf = bytearray()
        async for chunk in self.chunks():
            buf += chunk
            if len(buf) > self.max_field_bytes:
                raise TooLarge(f"a form field is over {self.max_field_bytes} bytes")
        return buf.decode("utf-8", "replace")
