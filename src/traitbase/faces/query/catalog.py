"""Message catalogs of the query face (messages/{en,zh,jp}.json): error texts and dimension labels."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).with_name("messages")
FILES = {"EN": "en.json", "ZH": "zh.json", "JP": "jp.json"}


@cache
def catalog(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_DIR / FILES.get(lang, "en.json")).read_text(encoding="utf-8"))
    return data


def message(lang: str, number: int, detail: str = "") -> str:
    text = str(catalog(lang)["codes"].get(str(number)) or catalog("EN")["codes"][str(number)])
    return f"{text}: {detail}" if detail else text


def label(lang: str, section: str, raw: str) -> str:
    return str(catalog(lang)["labels"].get(section, {}).get(raw, raw))


def ok(lang: str) -> str:
    return str(catalog(lang)["ok"])
