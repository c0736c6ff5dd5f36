"""GET /2/tweets/analytics: spec shape, buckets that add up to what every endpoint shows,
validation and access."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from xsim_enterprise_support import (
    ALICE_BEARER,
    APP_BEARER,
    BOB_POST,
    DELETED,
    FRESH,
    MISSING,
    NOW,
    RECENT,
    Client,
)

from xsim.world.curves import post_metrics_at

START = "2026-05-01T00:00:00Z"
END = "2026-05-21T00:00:00Z"  # after NOW: buckets stop at now


def series(client: Client, post_id: str = RECENT, auth: str = "oauth1", **params: Any) -> Any:
    query = {"ids": post_id, "start_time": START, "end_time": END, **params}
    return client.get("/2/tweets/analytics", auth=auth, **query)


def sums(body: Any, post_id: str) -> dict[str, int]:
    item = next(d for d in body["data"] if d["id"] == post_id)
    out: dict[str, int] = {}
    for bucket in item["timestamped_metrics"]:
        for name, value in bucket["metrics"].items():
            out[name] = out.get(name, 0) + value
    return out


def test_response_matches_the_spec_analytics_schema(client: Client, x_api_dir: Path) -> None:
    doc = json.loads((x_api_dir / "openapi/x-api-v2-openapi-2.159.json").read_text())
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(doc, default_specification=DRAFT4)
    )
    body = series(client, f"{RECENT},{FRESH}", granularity="hourly").json()
    # data is the spec's Analytics object: an array of {id, timestamped_metrics} (many ids)
    validator = OAS30Validator(
        {"$ref": "urn:spec#/components/schemas/Analytics"}, registry=registry
    )
    assert list(validator.iter_errors(body)) == []
    assert [d["id"] for d in body["data"]] == [RECENT, FRESH]
    bucket = body["data"][0]["timestamped_metrics"][0]
    assert set(bucket) == {"timestamp", "metrics"}
    assert bucket["timestamp"].endswith(":00:00Z")
    enum = doc["components"]["parameters"]["AnalyticsFieldsParameter"]["schema"]["items"]["enum"]
    assert set(bucket["metrics"]) == set(enum) - {"id", "timestamp"}


@pytest.mark.parametrize("granularity", ["hourly", "daily", "weekly", "total"])
def test_buckets_add_up_to_what_every_endpoint_shows_now(client: Client, granularity: str) -> None:
    body = series(client, f"{RECENT},{FRESH}", granularity=granularity).json()
    for post_id in (RECENT, FRESH):
        got = sums(body, post_id)
        truth = post_metrics_at(client.world.posts[post_id], NOW)
        assert got["impressions"] == truth.impressions
        assert got["likes"] == truth.likes
        assert got["retweets"] == truth.reposts
        assert got["replies"] == truth.replies
        assert got["quote_tweets"] == truth.quotes
        assert got["bookmarks"] == truth.bookmarks
        assert got["url_clicks"] == truth.url_link_clicks
        assert got["user_profile_clicks"] == truth.user_profile_clicks
        assert got["engagements"] == truth.engagements
    fields = {"tweet.fields": "public_metrics,non_public_metrics"}
    v2 = client.get("/2/tweets", ids=RECENT, **fields).json()["data"][0]
    got = sums(body, RECENT)
    assert got["impressions"] == v2["public_metrics"]["impression_count"]
    assert got["likes"] == v2["public_metrics"]["like_count"]
    assert got["url_clicks"] == v2["non_public_metrics"]["url_link_clicks"]
    media = client.get(
        "/2/tweets", ids=RECENT, expansions="attachments.media_keys",
        **{"media.fields": "public_metrics"},
    ).json()["includes"]["media"][0]  # fmt: skip
    assert got["media_views"] >= media["public_metrics"]["view_count"] > 0


def test_hourly_buckets_follow_the_curve(client: Client) -> None:
    body = series(client, granularity="hourly").json()
    buckets = body["data"][0]["timestamped_metrics"]
    # 50 hours old at 12:30: the first bucket is the creation hour, the last the current one.
    assert buckets[0]["timestamp"] == "2026-05-18T10:00:00Z"
    assert buckets[-1]["timestamp"] == "2026-05-20T12:00:00Z"
    assert len(buckets) == 51
    impressions = [b["metrics"]["impressions"] for b in buckets]
    assert all(v >= 0 for v in impressions)
    assert impressions[1] > impressions[24] > impressions[-2]  # the tail thins out


def test_a_range_in_the_middle_is_the_growth_inside_it(client: Client) -> None:
    post = client.world.posts[RECENT]
    body = client.get(
        "/2/tweets/analytics", ids=RECENT, start_time="2026-05-19T06:15:00Z",
        end_time="2026-05-19T18:00:00Z", granularity="total",
        **{"analytics.fields": "impressions,likes"},
    ).json()  # fmt: skip
    [bucket] = body["data"][0]["timestamped_metrics"]
    assert bucket["timestamp"] == "2026-05-19T06:15:00Z"
    a, b = datetime(2026, 5, 19, 6, 15, tzinfo=UTC), datetime(2026, 5, 19, 18, tzinfo=UTC)
    expected = post_metrics_at(post, b).impressions - post_metrics_at(post, a).impressions
    assert bucket["metrics"] == {
        "impressions": expected,
        "likes": post_metrics_at(post, b).likes - post_metrics_at(post, a).likes,
    }


def test_bearer_user_token_works_app_token_does_not(client: Client) -> None:
    assert series(client, auth=ALICE_BEARER).status_code == 200
    app = series(client, auth=APP_BEARER)
    assert app.status_code == 403
    assert app.json()["title"] == "Unsupported Authentication"


def test_other_missing_and_deleted_posts_are_partial_errors(client: Client) -> None:
    body = series(client, f"{RECENT},{BOB_POST},{MISSING},{DELETED}").json()
    assert [d["id"] for d in body["data"]] == [RECENT]
    by_id = {e["resource_id"]: e["title"] for e in body["errors"]}
    assert by_id == {
        BOB_POST: "Authorization Error",
        MISSING: "Not Found Error",
        DELETED: "Not Found Error",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ids": ",".join(str(10**18 + i) for i in range(101))},
         "The number of values in the `ids` query parameter list [101] is not between 1 and 100"),
        ({"ids": "abc"}, "The `ids` query parameter value [abc] does not match ^[0-9]{1,19}$"),
        ({"granularity": "monthly"},
         "The `granularity` query parameter value [monthly] is not one of "
         "[hourly, daily, weekly, total]"),
        ({"start_time": END, "end_time": START},
         f"Invalid 'start_time':'{END}'. 'start_time' must be before 'end_time':{START}"),
        ({"analytics.fields": "impressions,clicks"},
         "The `analytics.fields` query parameter value [clicks] is not one of"),
        ({"start_time": "yesterday"}, "Invalid 'start_time':'yesterday'."),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_problem(client: Client, params: dict[str, str], message: str) -> None:
    query = {"ids": RECENT, "start_time": START, "end_time": END, **params}
    r = client.get("/2/tweets/analytics", **query)
    assert r.status_code == 400
    body = r.json()
    assert body["title"] == "Invalid Request"
    assert any(e["message"].startswith(message) for e in body["errors"]), body


def test_required_parameters(client: Client) -> None:
    r = client.get("/2/tweets/analytics", ids=RECENT)
    assert r.status_code == 400
    messages = [e["message"] for e in r.json()["errors"]]
    assert messages == [
        "The `start_time` query parameter can not be empty",
        "The `end_time` query parameter can not be empty",
    ]


def test_analytics_reads_are_billed_as_own_post_reads(client: Client) -> None:
    series(client, f"{RECENT},{FRESH},{BOB_POST}")
    assert client.sim.ledger.month_reads("app-1", NOW) == 2
