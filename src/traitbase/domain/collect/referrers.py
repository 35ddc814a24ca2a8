"""Where a page view came from: source type, search engine, social network, AI, referral and UTM.

Every rule is a row of a table below (host pattern, source type, name); ``classify`` only walks
the tables. Order of precedence, first that applies wins:

1. AI assistants, known by the referrer host or by the ``utm_source`` they append to links
   (ChatGPT adds ``utm_source=chatgpt.com``): **AISearch**.
2. Any ``utm_*`` parameter on the landing URL: **Campaign**.
3. No referrer: **Direct**. A referrer on the page's own host (or its ``www.`` twin) is internal
   navigation, not a referral: its source fields stay empty (the visit keeps its entrance's source).
4. Search engine host: **Search**; social network host: **Social**; any other host: **Referral**.

Names follow the query API's filter values: search engines and social networks in lower case
(``google``, ``facebook``), AI names capitalised (``ChatGPT``), URLs as origin + path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DIRECT, SEARCH, SOCIAL, REFERRAL, CAMPAIGN, AI = "Direct", "Search", "Social", "Referral", "Campaign", "AISearch"
SOURCE_TYPES = (DIRECT, SEARCH, SOCIAL, REFERRAL, CAMPAIGN, AI)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def _host(pattern: str) -> re.Pattern[str]:
    """A host rule: the domain itself or any subdomain of it (``facebook.com`` covers ``l.facebook.com``)."""
    return re.compile(rf"(?:^|\.){pattern}$")


# (host pattern, optional path prefix, AI name). Before search engines: gemini.google.com is not Google search.
AI_HOSTS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (_host(r"chatgpt\.com"), "", "ChatGPT"),
    (_host(r"chat\.openai\.com"), "", "ChatGPT"),
    (_host(r"perplexity\.ai"), "", "Perplexity"),
    (_host(r"gemini\.google\.com"), "", "Gemini"),
    (_host(r"bard\.google\.com"), "", "Gemini"),
    (_host(r"copilot\.microsoft\.com"), "", "Copilot"),
    (_host(r"copilot\.cloud\.microsoft"), "", "Copilot"),
    (_host(r"bing\.com"), "/chat", "Copilot"),
    (_host(r"claude\.ai"), "", "Claude"),
    (_host(r"deepseek\.com"), "", "DeepSeek"),
    (_host(r"grok\.com"), "", "Grok"),
    (_host(r"x\.com"), "/i/grok", "Grok"),
    (_host(r"meta\.ai"), "", "Meta AI"),
    (_host(r"chat\.mistral\.ai"), "", "Mistral"),
    (_host(r"you\.com"), "", "You.com"),
    (_host(r"poe\.com"), "", "Poe"),
    (_host(r"phind\.com"), "", "Phind"),
    (_host(r"kimi\.(?:moonshot\.cn|com)"), "", "Kimi"),
    (_host(r"doubao\.com"), "", "Doubao"),
)

# utm_source values AI assistants put on the links they cite.
AI_UTM_SOURCES: dict[str, str] = {
    "chatgpt.com": "ChatGPT",
    "chatgpt": "ChatGPT",
    "openai": "ChatGPT",
    "perplexity": "Perplexity",
    "perplexity.ai": "Perplexity",
    "copilot.microsoft.com": "Copilot",
    "gemini.google.com": "Gemini",
    "claude.ai": "Claude",
    "deepseek": "DeepSeek",
}

SEARCH_ENGINES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_host(r"google\.(?:com?\.)?[a-z]{2,3}"), "google"),
    (_host(r"googlequicksearchbox"), "google"),
    (_host(r"bing\.com"), "bing"),
    (_host(r"yahoo\.co\.jp"), "yahoo japan"),
    (_host(r"yahoo\.(?:com?\.)?[a-z]{2,3}"), "yahoo"),
    (_host(r"yandex\.(?:com?\.)?[a-z]{2,3}"), "yandex"),
    (_host(r"ya\.ru"), "yandex"),
    (_host(r"baidu\.com"), "baidu"),
    (_host(r"duckduckgo\.com"), "duckduckgo"),
    (_host(r"naver\.com"), "naver"),
    (_host(r"ecosia\.org"), "ecosia"),
    (_host(r"search\.brave\.com"), "brave"),
    (_host(r"sogou\.com"), "sogou"),
    (_host(r"so\.com"), "360"),
    (_host(r"seznam\.cz"), "seznam"),
    (_host(r"ask\.com"), "ask"),
    (_host(r"startpage\.com"), "startpage"),
)

SOCIAL_NETWORKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_host(r"facebook\.com"), "facebook"),
    (_host(r"fb\.me"), "facebook"),
    (_host(r"instagram\.com"), "instagram"),
    (_host(r"t\.co"), "x"),
    (_host(r"x\.com"), "x"),
    (_host(r"twitter\.com"), "x"),
    (_host(r"linkedin\.com"), "linkedin"),
    (_host(r"lnkd\.in"), "linkedin"),
    (_host(r"line\.me"), "line"),
    (_host(r"youtube\.com"), "youtube"),
    (_host(r"youtu\.be"), "youtube"),
    (_host(r"tiktok\.com"), "tiktok"),
    (_host(r"pinterest\.(?:com?\.)?[a-z]{2,3}"), "pinterest"),
    (_host(r"reddit\.com"), "reddit"),
    (_host(r"threads\.net"), "threads"),
    (_host(r"weibo\.com"), "weibo"),
    (_host(r"vk\.com"), "vk"),
    (_host(r"bsky\.app"), "bluesky"),
    (_host(r"note\.com"), "note"),
)


@dataclass(frozen=True)
class Source:
    source_type: str = ""
    search_engine: str = ""
    social_network: str = ""
    social_url: str = ""
    ai_name: str = ""
    referral_source: str = ""
    referral_url: str = ""
    campaign_url: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    internal: bool = False


def _bare(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _origin_path(url: str) -> str:
    """``scheme://host/path`` of a URL: query strings carry personal data and ids, never stored here."""
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}{p.path or '/'}" if p.netloc else ""


