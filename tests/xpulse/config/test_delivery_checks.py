"""The delivery schema's own checks: what the config refuses when it loads, before any
secret is looked up or anything is sent (SMTP settings, addresses, file formats)."""

from __future__ import annotations

from typing import Any

import pytest

from xpulse.config.delivery import check_address, check_formats, check_smtp


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", 587, "starttls", "a@example.com", ["b@example.com"]), "host is empty"),
        (("smtp.example.com", 0, "starttls", "a@example.com", ["b@example.com"]), "port"),
        (("smtp.example.com", 70000, "ssl", "a@example.com", ["b@example.com"]), "port"),
        (("smtp.example.com", 587, "tls", "a@example.com", ["b@example.com"]), "starttls, ssl"),
        (("smtp.example.com", 25, "none", "a@example.com", ["b@example.com"]), "in clear"),
        (("smtp.example.com", 587, "starttls", "nobody", ["b@example.com"]), "not a valid"),
        (("smtp.example.com", 587, "starttls", "a@example.com", []), "one or more"),
        (("smtp.example.com", 587, "starttls", "a@example.com", ["b\r\n@x.com"]), "line break"),
        (("smtp://x.com", 587, "starttls", "a@example.com", ["b@example.com"]), "host name"),
    ],
)
def test_bad_smtp_settings_are_caught_at_config_check(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_smtp(*args)


def test_good_smtp_settings_pass() -> None:
    check_smtp("smtp.example.com", 587, "starttls", "X <a@example.com>", ["b@example.com"], "u")
    check_smtp("localhost", 1025, "none", "a@example.com", ["b@example.com"])


@pytest.mark.parametrize(
    "good", ["a@example.com", "Team X <team@mail.example.co.uk>", "first.last+tag@sub.example.io"]
)
def test_good_addresses(good: str) -> None:
    assert check_address(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "nobody",
        "a@",
        "@example.com",
        "a@localhost",
        "a@b@c.com",
        "a@example.com, b@example.com",
        "a b@example.com",
        "a@.example.com",
        "a@exa..mple.com",
    ],
)
def test_bad_addresses(bad: str) -> None:
    with pytest.raises(ValueError):
        check_address(bad)


@pytest.mark.parametrize(
    ("formats", "message"),
    [
        (["xls"], "unknown file format"),
        (["odt"], "unknown file format"),
        ([], "list of"),
        ("html", "list"),
    ],
)
def test_bad_formats_are_config_errors(formats: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_formats(formats)
