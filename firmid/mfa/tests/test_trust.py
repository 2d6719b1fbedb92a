"""Trusted browsers' pure parts: the label My account shows, read from a User-Agent."""

from __future__ import annotations

import pytest

from firmid.mfa.trust import browser_label

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 "
    "Edg/120.0"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile"
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15"
OPERA_WINDOWS = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 OPR/105.0"
CHROME_IOS = "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 CriOS/120.0 Mobile Safari/604.1"
CHROMEBOOK = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (CHROME_ANDROID, "Chrome on Android"),
        (FIREFOX_MAC, "Firefox on macOS"),
        (SAFARI_MAC, "Safari on macOS"),
        (OPERA_WINDOWS, "Opera on Windows"),
        (CHROME_IOS, "Chrome on iPadOS"),
        (CHROMEBOOK, "Chrome on ChromeOS"),
        ("curl/8.4.0", "Unknown browser"),
        ("", "Unknown browser"),
        ("Something (Windows NT 10.0)", "A browser on Windows"),
        ("Firefox/121.0", "Firefox"),
        ("x" * 10_000 + " Firefox/1", "Unknown browser"),  # only the first 512 characters are read
    ],
)
def test_browser_label(user_agent: str, label: str) -> None:
    assert browser_label(user_agent) == label
    assert len(browser_label(user_agent)) <= 120
