"""The tree keeps its shape: no module takes another package's private names; files stay small."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "traitbase"


def _package(module: str) -> str:
    return module.rsplit(".", 1)[0]


def _module_of(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_module_imports_another_packages_private_names() -> None:
    leaks = []
    for path in SRC.rglob("*.py"):
        here = _module_of(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.module or not node.module.startswith("traitbase"):
                continue
            private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            if private and _package(node.module) != _package(here) and node.module != _package(here):
                leaks.append(f"{here} takes {private} from {node.module}")
    assert leaks == []


def test_every_source_file_stays_under_400_lines() -> None:
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
