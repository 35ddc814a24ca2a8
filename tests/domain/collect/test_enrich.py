"""Enrichment of real user-agent strings: every derived field written out (desktops, phones, tablets, in-app, bots)."""

# ruff: noqa: E501  (real user-agent strings are long and must stay whole)

from __future__ import annotations

import pytest

from traitbase.domain.collect.enrich import Client, language, parse_user_agent, screen_resolution

# (user agent, device type, OS, OS version, browser, browser version, brand, bot)
# fmt: off
CASES: list[tuple[str, str, str, str, str, str, str, bool]] = [
    ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'PC', 'Windows', 'Windows 10', 'Chrome', 'Chrome 124.0.0', '', False),
    ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51', 'PC', 'Windows', 'Windows 10', 'Edge', 'Edge 124.0.2478', '', False),
    ('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'PC', 'Windows', 'Windows 10', 'Firefox', 'Firefox 125.0.0', '', False),
    ('Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36', 'PC', 'Windows', 'Windows 7', 'Chrome', 'Chrome 109.0.0', '', False),
    ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0', 'PC', 'Windows', 'Windows 10', 'Opera', 'Opera 110.0.0', '', False),
    ('Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko', 'PC', 'Windows', 'Windows 10', 'IE', 'IE 11.0.0', '', False),
    ('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', 'PC', 'Mac OS X', 'Mac OS X 10.15.7', 'Safari', 'Safari 17.4.1', 'Apple', False),
    ('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'PC', 'Mac OS X', 'Mac OS X 10.15.7', 'Chrome', 'Chrome 124.0.0', 'Apple', False),
    ('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0', 'PC', 'Mac OS X', 'Mac OS X 14.4', 'Firefox', 'Firefox 125.0.0', 'Apple', False),
    ('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67', 'PC', 'Mac OS X', 'Mac OS X 10.15.7', 'Edge', 'Edge 124.0.2478', 'Apple', False),
    ('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'PC', 'Linux', '', 'Chrome', 'Chrome 124.0.0', '', False),
    ('Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'PC', 'Ubuntu', '', 'Firefox', 'Firefox 125.0.0', '', False),
    ('Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'PC', 'Chrome OS', 'Chrome OS 14541.0.0', 'Chrome', 'Chrome 124.0.0', '', False),
    ('Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0', 'PC', 'Fedora', '', 'Firefox', 'Firefox 124.0.0', '', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1', 'Mobile', 'iOS', 'iOS 17.4.1', 'Mobile Safari', 'Mobile Safari 17.4.1', 'Apple', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1', 'Mobile', 'iOS', 'iOS 16.6', 'Mobile Safari', 'Mobile Safari 16.6.0', 'Apple', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'Mobile', 'iOS', 'iOS 17.4', 'Chrome Mobile iOS', 'Chrome Mobile iOS 124.0.6367', 'Apple', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15', 'Mobile', 'iOS', 'iOS 17.4', 'Firefox iOS', 'Firefox iOS 125.0.0', 'Apple', False),
    ('Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Tablet', 'iOS', 'iOS 17.4', 'Mobile Safari', 'Mobile Safari 17.4.0', 'Apple', False),
    ('Mozilla/5.0 (iPad; CPU OS 16_7_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'Tablet', 'iOS', 'iOS 16.7.7', 'Chrome Mobile iOS', 'Chrome Mobile iOS 124.0.6367', 'Apple', False),
    ('Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Mobile', 'Android', 'Android 14', 'Chrome Mobile', 'Chrome Mobile 124.0.6367', 'Samsung', False),
    ('Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Mobile', 'Android', 'Android 14', 'Chrome Mobile', 'Chrome Mobile 124.0.6367', 'Google', False),
    ('Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'Mobile', 'Android', 'Android 13', 'Samsung Internet', 'Samsung Internet 24.0.0', 'Samsung', False),
    ('Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', 'Mobile', 'Android', 'Android 12', 'Chrome Mobile', 'Chrome Mobile 124.0.0', '', False),
    ('Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', 'Mobile', 'Android', 'Android 10', 'Chrome Mobile', 'Chrome Mobile 124.0.0', '', False),
    ('Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'Mobile', 'Android', 'Android 14', 'Firefox Mobile', 'Firefox Mobile 125.0.0', '', False),
    ('Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Tablet', 'Android', 'Android 13', 'Chrome', 'Chrome 124.0.0', 'Samsung', False),
    ('Mozilla/5.0 (Linux; Android 12; SM-T970) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Tablet', 'Android', 'Android 12', 'Chrome', 'Chrome 124.0.0', 'Samsung', False),
    ('Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.1 like Chrome/124.0.6367.82 Safari/537.36', 'Tablet', 'Android', 'Android 9', 'Amazon Silk', 'Amazon Silk 124.2.1', 'Amazon', False),
    ('Mozilla/5.0 (Linux; Android 13; Lenovo TB-J616F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Tablet', 'Android', 'Android 13', 'Chrome', 'Chrome 124.0.0', 'Lenovo', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 326.0.3.30.91 (iPhone15,3; iOS 17_4; ja_JP; ja; scale=3.00; 1290x2796; 585940390)', 'Mobile', 'iOS', 'iOS 17.4', 'Instagram', 'Instagram 326.0.3', 'Apple', False),
    ('Mozilla/5.0 (Linux; Android 14; SM-S911B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 Instagram 327.0.0.35.84 Android (34/14; 480dpi; 1080x2340; samsung; SM-S911B; dm1q; qcom; en_US; 588470632)', 'Mobile', 'Android', 'Android 14', 'Instagram', 'Instagram 327.0.0', 'Samsung', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/460.0.0.39.109;FBBV/587364052;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]', 'Mobile', 'iOS', 'iOS 17.4', 'Facebook', 'Facebook 460.0.0', 'Apple', False),
    ('Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/461.0.0.41.105;]', 'Mobile', 'Android', 'Android 14', 'Facebook', 'Facebook 461.0.0', 'Google', False),
    ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.5.0', 'Mobile', 'iOS', 'iOS 17.4', 'LINE', 'LINE 14.5.0', 'Apple', False),
    ('Mozilla/5.0 (Linux; Android 13; SO-51C Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 Line/14.5.1/IAB', 'Mobile', 'Android', 'Android 13', 'LINE', 'LINE 14.5.1', 'SonyEricsson', False),
    ('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'PC', '', '', 'Googlebot', 'Googlebot 2.1.0', '', True),
    ('Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Mobile', 'Android', 'Android 6.0.1', 'Googlebot', 'Googlebot 2.1.0', '', True),
    ('Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'PC', '', '', 'bingbot', 'bingbot 2.0.0', '', True),
    ('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36', 'PC', 'Linux', '', 'HeadlessChrome', 'HeadlessChrome 124.0.6367', '', True),
    ('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'PC', '', '', 'FacebookBot', 'FacebookBot 1.1.0', '', True),
    ('Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', 'PC', '', '', 'YandexBot', 'YandexBot 3.0.0', '', True),
    ('Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)', 'PC', '', '', 'GPTBot', 'GPTBot 1.2.0', '', True),
    ('curl/8.5.0', 'PC', '', '', 'curl', 'curl 8.5.0', '', True),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=[f"ua{i:02d}" for i in range(len(CASES))])
def test_user_agent_is_enriched(case: tuple[str, str, str, str, str, str, str, bool]) -> None:
    ua, device, os_name, os_version, browser, browser_version, brand, bot = case
    assert parse_user_agent(ua) == Client(
        device_type=device,
        os=os_name,
        os_version=os_version,
        browser=browser,
        browser_version=browser_version,
        device_brand=brand,
        is_bot=bot,
    )


def test_the_table_covers_every_kind_of_client() -> None:
    assert len(CASES) >= 40
    assert {c[1] for c in CASES} == {"PC", "Mobile", "Tablet"}
    assert sum(c[7] for c in CASES) >= 6
    assert {"Instagram", "Facebook", "LINE"} <= {c[4] for c in CASES}


def test_an_empty_user_agent_is_a_bot() -> None:
    assert parse_user_agent("").is_bot


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("en-us", "en-US"), ("ja", "ja"), ("zh_TW", "zh-TW"), ("zh-Hant-TW", "zh-Hant"), ("", ""), ("12", "")],
)
def test_language_is_normalised(raw: str, expected: str) -> None:
    assert language(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("1920x1080", "1920x1080"), ("390x844", "390x844"), ("0x0", ""), ("big", ""), ("", "")]
)
def test_screen_resolution_is_kept_only_when_plausible(raw: str, expected: str) -> None:
    assert screen_resolution(raw) == expected
