"""OAuth 1.0a signing against RFC 5849's worked example and oauthlib's independent signer."""

from __future__ import annotations

import json

import httpx
import pytest
from oauthlib.oauth1 import Client as OAuthlibClient

from xpulse.api.oauth1 import (
    OAuth1Auth,
    OAuth1Credentials,
    base_string_uri,
    hmac_sha1_signature,
    percent_encode,
    request_parameters,
    signature_base_string,
)

# RFC 5849 §3.4.1.1: the request, and the base string the RFC prints for it.
RFC_URL = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
RFC_BODY = b"c2&a3=2+q"
RFC_OAUTH = {
    "oauth_consumer_key": "9djdj82h48djs9d2",
    "oauth_token": "kkk9d7dh3k39sjv7",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "137131201",
    "oauth_nonce": "7d8f3e4a",
}
RFC_BASE = (
    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
    "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key"
    "%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method"
    "%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
)


def test_percent_encoding_is_rfc3986_strict() -> None:
    assert percent_encode("a b") == "a%20b"
    assert percent_encode("!*'()") == "%21%2A%27%28%29"
    assert percent_encode("-._~AZaz09") == "-._~AZaz09"
    assert percent_encode("é/+=&") == "%C3%A9%2F%2B%3D%26"


def test_rfc5849_base_string_is_reproduced_exactly() -> None:
    request = httpx.Request(
        "POST",
        RFC_URL,
        content=RFC_BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    pairs = request_parameters(request) + list(RFC_OAUTH.items())
    base = signature_base_string("POST", base_string_uri(request.url), pairs)
    assert base == RFC_BASE


def test_rfc5849_signature_with_the_rfcs_secrets() -> None:
    # The RFC leaves this example's secrets out; its §1.2 ones (j49sk3j29djd, dh893hdasih9)
    # give the signature every independent implementation agrees on (checked below too).
    signature = hmac_sha1_signature(RFC_BASE, "j49sk3j29djd", "dh893hdasih9")
    assert signature == "r6/TJjbCOr97/+UU0NsvSne7s5g="


def test_base_string_uri_drops_default_port_and_lowercases() -> None:
    assert base_string_uri(httpx.URL("HTTPS://Data-API.x.com:443/insights?x=1")) == (
        "https://data-api.x.com/insights"
    )
    assert (
        base_string_uri(httpx.URL("http://127.0.0.1:8080/r/v%20")) == "http://127.0.0.1:8080/r/v%20"
    )


def _creds() -> OAuth1Credentials:
    return OAuth1Credentials(
        "fake-consumer-key", "fake-consumer-secret", "fake-token-1", "fake-token-secret"
    )


def _auth() -> OAuth1Auth:
    return OAuth1Auth(_creds(), nonce=lambda: "fixednonce123", timestamp=lambda: "1700000000")


def _oauthlib_header(method: str, url: str, body: str | None, headers: dict[str, str]) -> str:
    client = OAuthlibClient(
        "fake-consumer-key",
        client_secret="fake-consumer-secret",
        resource_owner_key="fake-token-1",
        resource_owner_secret="fake-token-secret",
        nonce="fixednonce123",
        timestamp="1700000000",
    )
    _, signed, _ = client.sign(url, http_method=method, body=body, headers=headers)
    return str(signed["Authorization"])


def _signature(header: str) -> str:
    for part in header.removeprefix("OAuth ").split(", "):
        name, _, value = part.partition("=")
        if name == "oauth_signature":
            return value.strip('"')
    raise AssertionError(header)


@pytest.mark.parametrize(
    "method,url,body,ctype",
    [
        ("GET", "https://api.x.com/2/tweets?ids=1,2&tweet.fields=public_metrics", None, None),
        ("GET", "https://api.x.com/2/search?q=a%20b%21%2A%27%28%29", None, None),
        (
            "POST",
            "https://api.x.com/1.1/statuses/update.json",
            "status=Hi%20there%21%20%28ok%29",
            "application/x-www-form-urlencoded",
        ),
    ],
)
def test_signature_matches_oauthlib(
    method: str, url: str, body: str | None, ctype: str | None
) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    request = httpx.Request(method, url, content=body.encode() if body else None, headers=headers)
    ours = _signature(_auth().sign(request))
    theirs = _signature(_oauthlib_header(method, url, body, headers))
    assert ours == theirs


def test_json_body_is_not_signed() -> None:
    url = "https://data-api.x.com/insights/engagement/totals"
    one = httpx.Request("POST", url, json={"tweet_ids": ["1"]})
    two = httpx.Request("POST", url, json={"tweet_ids": ["2"]})
    assert _auth().sign(one) == _auth().sign(two)
    # and it equals the signature of the same request with no body at all
    theirs = _signature(_oauthlib_header("POST", url, None, {}))
    assert _signature(_auth().sign(one)) == theirs


def test_auth_flow_sets_header_and_keeps_secrets_out() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler), auth=_auth()) as client:
        client.post("https://data-api.x.com/insights/engagement/28hr", content=json.dumps({}))
    header = seen[0]
    assert header.startswith('OAuth oauth_consumer_key="fake-consumer-key"')
    assert 'oauth_signature_method="HMAC-SHA1"' in header and 'oauth_version="1.0"' in header
    assert "fake-consumer-secret" not in header and "fake-token-secret" not in header
    assert "secret" not in repr(_auth()) and "secret" not in repr(_creds())