def _first(table: tuple[tuple[re.Pattern[str], str], ...], host: str) -> str:
    for pattern, name in table:
        if pattern.search(host):
            return name
    return ""


def _ai(host: str, path: str) -> str:
    for pattern, prefix, name in AI_HOSTS:
        if pattern.search(host) and path.startswith(prefix):
            return name
    return ""


def utm_of(page_url: str) -> dict[str, Any]:
    query = urlsplit(page_url).query
    if "utm_" not in query:
        return {}
    return {k: v[:200] for k, v in parse_qsl(query) if k in UTM_FIELDS and v}


@lru_cache(maxsize=16384)
def classify(referrer: str, page_url: str) -> Source:
    """The source of one page view, from its referrer and its own URL (cached: pure)."""
    utm = utm_of(page_url)
    ref = urlsplit(referrer) if referrer else None
    ref_host = (ref.hostname or "") if ref else ""
    if ref is not None and ref.scheme == "android-app":
        ref_host = ref.netloc.lower()
    page_host = (urlsplit(page_url).hostname or "").lower()
    ai = _ai(ref_host, ref.path if ref else "") if ref_host else ""
    ai = ai or AI_UTM_SOURCES.get(utm.get("utm_source", "").lower(), "")
    if ai:
        return Source(source_type=AI, ai_name=ai, **utm)
    if utm:
        return Source(source_type=CAMPAIGN, campaign_url=_origin_path(referrer) if ref_host else "", **utm)
    if not ref_host:
        return Source(source_type=DIRECT)
    if page_host and _bare(ref_host) == _bare(page_host):
        return Source(internal=True)
    engine = _first(SEARCH_ENGINES, ref_host)
    if engine:
        return Source(source_type=SEARCH, search_engine=engine)
    social = _first(SOCIAL_NETWORKS, ref_host)
    if social:
        return Source(source_type=SOCIAL, social_network=social, social_url=_origin_path(referrer))
    return Source(source_type=REFERRAL, referral_source=ref_host, referral_url=_origin_path(referrer))
