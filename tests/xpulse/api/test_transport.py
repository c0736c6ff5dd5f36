"""The call policy: retries with bounded jitter, 429s, 401 refresh, bad bodies, pacing."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx
import pytest
from xpulse_api_fakes import FakeClock, Script, json_response, rate_headers

from xpulse.api.auth import BearerAuth
from xpulse.api.client import XClient
from xpulse.api.transport import CallRecord, http_client
from xpulse.errors import (
    BadResponse,
    InvalidRequest,
    MonthlyCapReached,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
)

ME = {"data": {"id": "2244994945", "username": "xdev", "name": "X Dev"}}


def make_client(script: Script, clock: FakeClock, records: list[CallRecord] | None = None, **kw):
    return XClient(
        "https://api.example.test",
        BearerAuth("fake-bearer-for-tests", source="test"),
        transport=httpx.MockTransport(script),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        on_call=records.append if records is not None else None,
        **kw,
    )


def test_5xx_then_success_retries_with_bounded_jitter(clock: FakeClock) -> None:
    script = Script(
        [json_response(503, {"title": "Service Unavailable"})] * 3 + [json_response(200, ME)]
    )
    records: list[CallRecord] = []
    me = make_client(script, clock, records).get_me()
    assert me["id"] == "2244994945"
    assert len(script.requests) == 4
    assert [r.status for r in records] == [503, 503, 503, 200]
    # attempt n waits within [b/2, b], b = 2**n
    for n, slept in enumerate(clock.sleeps):
        assert 2**n / 2 <= slept <= 2**n


def test_jitter_differs_between_runs_but_stays_in_bounds() -> None:
    waits = set()
    for seed in range(50):
        with XClient("https://a.test", None, rng=random.Random(seed)) as client:
            w = client.transport.backoff(3)
        assert 4.0 <= w <= 8.0
        waits.add(round(w, 6))
    assert len(waits) > 40  # spread, so clients that failed together do not retry together
    with XClient("https://a.test", None) as client:
        assert 30.0 / 2 <= client.transport.backoff(12) <= 30.0  # capped


def test_a_shared_httpx_client_is_used_and_closed_but_not_beside_a_transport() -> None:
    answer = httpx.MockTransport(lambda r: json_response(200, ME))
    http = http_client("https://a.test", transport=answer)
    with XClient("https://a.test/", None, http=http) as client:
        assert client.transport.http is http
        assert client.get_me()["id"] == ME["data"]["id"]
    assert http.is_closed
    with pytest.raises(ValueError, match="not both"):
        XClient("https://a.test", None, http=http, transport=answer)


def test_persistent_5xx_gives_up_after_max_retries(clock: FakeClock) -> None:
    script = Script([json_response(500, {"title": "Internal Error"})])
    with pytest.raises(ServerError, match="500"):
        make_client(script, clock, max_retries=2).get_me()
    assert len(script.requests) == 3


def test_timeouts_and_dropped_connections_are_retried_then_reported(clock: FakeClock) -> None:
    script = Script(
        [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), json_response(200, ME)]
    )
    assert make_client(script, clock).get_me()["username"] == "xdev"
    script = Script([httpx.ConnectError("refused")])
    with pytest.raises(TransportError, match="connection failed"):
        make_client(script, clock, max_retries=1).get_me()
    assert len(script.requests) == 2


def test_truncated_json_is_retried(clock: FakeClock) -> None:
    cut = httpx.Response(
        200, content=b'{"data": {"id": "22', headers={"content-type": "application/json"}
    )
    script = Script([cut, json_response(200, ME)])
    assert make_client(script, clock).get_me()["id"] == "2244994945"
    script = Script([cut])
    with pytest.raises(BadResponse, match="cut-off or invalid JSON"):
        make_client(script, clock, max_retries=1).get_me()


def test_html_404_is_a_clear_bad_response(clock: FakeClock) -> None:
    page = httpx.Response(
        404, content=b"<html><body>Sorry</body></html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(BadResponse, match=r"404 answered with text/html, not JSON"):
        make_client(Script([page]), clock).get_user("12")


def test_400_problem_becomes_invalid_request_with_the_reason(clock: FakeClock) -> None:
    body = {
        "errors": [{"message": "The `id` query parameter value [x] is not valid"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
    }
    with pytest.raises(InvalidRequest, match="is not valid") as info:
        make_client(Script([json_response(400, body)]), clock).get_user("12")
    assert info.value.status == 400


def test_window_429_waits_until_reset_by_the_server_clock(clock: FakeClock) -> None:
    # The server's clock is 100 s ahead of ours; reset is 60 s after *its* now.
    server_now = clock.now + timedelta(seconds=100)
    reset = server_now + timedelta(seconds=60)
    limited = json_response(
        429, {"title": "Too Many Requests"}, rate_headers(75, 0, reset, server_now)
    )
    script = Script([limited, json_response(200, ME)])
    make_client(script, clock).get_me()
    assert len(script.requests) == 2
    assert clock.sleeps == [pytest.approx(61.0, abs=1.0)]  # not 161 s by the local clock


def test_window_429_is_bounded(clock: FakeClock) -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        reset = clock.now + timedelta(seconds=30)
        return json_response(
            429, {"title": "Too Many Requests"}, rate_headers(75, 0, reset, clock.now)
        )

    script = Script([limited])
    with pytest.raises(RateLimited) as info:
        make_client(script, clock).get_me()
    assert info.value.reset_at is not None
    assert len(script.requests) == 4  # first try + 3 waits, then it stops


def test_reset_far_away_is_not_waited_for(clock: FakeClock) -> None:
    reset = clock.now + timedelta(hours=20)
    limited = json_response(
        429, {"title": "Too Many Requests"}, rate_headers(75, 0, reset, clock.now)
    )
    with pytest.raises(RateLimited, match="until"):
        make_client(Script([limited]), clock).get_me()
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("body", "remaining"),
    [
        # X's UsageCapExceeded problem
        (
            {
                "title": "UsageCapExceeded",
                "detail": "Usage cap exceeded: Monthly product cap",
                "type": "https://api.twitter.com/2/problems/usage-capped",
                "period": "Monthly",
                "scope": "Product",
            },
            0,
        ),
        # the seeds' bare body, while the 15-minute window still has room
        ({"title": "Too Many Requests", "status": 429, "detail": "Too Many Requests"}, 40),
    ],
)
def test_monthly_cap_stops_at_once(clock: FakeClock, body: dict, remaining: int) -> None:
    reset = clock.now + timedelta(minutes=10)
    capped = json_response(429, body, rate_headers(75, remaining, reset, clock.now))
    script = Script([capped])
    with pytest.raises(MonthlyCapReached, match="monthly post-read cap"):
        make_client(script, clock).get_me()
    assert len(script.requests) == 1
    assert clock.sleeps == []


def test_slows_down_under_20_percent_remaining(clock: FakeClock) -> None:
    reset = clock.now + timedelta(seconds=300)

    def answer(request: httpx.Request) -> httpx.Response:
        return json_response(200, ME, rate_headers(100, 10, reset, clock.now))

    client = make_client(Script([answer]), clock)
    client.get_me()
    assert clock.sleeps == []  # nothing known before the first answer
    client.get_me()
    # 10 calls left for 300 s: one every 30 s
    assert clock.sleeps == [pytest.approx(30.0, rel=0.05)]


def test_no_slow_down_with_room_left(clock: FakeClock) -> None:
    reset = clock.now + timedelta(seconds=300)
    answer = json_response(200, ME, rate_headers(100, 50, reset, clock.now))
    client = make_client(Script([answer]), clock)
    for _ in range(3):
        client.get_me()
    assert clock.sleeps == []


def test_partial_errors_are_kept_and_recorded(clock: FakeClock) -> None:
    body = {
        "data": [{"id": "20", "text": "just setting up my twttr"}],
        "errors": [
            {
                "value": "1",
                "detail": "Could not find tweet with ids: [1].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": "1",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ],
    }
    records: list[CallRecord] = []
    page = make_client(Script([json_response(200, body)]), clock, records).lookup_tweets(
        ["20", "1"]
    )
    assert [t["id"] for t in page.data] == ["20"]
    assert page.errors[0]["resource_id"] == "1"
    assert (records[0].endpoint, records[0].reads, records[0].errors) == ("/2/tweets", 1, 1)


class Refreshing:
    """An auth that hands out a new token once on 401."""

    def __init__(self) -> None:
        self.token = "fake-old-access"
        self.refreshes = 0

    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def after_unauthorized(self, sent: str) -> bool:
        self.refreshes += 1
        self.token = "fake-new-access"
        return True


def test_401_refreshes_once_then_succeeds_or_fails(clock: FakeClock) -> None:
    unauthorized = json_response(401, {"title": "Unauthorized", "status": 401})

    def answer(request: httpx.Request) -> httpx.Response:
        ok = request.headers["authorization"] == "Bearer fake-new-access"
        return json_response(200, ME) if ok else unauthorized

    auth = Refreshing()
    client = XClient("https://a.test", auth, transport=httpx.MockTransport(answer), clock=clock)
    assert client.get_me()["id"] == "2244994945"
    assert auth.refreshes == 1

    auth = Refreshing()
    client = XClient(
        "https://a.test", auth, transport=httpx.MockTransport(lambda r: unauthorized), clock=clock
    )
    with pytest.raises(Unauthorized):
        client.get_me()
    assert auth.refreshes == 1  # never a loop


def test_a_reset_no_clock_explains_is_not_slept_on(clock: FakeClock) -> None:
    # A simulator with a frozen clock: its reset is a day behind both clocks.
    stale = clock.now - timedelta(days=1)
    limited = json_response(
        429, {"title": "Too Many Requests"}, rate_headers(75, 0, stale, clock.now)
    )
    with pytest.raises(RateLimited):
        make_client(Script([limited]), clock).get_me()
    assert clock.sleeps == [1.0, 1.0, 1.0]  # short, bounded pauses; never hours


def test_local_clock_is_used_when_the_date_header_is_wrong(clock: FakeClock) -> None:
    reset = clock.now + timedelta(seconds=120)
    headers = rate_headers(75, 0, reset, clock.now)
    headers["date"] = "Thu, 01 Jan 2004 00:00:00 GMT"  # a broken proxy's date
    script = Script(
        [json_response(429, {"title": "Too Many Requests"}, headers), json_response(200, ME)]
    )
    make_client(script, clock).get_me()
    assert clock.sleeps == [pytest.approx(121.0, abs=1.0)]
