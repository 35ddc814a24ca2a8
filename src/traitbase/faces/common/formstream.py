"""Streaming a multipart POST-policy form: text fields first, then the file, never held in memory.

OSS and S3 require the file to be the last part of the form; the fields before it carry the
policy and signature, so they can be checked before a single file byte is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from traitbase.errors import Invalid

FIELD_LIMIT = 64 * 1024


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    seen_file: bool = False
    header_field: bytes = b""
    header_value: bytes = b""
    value: bytearray = field(default_factory=bytearray)


async def file_after_fields(
    request: Request, on_fields: Callable[[dict[str, str]], Awaitable[None]]
) -> AsyncIterator[bytes]:
    """Yield the bytes of the ``file`` part; ``on_fields`` sees every field sent before it."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise Invalid("expected a multipart/form-data body", errors={"body": "not multipart"})

    fields: dict[str, str] = {}
    pending: list[bytes] = []
    part = _Part()

    def on_part_begin() -> None:
        part.name, part.is_file = "", False
        part.value.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.header_value += data[start:end]

    def on_header_end() -> None:
        if part.header_field.lower() == b"content-disposition":
            _, opts = parse_options_header(part.header_value)
            part.name = opts.get(b"name", b"").decode()
            part.is_file = part.name == "file"
        part.header_field, part.header_value = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.is_file:
            pending.append(data[start:end])
        else:
            part.value.extend(data[start:end])
            if len(part.value) > FIELD_LIMIT:
                raise Invalid("form field too long", errors={part.name: "too long"})

    def on_part_end() -> None:
        if part.is_file:
            part.seen_file = True
        elif part.name:
            fields[part.name] = part.value.decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    checked = False
    async for chunk in request.stream():
        _feed(parser.write, chunk)
        if not checked and (part.is_file or part.seen_file):
            await on_fields(dict(fields))
            checked = True
        if pending and checked:
            for piece in pending:
                yield piece
            pending.clear()
    _feed(lambda _: parser.finalize(), b"")
    if not checked:
        raise Invalid("the form has no file part", errors={"file": "missing"})


def _feed(step: Callable[[bytes], object], chunk: bytes) -> None:
    """A parser step; a body that breaks multipart framing is the client's error, not ours."""
    try:
        step(chunk)
    except MultipartParseError as exc:
        raise Invalid(f"malformed multipart body: {exc}", errors={"body": "malformed multipart"}) from None
