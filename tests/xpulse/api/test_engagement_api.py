"""The Engagement API client: rules checked before sending, splitting, merging, partials."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from xpulse.api.engagement import EngagementClient, hourly_points
from xpulse.api.oauth1 import OAuth1Credentials
from xpulse.errors import EngagementRequestError, InvalidRequest

NOW = datetime(2026, 5, 20, 12, 30, tzinfo=UTC)
BY_POST = {"by-post": ["tweet.id", "engagement.type"]}
HOURLY = {"series": ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"]}
CREDS = OAuth1Credentials("fake-ck", "fake-consumer-secret", "fake-at", "fake-token-secret")


class Recorder:
    def __init__(self, answer: Any = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[str] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        self.headers.append(request.headers.get("Authorization", ""))
        if callable(self.answer):
            return self.answer(request, body)
        return httpx.Response(200, json=self.answer or {})


def client(rec: Recorder, *, bearer: bool = False) -> EngagementClient:
    return EngagementClient(
        "http://127.0.0.1:9",
        oauth1=None if bearer else CREDS,
        bearer="fake-app-bearer-token" if bearer else None,
        transport=httpx.MockTransport(rec),
        clock=lambda: NOW,
        sleep=lambda s: None,
    )


@pytest.mark.parametrize(
    "kind,ids,types,groupings,window,message",
    [
        ("totals", [str(i) for i in range(1, 252)], ["favorites"], BY_POST, None, "at most 250"),
        ("28hr", [str(i) for i in range(1, 27)], ["impressions"], BY_POST, None, "at most 25"),
        ("totals", ["1"], ["url_clicks"], BY_POST, None, "only available on /28hr"),
        ("28hr", ["1"], ["quote_tweets"], BY_POST, None, "only available on /totals"),
        ("28hr", ["1"], ["likes"], BY_POST, None, "unknown engagement type 'likes'"),
        (
            "totals",
            ["1"],
            ["favorites"],
            {"t": ["tweet.id", "engagement.day"]},
            None,
            "only on /28hr",
        ),
        ("28hr", ["1"], ["impressions"], {"t": ["tweet.idd"]}, None, "unknown grouping"),
        (
            "28hr",
            ["1"],
            ["impressions"],
            {"a": ["tweet.id"], "b": ["engagement.type"], "c": ["tweet.id"], "d": ["tweet.id"]},
            None,
            "at most 3 groupings",
        ),
        (
            "28hr",
            ["1"],
            ["impressions"],
            {"t": ["engagement.day", "tweet.id", "engagement.type", "engagement.hour"]},
            None,
            "4-item group_by must be",
        ),
        (
            "28hr",
            ["1"],
            ["impressions"],
            {
                "a": HOURLY["series"],
                "b": ["engagement.type", "tweet.id", "engagement.day", "engagement.hour"],
            },
            None,
            "only one grouping with 4",
        ),
        (
            "historical",
            ["1"],
            ["impressions"],
            BY_POST,
            (NOW - timedelta(days=29), NOW),
            "at most 4 weeks",
        ),
        (
            "historical",
            ["1"],
            ["impressions"],
            BY_POST,
            (datetime(2014, 8, 31, tzinfo=UTC), datetime(2014, 9, 5, tzinfo=UTC)),
            "before 2014-09-01",
        ),
        (
            "historical",
            ["1"],
            ["impressions"],
            BY_POST,
            (NOW, NOW + timedelta(days=1)),
            "in the future",
        ),
        ("totals", ["12a"], ["favorites"], BY_POST, None, "not a post id"),
    ],
)
def test_each_broken_rule_is_refused_before_sending(
    kind: Any, ids: list[str], types: list[str], groupings: Any, window: Any, message: str
) -> None:
    rec = Recorder()
    start, end = window or (None, None)
    with pytest.raises(EngagementRequestError, match=message):
        client(rec).request(kind, ids, types, groupings, start, end)
    assert rec.bodies == []  # nothing was sent


def test_bearer_token_reads_only_public_totals() -> None:
    rec = Recorder({"by-post": {"1": {"favorites": "3"}}})
    c = client(rec, bearer=True)
    with pytest.raises(EngagementRequestError, match=r"impressions need OAuth 1\.0a"):
        c.request("totals", ["1"], ["impressions", "favorites"], BY_POST)
    with pytest.raises(EngagementRequestError, match=r"/28hr needs OAuth 1\.0a"):
        c.request("28hr", ["1"], ["favorites"], BY_POST)
    assert rec.bodies == []
    result = c.request("totals", ["1"], ["favorites"], BY_POST)
    assert result.groups == {"by-post": {"1": {"favorites": 3}}}
    assert rec.headers == ["Bearer fake-app-bearer-token"]


def test_oauth1_signed_and_start_end_rounded_to_the_hour() -> None:
    rec = Recorder({"start": "2026-05-01T12:00:00Z", "end": "2026-05-10T09:00:00Z"})
    c = client(rec)
    start = datetime(2026, 5, 1, 12, 24, tzinfo=UTC)
    end = datetime(2026, 5, 10, 8, 37, tzinfo=UTC)
    c.request("historical", ["5"], ["impressions"], BY_POST, start, end)
    assert rec.bodies[0]["start"] == "2026-05-01T12:00:00Z"
    assert rec.bodies[0]["end"] == "2026-05-10T09:00:00Z"
    assert rec.headers[0].startswith("OAuth ") and "oauth_signature=" in rec.headers[0]
    assert "fake-token-secret" not in rec.headers[0]


def _per_post_answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
    ids = body["tweet_ids"]
    per_post = {pid: {t: str(int(pid) % 7) for t in body["engagement_types"]} for pid in ids}
    grand = {t: str(sum(int(p) % 7 for p in ids)) for t in body["engagement_types"]}
    answer: dict[str, Any] = {"by-post": per_post, "grand": grand}
    if "13" in ids:
        answer["unavailable_tweet_ids"] = ["13"]
        answer["errors"] = ["1 Tweet ID(s) are unavailable"]
        del per_post["13"]
    if "300" in ids:
        answer["unsupported_for_impressions_engagements_tweet_ids"] = ["300"]
    return httpx.Response(200, json=answer)


def test_large_id_sets_are_split_and_merged() -> None:
    rec = Recorder(_per_post_answer)
    ids = [str(i) for i in range(1, 601)]
    groupings = {"by-post": ["tweet.id", "engagement.type"], "grand": ["engagement.type"]}
    result = client(rec).collect("totals", ids, ["favorites", "impressions"], groupings)
    assert [len(b["tweet_ids"]) for b in rec.bodies] == [250, 250, 100]
    assert len(result.groups["by-post"]) == 599
    assert result.groups["by-post"]["20"] == {"favorites": 6, "impressions": 6}  # ints now
    assert result.groups["grand"]["favorites"] == sum(i % 7 for i in range(1, 601))
    assert result.unavailable_tweet_ids == ["13"]
    assert result.unsupported_for_impressions_engagements_tweet_ids == ["300"]
    assert result.errors == ["1 Tweet ID(s) are unavailable"]
    assert result.requests == 3


def test_request_by_request_is_the_same_path_for_every_endpoint() -> None:
    """/28hr id chunks come one by one (to store as they arrive) and add up to collect()."""
    rec = Recorder(_per_post_answer)
    ids = [str(i) for i in range(1, 61)]
    eng = client(rec)
    steps = list(eng.iter_requests("28hr", ids, ["impressions"], BY_POST))
    assert [len(body["tweet_ids"]) for body, _ in steps] == [25, 25, 10]
    assert [one.requests for _, one in steps] == [1, 1, 1]
    assert set(steps[0][1].groups["by-post"]) == set(ids[:25]) - {"13"}
    assert steps[0][1].unavailable_tweet_ids == ["13"] and steps[1][1].unavailable_tweet_ids == []
    whole = eng.collect("28hr", ids, ["impressions"], BY_POST)
    merged = steps[0][1]
    for _, one in steps[1:]:
        merged.merge(one)
    assert merged == whole and len(rec.bodies) == 6


def test_every_request_is_checked_before_the_first_is_sent() -> None:
    rec = Recorder(_per_post_answer)
    ids = [str(i) for i in range(1, 30)] + ["not-an-id"]
    with pytest.raises(EngagementRequestError):
        next(client(rec).iter_requests("28hr", ids, ["impressions"], BY_POST))
    assert rec.bodies == []


def test_long_ranges_are_cut_into_four_week_windows() -> None:
    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        start = datetime.fromisoformat(body["start"].replace("Z", "+00:00"))
        day = f"{start:%Y-%m-%d}"
        series = {pid: {"impressions": {day: {f"{start:%H}": "5"}}} for pid in body["tweet_ids"]}
        return httpx.Response(
            200, json={"start": body["start"], "end": body["end"], "series": series}
        )

    rec = Recorder(answer)
    start = NOW - timedelta(days=70)
    ids = [str(i) for i in range(1, 31)]
    result = client(rec).collect("historical", ids, ["impressions"], HOURLY, start, NOW)
    windows = sorted({(b["start"], b["end"]) for b in rec.bodies})
    assert len(windows) == 3 and len(rec.bodies) == 6  # 3 windows x 2 id chunks
    spans = [
        datetime.fromisoformat(e.replace("Z", "+00:00"))
        - datetime.fromisoformat(s.replace("Z", "+00:00"))
        for s, e in windows
    ]
    assert all(span <= timedelta(weeks=4) for span in spans)
    assert windows[0][0] == "2026-03-11T12:00:00Z" and windows[-1][1] == "2026-05-20T13:00:00Z"
    points = list(hourly_points(result.groups["series"], HOURLY["series"]))
    assert len(points) == 30 * 3
    assert {p[1] for p in points} == {"impressions"} and all(p[3] == 5 for p in points)


def test_server_errors_are_arrays_of_strings_and_become_one_line() -> None:
    rec = Recorder(lambda r, b: httpx.Response(400, json={"errors": ["Invalid grouping name"]}))
    with pytest.raises(InvalidRequest, match="Invalid grouping name"):
        client(rec).request("28hr", ["1"], ["impressions"], BY_POST)


def test_non_numeric_count_is_a_clear_error() -> None:
    from xpulse.errors import BadResponse

    rec = Recorder({"by-post": {"1": {"favorites": "lots"}}})
    with pytest.raises(BadResponse, match="not a number"):
        client(rec).request("28hr", ["1"], ["favorites"], BY_POST)
