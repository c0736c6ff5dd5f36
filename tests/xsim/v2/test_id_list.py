"""``ids`` lists: one parser for ``GET /2/tweets`` and ``GET /2/tweets/analytics``."""

from __future__ import annotations

import pytest

from xsim.enterprise.tweets_analytics import parse_query
from xsim.v2.params import InvalidRequest, parse_ids

TIMES = [("start_time", "2026-05-19T00:00:00Z"), ("end_time", "2026-05-20T00:00:00Z")]


def _ids_errors(call: object, query: list[tuple[str, str]]) -> list[dict[str, object]]:
    with pytest.raises(InvalidRequest) as caught:
        call(query)  # type: ignore[operator]
    return [e for e in caught.value.errors if "ids" in e["parameters"]]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "The `ids` query parameter can not be empty"),
        ("", "The `ids` query parameter can not be empty"),
        ("12,x7,y", "The `ids` query parameter value [x7] does not match ^[0-9]{1,19}$"),
        ("1" * 20, f"The `ids` query parameter value [{'1' * 20}] does not match ^[0-9]{{1,19}}$"),
        (",".join(str(i) for i in range(1, 102)),
         "The number of values in the `ids` query parameter list [101] is not between 1 and 100"),
    ],
)  # fmt: skip
def test_both_endpoints_refuse_the_same_lists_alike(raw: str | None, message: str) -> None:
    query = [] if raw is None else [("ids", raw)]
    lookup = _ids_errors(parse_ids, query)
    analytics = _ids_errors(parse_query, query + TIMES)
    assert lookup == analytics
    assert [e["message"] for e in lookup] == [message]
    assert lookup[0]["parameters"] == {"ids": [] if raw is None else [raw]}


def test_a_repeated_id_is_answered_once_in_order_and_counted_as_sent() -> None:
    ids, _ = parse_ids([("ids", "3,1,3,2,1")])
    assert ids == ["3", "1", "2"]
    assert parse_query([("ids", "3,1,3,2,1"), *TIMES]).ids == ["3", "1", "2"]
    hundred_one = ",".join(["7"] * 101)  # 101 values as sent, though one id
    assert _ids_errors(parse_ids, [("ids", hundred_one)])
    assert _ids_errors(parse_query, [("ids", hundred_one), *TIMES])
