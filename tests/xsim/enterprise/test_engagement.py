"""The enterprise Engagement API: every rule of X's documentation, with its strings."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from xsim_enterprise_support import (
    ALICE_BEARER,
    ANCIENT,
    APP_BEARER,
    BOB,
    BOB_POST,
    CAROL_OT,
    CAROL_OTS,
    CAROL_POST,
    DELETED,
    FRESH,
    MISSING,
    NOW,
    OLD,
    RECENT,
    Client,
    make_client,
)

import xsim.server.app
from xsim.enterprise.engagement import MinuteLimiter
from xsim.world.metrics import metrics_at

BY_TWEET = {"by_tweet": {"group_by": ["tweet.id", "engagement.type"]}}
HOURLY = {
    "hourly": {"group_by": ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"]}
}


def request(ids: list[str], types: list[str], groupings: Any = None, **extra: Any) -> Any:
    return {
        "tweet_ids": ids,
        "engagement_types": types,
        "groupings": BY_TWEET if groupings is None else groupings,
        **extra,
    }


def errors_of(response: Any) -> list[str]:
    body = response.json()
    assert isinstance(body["errors"], list) and all(isinstance(e, str) for e in body["errors"])
    return list(body["errors"])


# -- /totals -------------------------------------------------------------------------------


def test_totals_owned_counts_are_strings_and_agree_with_v2(client: Client) -> None:
    types = ["impressions", "engagements", "favorites", "retweets", "replies", "quote_tweets",
             "video_views"]  # fmt: skip
    r = client.engage("totals", request([RECENT, FRESH], types))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"by_tweet"}  # no start/end on /totals, no errors
    counts = body["by_tweet"][RECENT]
    assert list(counts) == types and all(isinstance(v, str) for v in counts.values())
    v2 = client.get(
        "/2/tweets", ids=RECENT, expansions="attachments.media_keys",
        **{"tweet.fields": "public_metrics", "media.fields": "public_metrics"},
    ).json()  # fmt: skip
    public = v2["data"][0]["public_metrics"]
    assert counts["favorites"] == str(public["like_count"])
    assert counts["retweets"] == str(public["retweet_count"])
    assert counts["replies"] == str(public["reply_count"])
    assert counts["quote_tweets"] == str(public["quote_count"])
    assert counts["impressions"] == str(public["impression_count"])
    assert counts["video_views"] == str(v2["includes"]["media"][0]["public_metrics"]["view_count"])
    assert body["by_tweet"][FRESH]["video_views"] == "0"  # a photo post


def test_totals_grand_total_grouping_sums_posts(client: Client) -> None:
    groupings = {"Grand Totals": {"group_by": ["engagement.type"]}}
    body = client.engage("totals", request([RECENT, FRESH], ["favorites"], groupings)).json()
    expected = sum(
        metrics_at(client.world, client.world.posts[p], NOW)["likes"] for p in (RECENT, FRESH)
    )
    assert body == {"Grand Totals": {"favorites": str(expected)}}


def test_app_bearer_reads_public_totals_of_anyones_posts(client: Client) -> None:
    types = ["favorites", "retweets", "replies", "quote_tweets", "video_views"]
    r = client.engage("totals", request([BOB_POST, RECENT], types), auth=APP_BEARER)
    assert r.status_code == 200
    assert list(r.json()["by_tweet"]) == [BOB_POST, RECENT]


def test_app_bearer_asking_private_data_is_forbidden(client: Client) -> None:
    r = client.engage("totals", request([BOB_POST], ["impressions"]), auth=APP_BEARER)
    assert r.status_code == 403
    assert errors_of(r) == [f"Forbidden to access tweets: {BOB_POST}"]
    r = client.engage("28hr", request([RECENT], ["favorites"]), auth=APP_BEARER)
    assert r.status_code == 403


def test_user_context_on_another_authors_posts(client: Client) -> None:
    # public totals of someone else's post are fine in user context too
    assert client.engage("totals", request([BOB_POST], ["favorites"])).status_code == 200
    for endpoint, types in (("totals", ["impressions"]), ("28hr", ["favorites"])):
        r = client.engage(endpoint, request([RECENT, BOB_POST], types))
        assert r.status_code == 403
        assert errors_of(r) == [f"Forbidden to access tweets for author id {BOB}"]


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        (ALICE_BEARER, "OAuth 2.0 user tokens are not supported; use OAuth 1.0a user context"),
        ("fake-nobody", "Bearer token not found"),
        (None, "Authorization header missing"),
    ],
)
def test_authentication_failures(client: Client, auth: str | None, reason: str) -> None:
    r = client.engage("totals", request([RECENT], ["favorites"]), auth=auth)
    assert r.status_code == 401
    assert errors_of(r) == [f"Your account could not be authenticated. Reason: {reason}"]


def test_unknown_access_token_is_the_documented_error(client: Client) -> None:
    r = client.engage("totals", request([RECENT], ["favorites"]), token="fake-unknown", secret="x")
    assert r.status_code == 401
    assert errors_of(r) == [
        "Your account could not be authenticated. Reason: Access token not found"
    ]


def test_partial_results_unavailable_old_and_video_age(client: Client) -> None:
    ids = [RECENT, OLD, ANCIENT, DELETED, MISSING]
    r = client.engage("totals", request(ids, ["impressions", "favorites", "video_views"]))
    assert r.status_code == 200
    body = r.json()
    assert body["unavailable_tweet_ids"] == [DELETED, MISSING]
    assert body["unsupported_for_impressions_engagements_tweet_ids"] == [OLD, ANCIENT]
    assert body["unsupported_for_video_views_tweet_ids"] == [ANCIENT]
    assert body["errors"][0] == "2 Tweet ID(s) are unavailable"
    assert body["errors"][1].startswith("Impressions & engagements for tweets older than 90 days (")
    assert body["errors"][1].endswith(") are not supported")
    assert set(body["by_tweet"][RECENT]) == {"impressions", "favorites", "video_views"}
    assert set(body["by_tweet"][OLD]) == {"favorites", "video_views"}
    assert set(body["by_tweet"][ANCIENT]) == {"favorites"}


def test_only_unavailable_ids_is_a_400(client: Client) -> None:
    r = client.engage("totals", request([DELETED], ["favorites"]))
    assert r.status_code == 400
    assert r.json() == {
        "errors": ["1 Tweet ID(s) are unavailable"],
        "unavailable_tweet_ids": [DELETED],
    }
    # protected posts are never served, even to their author
    own = client.engage(
        "totals", request([CAROL_POST], ["favorites"]), token=CAROL_OT, secret=CAROL_OTS
    )
    assert own.status_code == 400 and own.json()["unavailable_tweet_ids"] == [CAROL_POST]


# -- request rules ----------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "limit"), [("totals", 250), ("28hr", 25), ("historical", 25)])
def test_id_limits(client: Client, endpoint: str, limit: int) -> None:
    ids = [RECENT] + [str(10**18 + i) for i in range(limit - 1)]
    assert client.engage(endpoint, request(ids, ["favorites"])).status_code == 200
    r = client.engage(endpoint, request([*ids, str(10**18 + limit)], ["favorites"]))
    assert r.status_code == 400
    assert errors_of(r) == [
        f"Requests can be made for a maximum of {limit} Tweet IDs at a time; "
        f"{limit + 1} were requested"
    ]


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [("totals", "url_clicks"), ("totals", "media_views"), ("28hr", "quote_tweets"),
     ("historical", "clicks")],
)  # fmt: skip
def test_engagement_types_per_endpoint(client: Client, endpoint: str, kind: str) -> None:
    r = client.engage(endpoint, request([RECENT], ["favorites", kind]))
    assert r.status_code == 400
    assert errors_of(r) == [
        f"One or more of the engagement types you have specified are not supported: ({kind}). "
        "Please adjust your request and try again."
    ]


def test_time_groupings_are_refused_on_totals_with_the_recorded_string(client: Client) -> None:
    groupings = {"hod": {"group_by": ["tweet.id", "engagement.type", "engagement.hour"]}}
    r = client.engage("totals", request([RECENT], ["favorites"], groupings))
    assert r.status_code == 400
    assert errors_of(r) == [
        "One or more of the groupBys you have specified are not supported: (engagement.hour). "
        "Please adjust your request and try again."
    ]


def test_grouping_rules(client: Client) -> None:
    four = ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"]
    other_four = ["engagement.type", "tweet.id", "engagement.day", "engagement.hour"]
    bad_order = ["engagement.day", "engagement.hour", "tweet.id", "engagement.type"]
    ok = {
        "a": {"group_by": four},
        "b": {"group_by": ["engagement.type"]},
        "c": {"group_by": ["tweet.id"]},
    }
    assert client.engage("28hr", request([RECENT], ["impressions"], ok)).status_code == 200
    assert (
        client.engage(
            "28hr", request([RECENT], ["impressions"], {"x": {"group_by": other_four}})
        ).status_code
        == 200
    )

    too_many = {**ok, "d": {"group_by": ["engagement.type"]}}
    r = client.engage("28hr", request([RECENT], ["impressions"], too_many))
    assert errors_of(r) == ["You can include a maximum of 3 groupings per request; 4 were included"]

    r = client.engage("28hr", request([RECENT], ["impressions"], {"x": {"group_by": bad_order}}))
    assert r.status_code == 400 and "unsupported order" in errors_of(r)[0]

    two_fours = {"a": {"group_by": four}, "b": {"group_by": other_four}}
    r = client.engage("28hr", request([RECENT], ["impressions"], two_fours))
    assert errors_of(r) == ["Only one grouping with 4 group_by values is allowed per request"]


def test_all_problems_are_reported_together(client: Client) -> None:
    body = {"tweet_ids": [RECENT], "engagement_types": ["nope"]}
    r = client.engage("totals", body)
    assert r.status_code == 400 and len(errors_of(r)) == 2


def test_invalid_json_and_gzip_bodies(client: Client) -> None:
    r = client.engage("totals", b"{not json")
    assert r.status_code == 400 and errors_of(r) == ["Request body is not valid JSON"]
    packed = gzip.compress(json.dumps(request([RECENT], ["favorites"])).encode())
    url = "http://testserver/insights/engagement/totals"
    headers = {
        "Authorization": client.oauth1_header("POST", url),
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    assert client.http.post(url, content=packed, headers=headers).status_code == 200


# -- /28hr and /historical ----------------------------------------------------------------


def test_28hr_is_an_hourly_series_of_the_last_28_hours(client: Client) -> None:
    body = client.engage("28hr", request([FRESH], ["impressions"], HOURLY)).json()
    # now 12:30: from 08:00 yesterday (12:30 - 28 h, down to the hour) to 13:00 today
    assert (body["start"], body["end"]) == ("2026-05-19T08:00:00Z", "2026-05-20T13:00:00Z")
    days = body["hourly"][FRESH]["impressions"]
    assert list(days) == ["2026-05-19", "2026-05-20"]
    assert list(days["2026-05-19"]) == [f"{h:02d}" for h in range(8, 24)]
    assert list(days["2026-05-20"]) == [f"{h:02d}" for h in range(0, 13)]
    total = sum(int(v) for day in days.values() for v in day.values())
    assert total == metrics_at(client.world, client.world.posts[FRESH], NOW)["impressions"]
    assert days["2026-05-20"]["08"] == "0"  # posted at 09:10


def test_historical_hourly_sums_equal_the_totals(client: Client) -> None:
    types = ["impressions", "favorites", "retweets", "replies", "engagements"]
    window = {"start": "2026-05-17T00:00:00Z", "end": "2026-05-20T12:30:00Z"}
    body = client.engage("historical", request([RECENT], types, HOURLY, **window)).json()
    totals = client.engage("totals", request([RECENT], types)).json()["by_tweet"][RECENT]
    for kind in types:
        series = body["hourly"][RECENT][kind]
        assert sum(int(v) for day in series.values() for v in day.values()) == int(totals[kind])


def test_hour_of_day_grouping_folds_days_in_hour_order(client: Client) -> None:
    groupings = {"hod": {"group_by": ["engagement.type", "tweet.id", "engagement.hour"]}}
    body = client.engage("28hr", request([RECENT], ["impressions"], groupings)).json()
    hours = body["hod"]["impressions"][RECENT]
    assert list(hours) == [f"{h:02d}" for h in range(24)]


def test_historical_rounds_to_the_hour_like_the_documented_example(client: Client) -> None:
    window = {"start": "2026-05-01T12:24:00Z", "end": "2026-05-10T08:37:00Z"}
    body = client.engage("historical", request([RECENT], ["impressions"], **window)).json()
    assert (body["start"], body["end"]) == ("2026-05-01T12:00:00Z", "2026-05-10T09:00:00Z")
    assert body["by_tweet"][RECENT]["impressions"] == "0"  # posted after this window


def test_historical_defaults_to_the_previous_4_weeks(client: Client) -> None:
    body = client.engage("historical", request([RECENT], ["impressions"])).json()
    assert (body["start"], body["end"]) == ("2026-04-22T12:00:00Z", "2026-05-20T13:00:00Z")


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"start": "2026-04-01", "end": "2026-05-01"},
         "Start and end dates must not be more than 4 weeks apart"),
        ({"start": "2014-08-20", "end": "2014-09-10"},
         "Start date cannot be before 2014-09-01T00:00:00Z"),
        ({"start": "2026-05-19", "end": "2026-05-21"}, "End dates in the future are not supported"),
        ({"start": "2026-05-10", "end": "2026-05-01"}, "Start date must be before end date"),
        ({"start": "last week"}, "Invalid start date: last week"),
    ],
)  # fmt: skip
def test_historical_window_rules(client: Client, window: dict[str, str], message: str) -> None:
    r = client.engage("historical", request([RECENT], ["impressions"], **window))
    assert r.status_code == 400
    assert errors_of(r) == [message]


def test_exactly_4_weeks_is_allowed(client: Client) -> None:
    window = {"start": "2026-04-01", "end": "2026-04-29"}
    assert (
        client.engage("historical", request([RECENT], ["impressions"], **window)).status_code == 200
    )


def test_rate_limited_by_minute_per_app_and_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xsim.server.app, "MinuteLimiter", lambda: MinuteLimiter(per_minute=2))
    client = make_client()
    body = request([RECENT], ["favorites"])
    assert [client.engage("totals", body).status_code for _ in range(3)] == [200, 200, 429]
    assert errors_of(client.engage("totals", body)) == ["Rate limit exceeded for this endpoint"]
    assert client.engage("28hr", body).status_code == 200  # another endpoint, another window
    client.clock.advance(60)
    assert client.engage("totals", body).status_code == 200
    client.close()


def test_28hr_hours_equal_the_v2_analytics_hours(client: Client) -> None:
    types = ["impressions", "url_clicks", "detail_expands", "media_views", "user_follows"]
    series = client.engage("28hr", request([RECENT], types, HOURLY)).json()["hourly"][RECENT]
    fields = "impressions,url_clicks,detail_expands,media_views,follows"
    analytics = client.get(
        "/2/tweets/analytics", ids=RECENT, start_time="2026-05-19T08:00:00Z",
        end_time="2026-05-20T13:00:00Z", granularity="hourly", **{"analytics.fields": fields},
    ).json()["data"][0]["timestamped_metrics"]  # fmt: skip
    assert len(analytics) == 29
    for bucket in analytics:
        day, hour = bucket["timestamp"][:10], bucket["timestamp"][11:13]
        m = bucket["metrics"]
        assert series["impressions"][day][hour] == str(m["impressions"])
        assert series["url_clicks"][day][hour] == str(m["url_clicks"])
        assert series["detail_expands"][day][hour] == str(m["detail_expands"])
        assert series["media_views"][day][hour] == str(m["media_views"])
        assert series["user_follows"][day][hour] == str(m["follows"])
