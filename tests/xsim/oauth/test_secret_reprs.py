"""xsim's secrets (client secrets, tokens, consent state) never show in a repr."""

from __future__ import annotations

from datetime import UTC, datetime

from xsim.oauth.store import CodeGrant, IssuedTokens, PendingConsent
from xsim.world.model import App, OAuth1Token, Token, World

MARK = "fake-MARKER-secret-0123456789"  # made up for this test
T = datetime(2026, 5, 20, tzinfo=UTC)


def test_no_secret_bearing_type_shows_its_secret_in_repr() -> None:
    app = App(
        "app",
        "App",
        ["http://127.0.0.1/cb"],
        client_secret=MARK,
        bearer_tokens=[MARK + "b"],
        consumer_key="ck",
        consumer_secret=MARK + "c",
    )
    token = Token(MARK, "app", "1", frozenset({"tweet.read"}), T, refresh_token=MARK + "r")
    grant = CodeGrant("app", "1", frozenset(), "http://127.0.0.1/cb", "challenge")
    holders: list[object] = [
        app,
        token,
        OAuth1Token("token-id", MARK, "app", "1"),
        IssuedTokens(MARK, 7200, frozenset(), MARK + "r"),
        PendingConsent(grant, MARK, T),
        World(apps={"app": app}, users={}, posts={}, media={}, tokens=[token]),
    ]
    for holder in holders:
        shown = repr(holder)
        assert MARK not in shown, shown
        assert type(holder).__name__ in shown
