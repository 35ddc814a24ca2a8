"""Client enrichment as pure, table-driven functions: user agent, screen and language.

The user agent goes through ``ua-parser`` (the maintained port of the uap-core rules; with
``ua-parser-builtins`` its rules are precompiled and ``ua-parser-rs`` runs them natively), and
the few things it does not say — device type, bots it does not know — come from the tables
below. Results are cached per user-agent string: a site's traffic repeats a few hundred
strings, so the parser runs once per string, not once per event.

Names follow the query API's filter values (seed 001): ``os`` "Mac OS X", ``os_version``
"Mac OS X 10.15.7", ``browser`` "Mobile Safari", ``browser_version`` "Chrome 124.0.0".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ua_parser

PC, MOBILE, TABLET = "PC", "Mobile", "Tablet"
DEVICE_TYPES = (PC, MOBILE, TABLET)

# First match wins. iPadOS 13+ Safari sends a Mac user agent by default and is counted as PC:
# nothing in the string tells them apart (the tracker does not fingerprint).
DEVICE_TYPE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"iPad|Tablet|Kindle|Silk/|PlayBook|Nexus (?:7|9|10)\b|SM-[TPX]\d{3}|Lenovo TB|MediaPad"), TABLET),
    (re.compile(r"Mobi|iPhone|iPod|Windows Phone|BlackBerry|Opera Mini|IEMobile"), MOBILE),
    # Android phones say "Mobile"; an Android user agent without it is a tablet (Google's guidance).
    (re.compile(r"Android"), TABLET),
)

# Automated clients ua-parser does not file under its "Spider" device family.
BOT_RULES: tuple[re.Pattern[str], ...] = (
    re.compile(r"HeadlessChrome|PhantomJS|Puppeteer|Playwright|Selenium|Lighthouse", re.I),
    re.compile(r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|embedly|preview|monitor|python-|curl/|wget/", re.I),
    re.compile(r"^$|^Mozilla/5\.0$"),
)
BOT_DEVICE_FAMILIES = frozenset({"Spider"})

# The "Other" of ua-parser means "unknown": stored as empty so filters and groups skip it.
_UNKNOWN = frozenset(
    {"Other", "Generic", "Generic_Android", "Generic_Android_Tablet", "Generic Smartphone", "Generic Tablet", "Spider"}
)
# Brands of model codes the uap-core rules leave generic.
BRAND_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bSM-[A-Z]\d{3}|Galaxy"), "Samsung"),
    (re.compile(r"\bPixel \d"), "Google"),
)

_SCREEN = re.compile(r"^([1-9]\d{1,4})x([1-9]\d{1,4})$")
_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?")


@dataclass(frozen=True)
class Client:
    device_type: str
    os: str
    os_version: str
    browser: str
    browser_version: str
    device_brand: str
    is_bot: bool


def _known(value: str | None) -> str:
    return "" if value is None or value in _UNKNOWN else value


def _version(family: str, parts: tuple[str | None, ...], *, pad: int) -> str:
    present = [p for p in parts if p]
    if not family or not present:
        return ""
    while len(present) < pad:
        present.append("0")
    return f"{family} {'.'.join(present)}"


def _brand(ua: str) -> str:
    for pattern, brand in BRAND_RULES:
        if pattern.search(ua):
            return brand
    return ""


def device_type(ua: str) -> str:
    for pattern, kind in DEVICE_TYPE_RULES:
        if pattern.search(ua):
            return kind
    return PC


@lru_cache(maxsize=8192)
def parse_user_agent(ua: str) -> Client:
    """Everything derived from one user-agent string (cached: the same string gives the same answer)."""
    r = ua_parser.parse(ua)
    agent, os, device = r.user_agent, r.os, r.device
    browser = _known(agent.family if agent else None)
    os_name = _known(os.family if os else None)
    is_bot = (device is not None and device.family in BOT_DEVICE_FAMILIES) or any(p.search(ua) for p in BOT_RULES)
    return Client(
        device_type=device_type(ua),
        os=os_name,
        os_version=_version(os_name, (os.major, os.minor, os.patch) if os else (), pad=1),
        browser=browser,
        browser_version=_version(browser, (agent.major, agent.minor, agent.patch) if agent else (), pad=3),
        device_brand=_known(device.brand if device else None) or _brand(ua),
        is_bot=is_bot,
    )


def screen_resolution(raw: str) -> str:
    """``1920x1080`` as sent, or empty when it is not a plausible width x height."""
    return raw if _SCREEN.match(raw) else ""


@lru_cache(maxsize=1024)
def language(raw: str) -> str:
    """A BCP 47 tag in its usual case (``en-US``, ``ja``, ``zh-TW``); empty when unreadable."""
    m = _LANGUAGE.match(raw.strip())
    if not m:
        return ""
    lang, region = m.group(1).lower(), m.group(2)
    if not region:
        return lang
    return f"{lang}-{region.upper() if len(region) == 2 else region.title()}"
