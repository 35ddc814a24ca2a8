"""Traffic sources of real referrers: every derived field written out (fields not listed are empty)."""

from __future__ import annotations

from typing import Any

import pytest

from traitbase.domain.collect.referrers import Source, classify

PAGE = "https://shop.example.jp/item/3"

# (referrer, landing URL, the non-empty fields of the expected Source)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("https://www.google.com/", PAGE, {"source_type": "Search", "search_engine": "google"}),
    ("https://www.google.co.jp/", PAGE, {"source_type": "Search", "search_engine": "google"}),
    ("https://www.google.com.br/search?q=x", PAGE, {"source_type": "Search", "search_engine": "google"}),
    (
        "android-app://com.google.android.googlequicksearchbox/",
        PAGE,
        {"source_type": "Search", "search_engine": "google"},
    ),
    ("https://www.bing.com/search?q=heatmap", PAGE, {"source_type": "Search", "search_engine": "bing"}),
    ("https://search.yahoo.co.jp/search?p=muji", PAGE, {"source_type": "Search", "search_engine": "yahoo japan"}),
    ("https://search.yahoo.com/search?p=x", PAGE, {"source_type": "Search", "search_engine": "yahoo"}),
    ("https://yandex.ru/search/?text=x", PAGE, {"source_type": "Search", "search_engine": "yandex"}),
    ("https://www.baidu.com/link?url=abc", PAGE, {"source_type": "Search", "search_engine": "baidu"}),
    ("https://duckduckgo.com/", PAGE, {"source_type": "Search", "search_engine": "duckduckgo"}),
    (
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example.jp",
        PAGE,
        {"source_type": "Social", "social_network": "facebook", "social_url": "https://l.facebook.com/l.php"},
    ),
    (
        "https://m.facebook.com/",
        PAGE,
        {"source_type": "Social", "social_network": "facebook", "social_url": "https://m.facebook.com/"},
    ),
    (
        "https://l.instagram.com/?u=x",
        PAGE,
        {"source_type": "Social", "social_network": "instagram", "social_url": "https://l.instagram.com/"},
    ),
    (
        "https://www.instagram.com/",
        PAGE,
        {"source_type": "Social", "social_network": "instagram", "social_url": "https://www.instagram.com/"},
    ),
    (
        "https://t.co/AbCdEf",
        PAGE,
        {"source_type": "Social", "social_network": "x", "social_url": "https://t.co/AbCdEf"},
    ),
    (
        "https://x.com/someone/status/1",
        PAGE,
        {"source_type": "Social", "social_network": "x", "social_url": "https://x.com/someone/status/1"},
    ),
    (
        "https://www.linkedin.com/feed/",
        PAGE,
        {"source_type": "Social", "social_network": "linkedin", "social_url": "https://www.linkedin.com/feed/"},
    ),
    (
        "https://lnkd.in/abc",
        PAGE,
        {"source_type": "Social", "social_network": "linkedin", "social_url": "https://lnkd.in/abc"},
    ),
    (
        "https://line.me/R/msg/text/",
        PAGE,
        {"source_type": "Social", "social_network": "line", "social_url": "https://line.me/R/msg/text/"},
    ),
    (
        "https://liff.line.me/12345",
        PAGE,
        {"source_type": "Social", "social_network": "line", "social_url": "https://liff.line.me/12345"},
    ),
    ("https://chatgpt.com/", PAGE, {"source_type": "AISearch", "ai_name": "ChatGPT"}),
    ("https://chat.openai.com/c/abc", PAGE, {"source_type": "AISearch", "ai_name": "ChatGPT"}),
    ("https://www.perplexity.ai/search/abc", PAGE, {"source_type": "AISearch", "ai_name": "Perplexity"}),
    ("https://gemini.google.com/app/abc", PAGE, {"source_type": "AISearch", "ai_name": "Gemini"}),
    ("https://copilot.microsoft.com/", PAGE, {"source_type": "AISearch", "ai_name": "Copilot"}),
    ("https://www.bing.com/chat?form=x", PAGE, {"source_type": "AISearch", "ai_name": "Copilot"}),
    ("https://claude.ai/chat/abc", PAGE, {"source_type": "AISearch", "ai_name": "Claude"}),
    ("https://chat.deepseek.com/", PAGE, {"source_type": "AISearch", "ai_name": "DeepSeek"}),
    (
        "",
        "https://shop.example.jp/item/3?utm_source=chatgpt.com",
        {"source_type": "AISearch", "ai_name": "ChatGPT", "utm_source": "chatgpt.com"},
    ),
    (
        "https://www.google.com/",
        "https://shop.example.jp/lp?utm_source=google&utm_medium=cpc&utm_campaign=summer_sale&utm_term=heatmap+tool&utm_content=banner_a",
        {
            "source_type": "Campaign",
            "campaign_url": "https://www.google.com/",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "summer_sale",
            "utm_term": "heatmap tool",
            "utm_content": "banner_a",
        },
    ),
    (
        "",
        "https://shop.example.jp/lp?utm_source=newsletter&utm_medium=email&utm_campaign=dec",
        {"source_type": "Campaign", "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "dec"},
    ),
    (
        "https://www.facebook.com/",
        "https://shop.example.jp/lp?utm_source=facebook&utm_medium=social",
        {
            "source_type": "Campaign",
            "campaign_url": "https://www.facebook.com/",
            "utm_source": "facebook",
            "utm_medium": "social",
        },
    ),
    ("", PAGE, {"source_type": "Direct"}),
    ("https://shop.example.jp/", PAGE, {"internal": True}),
    ("https://www.shop.example.jp/cart", PAGE, {"internal": True}),
    (
        "https://www.muji.com/jp/ja/store",
        PAGE,
        {
            "source_type": "Referral",
            "referral_source": "www.muji.com",
            "referral_url": "https://www.muji.com/jp/ja/store",
        },
    ),
    (
        "https://news.ycombinator.com/item?id=1",
        PAGE,
        {
            "source_type": "Referral",
            "referral_source": "news.ycombinator.com",
            "referral_url": "https://news.ycombinator.com/item",
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"ref{i:02d}" for i in range(len(CASES))])
def test_referrer_is_classified(case: tuple[str, str, dict[str, Any]]) -> None:
    referrer, page, expected = case
    assert classify(referrer, page) == Source(**expected)


def test_the_table_covers_every_source_type() -> None:
    assert len(CASES) >= 30
    kinds = {c[2].get("source_type", "") for c in CASES}
    assert kinds == {"Direct", "Search", "Social", "Referral", "Campaign", "AISearch", ""}
