"""Typed calls: pagination and resuming, id batches, recorded X answers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import httpx
import pytest
from xpulse_api_fakes import FakeClock, json_response

from xpulse.api import endpoints as ep
from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.transport import CallRecord
from xpulse.errors import BadResponse, Forbidden, InvalidArgument, NotFound, TooManyIds


class Timeline:
    """/2/users/:id/tweets over 250 posts in pages of 100, with X's opaque tokens."""

    def __init__(self) -> None:
        self.ids = [str(1_800_000_000_000_000_000 - i) for i in range(250)]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        q = request.url.params
        start = int(q.get("pagination_token", "tok0").removeprefix("tok"))
        size = int(q["max_results"])
        chunk = self.ids[start : start + size]
        meta: dict[str, object] = {"result_count": len(chunk)}
        if chunk:
            meta |= {"newest_id": chunk[0], "oldest_id": chunk[-1]}
        if start + size < len(self.ids):
            meta["next_token"] = f"tok{start + size}"
        data = [{"id": i, "text": f"post {i}", "author_id": "42"} for i in chunk]
        return json_response(200, {"data": data, "meta": meta})


def client_for(
    handler, clock: FakeClock, records: list[CallRecord] | None = None, *, owned: bool = True
) -> XClient:
    return XClient(
        "https://api.example.test",
        BearerAuth("fake-bearer", source="test"),
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
        on_call=records.append if records is not None else None,
        owned=owned,
    )


def test_timeline_follows_every_page_and_records_reads(clock: FakeClock) -> None:
    timeline = Timeline()
    records: list[CallRecord] = []
    pages = list(client_for(timeline, clock, records).iter_user_tweets("42", since_id="17"))
    assert [len(p.data) for p in pages] == [100, 100, 50]
    assert [p.next_token for p in pages] == ["tok100", "tok200", None]
    assert [t["id"] for p in pages for t in p.data] == timeline.ids
    first, second = timeline.requests[0].url.params, timeline.requests[1].url.params
    assert first["since_id"] == "17" and "pagination_token" not in first
    assert second["pagination_token"] == "tok100"
    assert "non_public_metrics" in first["tweet.fields"]  # own account: private metrics
    assert [(r.endpoint, r.reads) for r in records] == [("/2/users/:id/tweets", 100)] * 2 + [
        ("/2/users/:id/tweets", 50)
    ]


def test_timeline_resumes_from_a_saved_token(clock: FakeClock) -> None:
    timeline = Timeline()
    pages = list(client_for(timeline, clock).iter_user_tweets("42", pagination_token="tok200"))
    assert len(pages) == 1 and pages[0].data[0]["id"] == timeline.ids[200]


def test_not_owned_clients_ask_public_metrics_only(clock: FakeClock) -> None:
    timeline = Timeline()
    client = client_for(timeline, clock, owned=False)
    next(client.iter_user_tweets("42"))
    fields = timeline.requests[0].url.params["tweet.fields"].split(",")
    assert "public_metrics" in fields and "non_public_metrics" not in fields


def test_lookup_refuses_more_than_100_ids_before_sending(clock: FakeClock) -> None:
    calls: list[httpx.Request] = []
    client = client_for(lambda r: calls.append(r) or json_response(200, {}), clock)
    with pytest.raises(TooManyIds) as info:
        client.lookup_tweets([str(i) for i in range(101)])
    assert isinstance(info.value, ValueError)
    assert calls == []
    assert ep.TWEETS.id_batch == 100


def test_bad_ids_are_refused_before_sending(clock: FakeClock) -> None:
    client = client_for(lambda r: json_response(200, {}), clock)
    with pytest.raises(InvalidArgument, match="not a valid X id"):
        client.get_user("../../oauth2/token")


def test_only_errors_means_not_found_or_forbidden(clock: FakeClock) -> None:
    gone = {"errors": [{"detail": "Could not find user with id: [1].", "title": "Not Found Error"}]}
    with pytest.raises(NotFound, match="Could not find user"):
        client_for(lambda r: json_response(200, gone), clock).get_user("1")
    suspended = {"errors": [{"detail": "User has been suspended: [4].", "title": "Forbidden"}]}
    with pytest.raises(Forbidden, match="suspended"):
        next(client_for(lambda r: json_response(200, suspended), clock).iter_user_tweets("4"))


def _recorded(x_api_dir: Path, name: str) -> httpx.Response:
    rec = json.loads((x_api_dir / "recorded" / "academictwitteR_decoded" / name).read_text())
    body = rec["body"]
    content = json.dumps(body).encode() if body is not None else b"<html>Not Found</html>"
    # Bodies were decoded when recorded: drop the encoding and length headers.
    headers = {
        k: v
        for k, v in rec["headers"].items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    }
    return httpx.Response(rec["status_code"], headers=headers, content=content)


@pytest.mark.shared
def test_recorded_partial_errors_and_rate_headers(x_api_dir: Path, clock: FakeClock) -> None:
    answer = _recorded(x_api_dir, "tweets-0b8bd2.json")
    records: list[CallRecord] = []
    page = client_for(lambda r: answer, clock, records).lookup_tweets(["1", "2", "20"])
    assert page.errors and all("Could not find tweet" in e["detail"] for e in page.errors)
    rl = records[0].rate_limit
    assert rl is not None and (rl.limit, rl.remaining) == (300, 261)
    assert records[0].errors == len(page.errors)


@pytest.mark.shared
def test_recorded_html_404_is_bad_response(x_api_dir: Path, clock: FakeClock) -> None:
    answer = _recorded(x_api_dir, "tweets__count__all-ef70a4.json")
    with pytest.raises(BadResponse, match="404 answered with text/html"):
        client_for(lambda r: answer, clock).get_user("12")


@pytest.mark.shared
def test_recorded_timeline_page(x_api_dir: Path, clock: FakeClock) -> None:
    answer = _recorded(x_api_dir, "users__460255655__tweets-d24b15.json")
    page = next(client_for(lambda r: answer, clock).iter_user_tweets("460255655", max_pages=1))
    assert page.data and all(t["author_id"] == "460255655" for t in page.data)
    assert page.meta["result_count"] == len(page.data)
