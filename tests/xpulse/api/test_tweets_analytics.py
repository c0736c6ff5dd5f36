"""GET /2/tweets/analytics: parameters checked before sending, buckets flattened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from xpulse.api.transport import Transport
from xpulse.api.tweets_analytics import get_tweet_analytics
from xpulse.errors import InvalidArgument, TooManyIds

START = datetime(2026, 5, 1, tzinfo=UTC)
END = START + timedelta(days=3)


def transport(handler: httpx.MockTransport) -> Transport:
    return Transport("http://127.0.0.1:9", None, transport=handler, sleep=lambda s: None)


def test_request_shape_and_buckets() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(
            200,
            json={
                "data": [
                    {
                        "id": "10",
                        "timestamped_metrics": [
                            {
                                "timestamp": "2026-05-01T00:00:00Z",
                                "metrics": {"impressions": 40, "likes": 2},
                            },
                            {"timestamp": "2026-05-02T00:00:00Z", "metrics": {"impressions": "12"}},
                        ],
                    }
                ]
            },
        )

    page = get_tweet_analytics(
        transport(httpx.MockTransport(handler)),
        ["10", "10"],
        START,
        END,
        "daily",
        ["impressions", "likes"],
    )
    params = seen[0].params
    assert params["ids"] == "10" and params["granularity"] == "daily"
    assert (
        params["start_time"] == "2026-05-01T00:00:00Z"
        and params["end_time"] == "2026-05-04T00:00:00Z"
    )
    assert params["analytics.fields"] == "impressions,likes"
    assert [(b.post_id, b.at.day, b.metrics) for b in page.buckets] == [
        ("10", 1, {"impressions": 40, "likes": 2}),
        ("10", 2, {"impressions": 12}),
    ]


@pytest.mark.parametrize(
    "ids,granularity,fields,start,end,error",
    [
        ([str(i) for i in range(1, 102)], "daily", ["impressions"], START, END, TooManyIds),
        (["1"], "monthly", ["impressions"], START, END, InvalidArgument),
        (["1"], "daily", ["impression"], START, END, InvalidArgument),
        (["1"], "daily", ["impressions"], END, START, InvalidArgument),
        (["x1"], "daily", ["impressions"], START, END, InvalidArgument),
    ],
)
def test_bad_parameters_never_reach_x(
    ids: list[str],
    granularity: str,
    fields: list[str],
    start: datetime,
    end: datetime,
    error: type[Exception],
) -> None:
    calls: list[httpx.Request] = []
    mock = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200, json={}))
    with pytest.raises(error):
        get_tweet_analytics(transport(mock), ids, start, end, granularity, fields)  # type: ignore[arg-type]
    assert calls == []
