"""Print ``docs/settings.md`` from ``traitbase.config.Settings``: ``python -m traitbase.tools.settings_doc``.

The table is generated so that a setting's documentation is its field description, written
once beside the code; ``tests/test_docs.py`` fails when the committed page misses a field.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from traitbase.config import Settings

ENV_PREFIX = str(Settings.model_config.get("env_prefix", ""))

HEADER = """# Settings

Every setting is a field of `traitbase.config.Settings` and can be given as an environment
variable `TRAITBASE_<NAME>` (upper case), for example `TRAITBASE_DATA_DIR=/srv/traitbase`.
Nothing else in Traitbase reads the environment. Embedded code can also pass the values
directly: `create_app(Settings(data_dir=Path("/srv/traitbase")))`.

Rate limits use the notation of the [`limits`](https://limits.readthedocs.io/) library:
`N/second`, `N/minute`, `N/hour` or `N/day`, several joined with `;` (e.g. `10/minute;100/day`).
Body caps are counted after gzip decompression.

This page is generated: after adding or changing a setting, run
`python -m traitbase.tools.settings_doc > docs/settings.md`.

| Setting | Environment variable | Default | Description |
|---|---|---|---|
"""


def env_var(name: str) -> str:
    return f"{ENV_PREFIX}{name}".upper()


def _default(info: FieldInfo) -> str:
    value: Any = info.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, Path):
        value = value.as_posix() if value.is_absolute() else f"./{value.as_posix()}"
    elif isinstance(value, bool):
        value = str(value).lower()
    return f"`{value}`"


def _cell(text: str) -> str:
    # A pipe would end the table cell, even inside backticks; outside code spans, `<name>`
    # would be read as an HTML tag and vanish.
    parts = text.replace("\n", " ").split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts).replace("|", "\\|")


def render() -> str:
    rows = [
        f"| `{name}` | `{env_var(name)}` | {_cell(_default(info))} | {_cell(info.description or '')} |"
        for name, info in Settings.model_fields.items()
    ]
    return HEADER + "\n".join(rows) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
