"""OAuth 1.0a over a real loopback socket, signed by requests-oauthlib (an independent
client): the base URI xsim rebuilds (host and port) matches what a client signs."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from requests_oauthlib import OAuth1
from xsim_enterprise_support import (
    ALICE,
    ALICE_OT,
    ALICE_OTS,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    RECENT,
    make_world,
)

from xsim.clock import FixedClock
from xsim.server.app import create_app
from xsim.server.http import serve_app


def test_requests_oauthlib_against_a_served_xsim() -> None:
    # requests-oauthlib stamps requests with the wall clock, so xsim's clock reads it too.
    app = create_app(make_world(), clock=FixedClock(datetime.now(UTC).replace(microsecond=0)))
    auth = OAuth1(CONSUMER_KEY, CONSUMER_SECRET, ALICE_OT, ALICE_OTS)
    with serve_app(app) as base, requests.Session() as http:
        me = http.get(f"{base}/2/users/me", params={"user.fields": "created_at"}, auth=auth)
        assert me.status_code == 200, me.text
        assert me.json()["data"]["id"] == ALICE
        body = {
            "tweet_ids": [RECENT],
            "engagement_types": ["favorites"],
            "groupings": {"g": {"group_by": ["tweet.id", "engagement.type"]}},
        }
        totals = http.post(f"{base}/insights/engagement/totals", json=body, auth=auth)
        assert totals.status_code == 200, totals.text
        assert totals.json()["g"][RECENT]["favorites"].isdigit()
        # A form body is signed: a correct signature gets past authentication (then the
        # Engagement API wants JSON), a wrong secret does not.
        form = http.post(f"{base}/insights/engagement/totals", data={"a b": "c!d"}, auth=auth)
        assert (form.status_code, form.json()) == (
            400,
            {"errors": ["Request body is not valid JSON"]},
        )
        wrong = OAuth1(CONSUMER_KEY, CONSUMER_SECRET, ALICE_OT, "not-the-secret")
        refused = http.post(f"{base}/insights/engagement/totals", json=body, auth=wrong)
        assert refused.status_code == 401
        assert refused.json() == {
            "errors": ["Your account could not be authenticated. Reason: Invalid signature"]
        }
