"""Real third-party clients against xsim, with nothing changed but the host.

- tweepy's ``Client`` and ``Paginator`` (from PyPI) page through a timeline with
  ``public_metrics``; a requests adapter sends what tweepy addresses to
  ``https://api.twitter.com`` to xsim instead (tweepy hard-codes that host).
- The weekly-report script of a published guide runs end to end in a subprocess: its expired
  access token gets a 401, it refreshes (rotating the refresh token), reads the last 7
  days, and posts to a Slack webhook, here a receiver on loopback.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter
from xsim_fidelity_guide import extract_script
from xsim_fidelity_world import (
    BEARER,
    CLIENT_ID,
    CLIENT_SECRET,
    EXPIRED_TOKEN,
    NOW,
    OWNER_TOKEN,
    REFRESH_TOKEN,
    Served,
    script_world,
    window_ids,
)

from xsim.server.http import serve_in_thread

TWITTER = "https://api.twitter.com"


class ToXsim(HTTPAdapter):
    """Rewrite scheme and host of ``https://api.twitter.com/...`` to xsim's base URL."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        if request.url and request.url.startswith(TWITTER + "/"):
            request.url = self.base + request.url[len(TWITTER) :]
        return super().send(request, stream, timeout, verify, cert, proxies)


def tweepy_client(base: str, token: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=token)
    client.session.mount(TWITTER + "/", ToXsim(base))
    return client


def truth(base: str, ids: list[str]) -> dict[str, dict[str, int]]:
    """xsim's ground truth: each post's metrics at its clock's now."""
    out: dict[str, dict[str, int]] = {}
    with httpx.Client(base_url=base) as http:
        for start in range(0, len(ids), 100):
            chunk = ",".join(ids[start : start + 100])
            for post in http.get("/_sim/truth", params={"ids": chunk}).json()["data"]:
                out[post["id"]] = post["metrics"]
    return out


def test_tweepy_paginator_reads_a_timeline_with_public_metrics(served: Served) -> None:
    owner = served.who.owner
    client = tweepy_client(served.url, BEARER)
    pages = list(
        tweepy.Paginator(
            client.get_users_tweets,
            owner,
            tweet_fields=["public_metrics", "created_at"],
            max_results=40,
        )
    )
    expected = window_ids(served.world, owner, datetime.min.replace(tzinfo=UTC), NOW)
    assert len(pages) == math.ceil(len(expected) / 40) >= 3
    tweets = [t for page in pages for t in page.data]
    assert [t.id for t in tweets] == [int(i) for i in expected]  # newest first, each once
    assert all(isinstance(t.created_at, datetime) for t in tweets)
    real = truth(served.url, expected)
    for t in tweets:
        m = real[str(t.id)]
        assert t.public_metrics["impression_count"] == m["impressions"]
        assert t.public_metrics["like_count"] == m["likes"]
        assert t.public_metrics["retweet_count"] == m["reposts"]
    assert pages[0].meta["result_count"] == 40 and "previous_token" not in pages[0].meta
    assert "next_token" not in pages[-1].meta

    # Backwards with previous_token: from the last page's token to the first page.
    backwards = list(
        reversed(
            tweepy.Paginator(
                client.get_users_tweets,
                owner,
                tweet_fields=["public_metrics", "created_at"],
                max_results=40,
                pagination_token=pages[-2].meta["next_token"],
            )
        )
    )
    assert [[t.id for t in p.data] for p in backwards] == [
        [t.id for t in p.data] for p in pages[::-1]
    ]


def test_tweepy_user_context_private_metrics_and_flatten(served: Served) -> None:
    """The owner's own token reads non-public metrics of posts under 30 days old."""
    owner = served.who.owner
    client = tweepy_client(served.url, OWNER_TOKEN)
    me = client.get_me(user_auth=False)  # an OAuth 2.0 user token, not OAuth 1.0a
    assert str(me.data.id) == owner
    start = NOW - timedelta(days=29)
    tweets = list(
        tweepy.Paginator(
            client.get_users_tweets,
            owner,
            start_time=start,
            tweet_fields=["public_metrics", "non_public_metrics", "organic_metrics"],
            max_results=25,
        ).flatten()
    )
    expected = window_ids(served.world, owner, start, NOW)
    assert [str(t.id) for t in tweets] == expected
    real = truth(served.url, expected)
    for t in tweets:
        assert t.non_public_metrics["impression_count"] == real[str(t.id)]["impressions"]
        assert t.organic_metrics["like_count"] == real[str(t.id)]["organic_likes"]


# -- the guide's weekly-report script ----------------------------------------------------


class SlackReceiver:
    """A tiny incoming-webhook stand-in on loopback that keeps every JSON body posted."""

    def __init__(self) -> None:
        self.posts: list[Any] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                receiver.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep the test output quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/fake"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SlackReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


@pytest.mark.shared
def test_guide_weekly_report_script_end_to_end(
    x_api_dir: Path, tmp_path: Path, slack: SlackReceiver
) -> None:
    source = extract_script(x_api_dir.parent)
    assert source.count(TWITTER) == 3  # token URL and the two API calls: the only edits
    # The script takes "the last 7 days" from the wall clock, so the world's now is now.
    now = datetime.now(UTC).replace(microsecond=0)
    world, who = script_world(now)
    expected = window_ids(world, who.owner, now - timedelta(days=7), now)
    assert len(expected) > 100  # more than one page of max_results=100

    with serve_in_thread(world) as base:
        script = tmp_path / "weekly_report.py"
        script.write_text(source.replace(TWITTER, base), "utf-8")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TWITTER_ACCESS_TOKEN": EXPIRED_TOKEN,
            "TWITTER_REFRESH_TOKEN": REFRESH_TOKEN,
            "TWITTER_CLIENT_ID": CLIENT_ID,
            "TWITTER_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_WEBHOOK_URL": slack.url,
            "NO_PROXY": "*",
        }
        run = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert "Token refreshed successfully" in run.stderr

        with httpx.Client(base_url=base) as http:
            # The refresh happened: the refresh token it started with is dead now.
            stale = http.post(
                "/2/oauth2/token",
                auth=(CLIENT_ID, CLIENT_SECRET),
                data={"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN,
                      "client_id": CLIENT_ID},
            )  # fmt: skip
            assert stale.status_code == 400
            assert stale.json()["error"] == "invalid_grant"
            # The timeline was read: every post of the window, and nothing else.
            ledger = http.get("/_sim/ledger").json()["entries"]
            read = {e["resource_id"] for e in ledger if e["endpoint"] == "users_tweets"}
            assert read == set(expected)
        real = truth(base, expected)

    assert len(slack.posts) == 1
    fields = {f["title"]: f["value"] for f in slack.posts[0]["attachments"][0]["fields"]}
    impressions = sum(real[i]["impressions"] for i in expected)
    engagements = sum(
        real[i][k] for i in expected for k in ("likes", "reposts", "replies", "quotes")
    )
    assert fields["Impressions (7d)"] == f"{impressions:,}"
    assert fields["Engagements (7d)"] == f"{engagements:,}"
    assert fields["Tweets Published"] == str(len(expected))
