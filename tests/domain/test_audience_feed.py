"""The feed that inflates and checks an audience file on its way into the warehouse (through a pipe)."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import pytest

from traitbase.domain.audience_feed import Feed, inflate, without_header
from traitbase.errors import Invalid
from traitbase.storage.warehouse.audiences import is_header


def feed(tmp_path: Path, data: bytes, *, compressed: bool = True, limit: int = 10_000) -> Feed:
    fifo = tmp_path / "f.pipe"
    os.mkfifo(fifo)
    return Feed(fifo, lambda: iter([data]), compressed=compressed, max_decompressed_bytes=limit, is_header=is_header)


def read_through(f: Feed) -> bytes:
    with f as path, open(path, "rb") as fh:
        return fh.read()


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


def test_feed_delivers_the_inflated_lines_without_the_header(tmp_path: Path) -> None:
    assert read_through(feed(tmp_path, gzip.compress(b"idfa\nA\nB\n"))) == b"A\nB\n"


def test_feed_of_non_gzip_data_ends_the_pipe_and_raises_on_exit(tmp_path: Path) -> None:
    f = feed(tmp_path, b"plain text\n")
    with pytest.raises(Invalid) as err:
        assert read_through(f) == b""
    assert err.value.message == "file is named .gz but is not gzip data"


def test_feed_whose_pipe_is_never_opened_exits_without_hanging(tmp_path: Path) -> None:
    f = feed(tmp_path, b"A\n" * 100_000, compressed=False)
    done = threading.Event()

    def use() -> None:
        with f:
            pass  # the reader failed before opening the pipe
        done.set()

    t = threading.Thread(target=use, daemon=True)
    t.start()
    t.join(10)
    assert done.is_set()


def test_feed_can_be_entered_again_for_a_retried_load(tmp_path: Path) -> None:
    f = feed(tmp_path, b"A\n", compressed=False)
    assert [read_through(f), read_through(f)] == [b"A\n", b"A\n"]
