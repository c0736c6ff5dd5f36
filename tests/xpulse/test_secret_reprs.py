"""Secrets never show in the repr of the objects that hold them (a log line, a traceback)."""

from __future__ import annotations

from xpulse.accounts.loopback import _Answer
from xpulse.accounts.tokens import TokenRecord
from xpulse.api.oauth1 import OAuth1Credentials
from xpulse.api.oauth2 import AuthorizeRequest, TokenResponse
from xpulse.config.delivery import EmailConfig
from xpulse.config.settings import Config
from xpulse.operations.destinations import EmailTarget, SlackTarget

MARK = "fake-MARKER-secret-0123456789"  # made up for this test


def test_no_secret_bearing_type_shows_its_secret_in_repr() -> None:
    email = EmailConfig(host="smtp.example.com", sender="a@example.com", recipients=["b@x.io"])
    holders: list[object] = [
        TokenRecord(account="main", access_token=MARK, refresh_token=MARK + "r", expires_at=None),
        TokenResponse(access_token=MARK, refresh_token=MARK + "r", expires_at=None, scopes=()),
        AuthorizeRequest(
            url="https://x.com/i/oauth2/authorize?client_id=c",
            state=MARK,
            verifier=MARK + "v",
            redirect_uri="http://127.0.0.1:8765/callback",
        ),
        SlackTarget(webhook_url=f"https://hooks.slack.com/services/{MARK}", where="slack"),
        EmailTarget(config=email, password=MARK),
        Config(database_url=f"postgresql://xpulse:{MARK}@db.example.com/xpulse"),
        OAuth1Credentials("consumer", MARK, MARK + "a", MARK + "t"),
        _Answer({"code": MARK, "state": MARK + "s"}),  # the sign-in callback's query
    ]
    for holder in holders:
        shown = repr(holder)
        assert MARK not in shown, shown
        assert type(holder).__name__ in shown  # a real repr, just without the secret
    record = holders[0]
    assert isinstance(record, TokenRecord) and "account='main'" in repr(record)
