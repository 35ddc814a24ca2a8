"""Unpacking an audience file before it loads: inflate once, refuse bad gzip and bombs, drop the header."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from traitbase.domain.audiences.feed import Utf8Lines, inflate, unpack, without_header
from traitbase.errors import Invalid
from traitbase.storage.warehouse.audiences import is_header


def unpacked(tmp_path: Path, data: bytes, *, compressed: bool = True, limit: int = 10_000) -> bytes:
    dest = tmp_path / "plain.txt"
    unpack(iter([data]), dest, compressed=compressed, max_decompressed_bytes=limit, is_header=is_header)
    return dest.read_bytes()


def test_inflate_yields_the_plain_bytes_of_concatenated_members() -> None:
    data = gzip.compress(b"a\n") + gzip.compress(b"b\n")
    assert b"".join(inflate(iter([data[:5], data[5:]]), max_decompressed_bytes=100)) == b"a\nb\n"


def test_inflate_refuses_a_bomb_at_the_limit() -> None:
    with pytest.raises(Invalid) as err:
        b"".join(inflate(iter([gzip.compress(b"\n" * 5_000)]), max_decompressed_bytes=1_000))
    assert err.value.message == "file decompresses to more than 1000 bytes"


def test_header_is_dropped_even_when_the_first_line_spans_pieces() -> None:
    out = b"".join(without_header(iter([b'"de', b'vice_id"\r', b"\nX-1\n"]), is_header))
    assert out == b"X-1\n"


def test_first_line_that_is_not_a_header_is_kept() -> None:
    assert b"".join(without_header(iter([b"X-1", b"\nidfa\n"]), is_header)) == b"X-1\nidfa\n"


def test_unpack_writes_the_inflated_lines_without_the_header(tmp_path: Path) -> None:
    assert unpacked(tmp_path, gzip.compress(b"idfa\nA\nB\n")) == b"A\nB\n"


def test_unpack_copies_a_plain_file_without_its_header(tmp_path: Path) -> None:
    assert unpacked(tmp_path, b"device_id\r\nA\r\n", compressed=False) == b"A\r\n"


def test_unpack_refuses_non_gzip_data(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as err:
        unpacked(tmp_path, b"plain text\n")
    assert err.value.message == "file is named .gz but is not gzip data"


def test_unpack_refuses_a_truncated_gzip(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as err:
        unpacked(tmp_path, gzip.compress(b"A\n" * 100)[:-10])
    assert err.value.message == "file is not valid gzip data (empty or truncated)"


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1000])
def test_lines_that_are_not_utf8_or_too_long_are_dropped_and_counted_however_the_bytes_arrive(step: int) -> None:
    data = b"a\nb\xff\nc\n" + b"x" * 50 + b"\nd\xe2\x82\xac\nlast\xfe"
    readable = Utf8Lines(max_line_bytes=20)
    pieces = iter([data[i : i + step] for i in range(0, len(data), step)])
    out = b"".join(readable(pieces))
    # The 50-byte line is dropped as it streams when it outgrows the limit; in one piece it is
    # passed on (the load then fails it as an over-long id): failed either way.
    long_line = b"" if step < 50 else b"x" * 50 + b"\n"
    assert (out, readable.failed) == (b"a\nc\n" + long_line + b"d\xe2\x82\xac\n", 3 if step < 50 else 2)


def test_unpack_reports_how_many_lines_it_dropped(tmp_path: Path) -> None:
    dest = tmp_path / "plain.txt"
    dropped = unpack(
        iter([gzip.compress(b"idfa\nA-1\n\xff\nA-2")]),
        dest,
        compressed=True,
        max_decompressed_bytes=1000,
        is_header=is_header,
    )
    assert (dest.read_bytes(), dropped) == (b"A-1\nA-2", 1)
