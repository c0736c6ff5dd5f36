"""OAuth 1.0a (RFC 5849 HMAC-SHA1): the RFC's worked examples, oauthlib as an independent
signer, and every way a request is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from xsim_enterprise_support import (
    ALICE,
    ALICE_OT,
    BASE,
    BOB_OT,
    BOB_OTS,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    NOW,
    RECENT,
    Client,
    make_world,
)

from xsim.clock import FixedClock
from xsim.oauth.oauth1 import (
    OAuth1Verifier,
    hmac_sha1,
    percent_encode,
    sign_header,
    signature_base_string,
)


def test_rfc5849_3_4_1_1_base_string() -> None:
    # RFC 5849 §3.4.1.1: query, header and form parameters, with "realm" left out.
    params = [
        ("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b"),  # query (decoded)
        ("oauth_consumer_key", "9djdj82h48djs9d2"), ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
        ("c2", ""), ("a3", "2 q"),  # form body "c2&a3=2+q"
    ]  # fmt: skip
    expected = (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
        "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
        "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"
        "ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
        "9d7dh3k39sjv7"
    )
    assert signature_base_string("post", "http://EXAMPLE.com:80/request", params) == expected


def test_rfc5849_1_2_photos_signature() -> None:
    # RFC 5849 §1.2: the documented HMAC-SHA1 signature of the photo request.
    params = [
        ("file", "vacation.jpg"), ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"), ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131202"),
        ("oauth_nonce", "chapoH"),
    ]  # fmt: skip
    base = signature_base_string("GET", "http://photos.example.net/photos", params)
    assert hmac_sha1(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == "MdpQcU8iPSUjWoN/UDMsK2sui9I="


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("Ladies + Gentlemen", "Ladies%20%2B%20Gentlemen"),
        ("!*'()", "%21%2A%27%28%29"),
        ("An encoded string!", "An%20encoded%20string%21"),
        ("Dogs, Cats & Mice", "Dogs%2C%20Cats%20%26%20Mice"),
        ("-._~azAZ09", "-._~azAZ09"),
        ("☃é", "%E2%98%83%C3%A9"),
    ],
)
def test_percent_encoding_is_rfc3986_unreserved_only(raw: str, encoded: str) -> None:
    assert percent_encode(raw) == encoded


def _verifier(clock: FixedClock) -> OAuth1Verifier:
    return OAuth1Verifier(make_world(), clock.now)


def test_oauthlib_signed_get_with_awkward_query_is_accepted(client: Client) -> None:
    url = f"{BASE}/2/users/me?user.fields=created_at&x=a%20b%21%2A%27%28%29"
    verifier = _verifier(FixedClock(NOW))
    result = verifier.verify("GET", url, client.oauth1_header("GET", url))
    assert result.principal is not None and result.principal.user_id == ALICE
    assert result.principal.kind == "user"


def test_form_body_is_signed_json_body_is_not(client: Client) -> None:
    verifier = _verifier(FixedClock(NOW))
    url = f"{BASE}/insights/engagement/totals"
    form = {"status": "Hello Ladies + Gentlemen, a signed OAuth request!"}
    header = client.oauth1_header("POST", url, form=form)
    assert verifier.verify("POST", url, header, list(form.items())).principal is not None
    tampered = client.oauth1_header("POST", url, form=form)
    refused = verifier.verify("POST", url, tampered, [("status", "something else")])
    assert refused.principal is None and refused.reason == "Invalid signature"
    # A JSON body is not part of the signature: the header signed without it verifies.
    assert verifier.verify("POST", url, client.oauth1_header("POST", url)).principal is not None


def test_xsim_signer_matches_oauthlib(client: Client) -> None:
    url = f"{BASE}/2/tweets?ids=1,2&tweet.fields=public_metrics"
    stamp = int(NOW.timestamp())
    ours = sign_header(
        "GET", url, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET,
        token=ALICE_OT, token_secret="fake-alice-oauth1-secret", timestamp=stamp, nonce="n1",
    )  # fmt: skip
    theirs = client.oauth1_header("GET", url, nonce="n1", timestamp=stamp)

    def signature(header: str) -> str:
        return next(p for p in header.split(",") if "oauth_signature=" in p).split('"')[1]

    assert signature(ours) == signature(theirs)


def test_refusals_each_with_a_reason(client: Client) -> None:
    clock = FixedClock(NOW)
    verifier = _verifier(clock)
    url = f"{BASE}/2/users/me"

    header = client.oauth1_header("GET", url, nonce="once")
    assert verifier.verify("GET", url, header).principal is not None
    replay = verifier.verify("GET", url, header)
    assert (replay.principal, replay.reason) == (None, "Nonce already used")

    bad_query = verifier.verify("GET", url + "?user.fields=id", client.oauth1_header("GET", url))
    assert bad_query.reason == "Invalid signature"

    wrong_secret = client.oauth1_header("GET", url, secret="not-alices-secret")
    assert verifier.verify("GET", url, wrong_secret).reason == "Invalid signature"

    someone_else = client.oauth1_header("GET", url, token="fake-unknown-token")
    assert verifier.verify("GET", url, someone_else).reason == "Access token not found"

    stale = client.oauth1_header(
        "GET", url, timestamp=int((NOW - timedelta(minutes=6)).timestamp())
    )
    assert verifier.verify("GET", url, stale).reason == "Timestamp out of bounds"

    # The window follows the injected clock: a header signed now is stale 6 minutes later.
    fresh = client.oauth1_header("GET", url)
    clock.advance(6 * 60)
    assert verifier.verify("GET", url, fresh).reason == "Timestamp out of bounds"


def test_oauth1_on_the_v2_api(client: Client) -> None:
    me = client.get("/2/users/me")
    assert me.status_code == 200 and me.json()["data"]["id"] == ALICE
    # Signed for another path: the v2 API answers its plain 401.
    wrong_url = client.oauth1_header("GET", BASE + "/2/users")
    bad = client.http.get("/2/users/me", headers={"Authorization": wrong_url})
    assert bad.status_code == 401 and bad.json()["title"] == "Unauthorized"


def test_oauth1_user_reads_private_metrics_of_own_posts_only(client: Client) -> None:
    fields = {"tweet.fields": "non_public_metrics"}
    mine = client.get("/2/tweets", ids=RECENT, **fields)
    assert mine.status_code == 200
    assert mine.json()["data"][0]["non_public_metrics"]["url_link_clicks"] > 0
    url = f"{BASE}/2/tweets?ids={RECENT}&tweet.fields=non_public_metrics"
    header = client.oauth1_header("GET", url, token=BOB_OT, secret=BOB_OTS)
    as_bob = client.http.get(url, headers={"Authorization": header}).json()
    assert "data" not in as_bob
    assert as_bob["errors"][0]["title"] == "Field Authorization Error"
