"""Build the tracker: ``python -m traitbase.tools.build_tracker [--check]``.

Minifies ``faces/collect/tracker/tb.src.js`` into ``tb.min.js`` beside it with calmjs.parse (pure
Python, no network, deterministic) and prints the raw, minified and gzip sizes. The minified file is
committed so a server never needs a build step; ``tests/tracker/test_build.py`` fails when it is stale
or when the gzip'd script grows past the 8 KB budget. ``--check`` only compares, for CI.
"""

from __future__ import annotations

import gzip
import sys
from dataclasses import dataclass
from pathlib import Path

TRACKER_DIR = Path(__file__).resolve().parent.parent / "faces" / "collect" / "tracker"
SOURCE = TRACKER_DIR / "tb.src.js"
TARGET = TRACKER_DIR / "tb.min.js"
GZIP_BUDGET = 8 * 1024
BANNER = "/*! Traitbase tb.js | Apache-2.0 | readable source: tb.src.js */\n"


@dataclass(frozen=True)
class BuildSizes:
    raw: int
    minified: int
    gzip: int


def minify(source: str) -> str:
    """The minified script: comments and white space gone, local names shortened (globals kept)."""
    from calmjs.parse import es5
    from calmjs.parse.unparsers.es5 import minify_print

    body: str = minify_print(es5(source), obfuscate=True, obfuscate_globals=False, shadow_funcname=True)
    return BANNER + body + "\n"


def gzip_size(data: bytes) -> int:
    # mtime=0 keeps the figure reproducible; level 9 is what a static gzip step (or nginx gzip_static) uses.
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def build(source: Path = SOURCE) -> tuple[str, BuildSizes]:
    raw = source.read_text(encoding="utf-8")
    out = minify(raw)
    data = out.encode("utf-8")
    return out, BuildSizes(raw=len(raw.encode("utf-8")), minified=len(data), gzip=gzip_size(data))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out, sizes = build()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    print(f"tb.js: raw {sizes.raw} B, minified {sizes.minified} B, gzip {sizes.gzip} B (budget {GZIP_BUDGET} B)")
    if sizes.gzip >= GZIP_BUDGET:
        print("error: the gzip'd tracker is over its budget", file=sys.stderr)
        return 1
    if "--check" in args:
        if current != out:
            print(f"error: {TARGET.name} is stale; run python -m traitbase.tools.build_tracker", file=sys.stderr)
            return 1
        return 0
    if current != out:
        TARGET.write_text(out, encoding="utf-8")
        print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
