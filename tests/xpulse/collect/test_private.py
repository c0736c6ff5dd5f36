"""Private, organic, promoted and media metrics against xsim; downgrades on refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, select
from xpulse_private_world import ALICE, BEARER, BOBS, NOW, OLD, PLAIN, PROMOTED, VIDEO, Live

from xpulse.api.client import XClient
from xpulse.collect.private import (
    LAST_PRIVATE_READ,
    PrivateReader,
    collect_private,
    due_private,
    private_slots,
)
from xpulse.collect.refresh_slots import slots
from xpulse.store import metric_buckets
from xpulse.store.schema import media_observations, metric_refusals, observations, posts


def _obs(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {r.post_id: r for r in conn.execute(select(observations))}


def test_own_recent_posts_get_private_organic_promoted_and_media(
    live: Live, engine: Engine
) -> None:
    with live.client() as client:
        result = collect_private(
            engine,
            client,
            "alice",
            ALICE,
            user_context=True,
            schedule=slots("weekly"),
            clock=lambda: NOW,
            ids=[PLAIN, PROMOTED, VIDEO],
        )
    assert result.refusals == []
    obs = _obs(engine)
    assert obs[PLAIN].url_link_clicks == 7 and obs[PLAIN].user_profile_clicks == 9
    assert obs[PLAIN].organic_impressions == obs[PLAIN].impressions == 1000
    promoted = obs[PROMOTED]
    assert promoted.promoted_impressions == 250 and promoted.organic_impressions == 750
    assert obs[PLAIN].promoted_impressions is None  # never promoted: absent, not 0
    with engine.connect() as conn:
        media = conn.execute(select(media_observations)).one()
    assert (media.view_count, media.playback_0_count, media.playback_100_count) == (900, 800, 100)


def test_refused_posts_are_read_again_publicly_and_the_reason_kept(
    live: Live, engine: Engine
) -> None:
    with live.client() as client:
        result = collect_private(
            engine,
            client,
            "alice",
            ALICE,
            user_context=True,
            schedule=slots("weekly"),
            clock=lambda: NOW,
            ids=[PLAIN, OLD, BOBS],
        )
    reasons = {r.post_id: r.reason for r in result.refusals}
    assert reasons == {OLD: "too-old", BOBS: "not-owner"}
    obs = _obs(engine)
    assert set(obs) == {PLAIN, OLD, BOBS}  # nothing lost
    assert obs[OLD].likes == 40 and obs[OLD].url_link_clicks is None
    assert obs[PLAIN].url_link_clicks == 7  # the rest of the request kept its private fields
    with engine.connect() as conn:
        stored = metric_buckets.refusals(conn, "alice")
    assert {(r.post_id, r.reason) for r in stored} == {(OLD, "too-old"), (BOBS, "not-owner")}


def test_app_only_token_downgrades_to_public(live: Live, engine: Engine) -> None:
    with live.client(BEARER) as client:
        result = collect_private(
            engine,
            client,
            "alice",
            ALICE,
            user_context=False,
            schedule=slots("weekly"),
            clock=lambda: NOW,
            ids=[PLAIN],
        )
    assert [r.reason for r in result.refusals] == ["app-only"]
    obs = _obs(engine)
    assert obs[PLAIN].likes == 40 and obs[PLAIN].organic_impressions is None


def test_field_authorization_error_drops_only_the_named_group() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fields = request.url.params["tweet.fields"]
        asked.append(fields)
        tweet = {
            "id": "1",
            "author_id": "9",
            "text": "t",
            "created_at": "2026-05-18T00:00:00.000Z",
            "public_metrics": {"like_count": 1},
        }
        if "organic_metrics" in fields:
            error = {
                "resource_id": "1",
                "field": "organic_metrics.impression_count",
                "section": "data",
                "title": "Field Authorization Error",
                "detail": "Sorry, you are not authorized to access 'organic_metrics'.",
                "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
            }
            return httpx.Response(200, json={"errors": [error]})
        return httpx.Response(
            200, json={"data": [{**tweet, "non_public_metrics": {"impression_count": 5}}]}
        )

    client = XClient("http://127.0.0.1:9", None, transport=httpx.MockTransport(handler))
    reader = PrivateReader(client, user_id="9", user_context=True, clock=lambda: NOW)
    read = reader.read(["1"], {"1": NOW - timedelta(days=2)})
    assert len(asked) == 2
    assert "non_public_metrics" in asked[1] and "organic_metrics" not in asked[1]
    assert "promoted_metrics" in asked[1]
    assert [(r.reason, r.fields) for r in read.refusals] == [("field-denied", ("organic_metrics",))]
    assert read.pages[-1].data[0]["non_public_metrics"] == {"impression_count": 5}


def test_last_private_read_is_scheduled_before_day_30(live: Live, engine: Engine) -> None:
    assert private_slots(slots("weekly"))[-1] == LAST_PRIVATE_READ < timedelta(days=30)
    with live.client() as client:  # a first read of every own post under 30 days
        collect_private(
            engine,
            client,
            "alice",
            ALICE,
            user_context=True,
            schedule=slots("weekly"),
            clock=lambda: NOW,
            ids=[PLAIN, PROMOTED, VIDEO],
        )
    weekly = slots("weekly")
    assert due_private(engine, "alice", weekly, NOW) == {}
    # PROMOTED was read at 10 days, after its last weekly slot (7 d). At 28.5 days nothing
    # calls for it; at 29.5 days its last private read is due; at 30.5 days it is too late.
    assert PROMOTED not in due_private(engine, "alice", weekly, NOW + timedelta(days=18, hours=12))
    assert PROMOTED in due_private(engine, "alice", weekly, NOW + timedelta(days=19, hours=12))
    assert PROMOTED not in due_private(engine, "alice", weekly, NOW + timedelta(days=20, hours=12))


def test_a_refused_post_is_not_asked_again_every_run(live: Live, engine: Engine) -> None:
    with live.client() as client:  # a post stored for alice that X refuses (too old)
        collect_private(
            engine, client, "alice", ALICE, user_context=True, schedule=slots("weekly"),
            clock=lambda: NOW, ids=[OLD],
        )  # fmt: skip
    with engine.begin() as conn:  # pretend it is young enough to be a candidate
        conn.execute(
            posts.update().where(posts.c.id == OLD).values(created_at=NOW - timedelta(days=8))
        )
    weekly = slots("weekly")
    assert OLD not in due_private(engine, "alice", weekly, NOW)  # the refusal counts as a try
    with engine.begin() as conn:
        conn.execute(metric_refusals.delete())
    assert OLD in due_private(engine, "alice", weekly, NOW)


def test_each_downgraded_read_is_logged_once(live: Live, engine: Engine) -> None:
    from xpulse.collect.calllog import CallLog
    from xpulse.store.schema import api_calls

    log = CallLog()
    with live.client(on_call=log) as client:
        collect_private(
            engine, client, "alice", ALICE, user_context=True, schedule=slots("weekly"),
            clock=lambda: NOW, ids=[PLAIN, OLD], calls=log,
        )  # fmt: skip
    with engine.connect() as conn:
        calls = conn.execute(select(api_calls.c.endpoint, api_calls.c.status)).all()
    assert [tuple(c) for c in calls] == [("/2/tweets", 200), ("/2/tweets", 200)]  # read + retry
