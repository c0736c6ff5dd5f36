"""Bad input gets the real API's 400 body; unknown paths a 404; nothing gives a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xsim_api_support import ALICE, BEARER, Api, make_api

INVALID = {
    "title": "Invalid Request",
    "detail": "One or more parameters to your request was invalid.",
    "type": "https://api.twitter.com/2/problems/invalid-request",
}


def problem(r: Any) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    body = r.json()
    assert {k: body[k] for k in INVALID} == INVALID
    assert "status" not in body  # the recorded 400s carry none
    return body


def test_max_results_out_of_range(api: Api) -> None:
    for value in ("4", "101", "ten"):
        body = problem(api.get(f"/2/users/{ALICE}/tweets", BEARER, max_results=value))
        assert body["errors"] == [
            {
                "parameters": {"max_results": [value]},
                "message": f"The `max_results` query parameter value [{value}] is not between "
                "5 and 100",
            }
        ]


def test_bad_times(api: Api) -> None:
    body = problem(api.get(f"/2/users/{ALICE}/tweets", BEARER, start_time="yesterday"))
    assert body["errors"][0]["parameters"] == {"start_time": ["yesterday"]}
    body = problem(
        api.get(
            f"/2/users/{ALICE}/tweets", BEARER,
            start_time="2020-06-21T01:00Z", end_time="2020-06-21T00:00Z",
        )
    )  # fmt: skip
    assert body["errors"] == [  # the recorded body, word for word
        {
            "parameters": {"start_time": ["2020-06-21T01:00Z"], "end_time": ["2020-06-21T00:00Z"]},
            "message": "Invalid 'start_time':'2020-06-21T01:00Z'. 'start_time' must be before "
            "'end_time':2020-06-21T00:00Z",
        }
    ]


def test_ids_checks(api: Api) -> None:
    body = problem(api.get("/2/tweets", BEARER, ids="NA,NA,NA"))
    assert body["errors"] == [  # recorded
        {
            "parameters": {"ids": ["NA,NA,NA"]},
            "message": "The `ids` query parameter value [NA] does not match ^[0-9]{1,19}$",
        }
    ]
    many = ",".join(str(i) for i in range(1, 102))
    body = problem(api.get("/2/tweets", BEARER, ids=many))
    assert "[101] is not between 1 and 100" in body["errors"][0]["message"]
    problem(api.get("/2/tweets", BEARER))
    problem(api.get("/2/tweets/abc", BEARER))


def test_unknown_field_and_parameter(api: Api) -> None:
    body = problem(api.get("/2/tweets/20", BEARER, **{"tweet.fields": "public_metrics,views"}))
    message = body["errors"][0]["message"]
    assert message.startswith("The `tweet.fields` query parameter value [views] is not one of [")
    assert body["errors"][0]["parameters"] == {"tweet.fields": ["public_metrics,views"]}
    body = problem(api.get("/2/users/me", colour="red"))
    assert body["errors"][0]["message"].startswith("The query parameter [colour] is not one of")
    problem(api.get(f"/2/users/{ALICE}/tweets", BEARER, exclude="likes"))
    problem(api.get(f"/2/users/{ALICE}/tweets", BEARER, pagination_token="zzzzzzzz"))


def test_unknown_path_is_an_html_404(api: Api) -> None:
    r = api.get("/2/tweets/count/all", BEARER)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert api.get("/nothing/here", None).status_code == 404


_PATHS = st.sampled_from(
    ["/2/users/me", f"/2/users/{ALICE}/tweets", "/2/tweets", "/2/tweets/20", f"/2/users/{ALICE}",
     "/2/users/by/username/alice", "/2/usage/tweets"]
)  # fmt: skip
_NAMES = st.sampled_from(
    ["ids", "max_results", "pagination_token", "start_time", "end_time", "since_id", "until_id",
     "exclude", "tweet.fields", "expansions", "media.fields", "user.fields", "poll.fields",
     "days", "usage.fields", "x"]
)  # fmt: skip
_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["public_metrics", "5", "100", "0", "-1", "2026-05-20T00:00:00Z", "1,2,3",
                     "replies", "attachments.media_keys", "99999999999999999999", ","]),
)  # fmt: skip


_SEGMENTS = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/?#"), max_size=25
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=_PATHS,
    segment=st.one_of(st.none(), _SEGMENTS),
    query=st.lists(st.tuples(_NAMES, _VALUES), max_size=5),
    token=st.booleans(),
)
def test_fuzzed_queries_never_crash(
    path: str, segment: str | None, query: list[tuple[str, str]], token: bool
) -> None:
    client = _shared()
    headers = {"Authorization": f"Bearer {BEARER if token else 'fake-alice-user-token'}"}
    if segment is not None:  # a made-up id or username in the path, percent-encoded
        part = quote(segment, safe="") or "x"
        path = path.replace(ALICE, part).replace("/20", f"/{part}").replace("/alice", f"/{part}")
    r = client.get(path, params=query, headers=headers)
    assert r.status_code in (200, 400, 403, 404), (r.status_code, r.text)
    # The same app still answers a well-formed read after whatever came before.
    ok = client.get(f"/2/users/{ALICE}", headers={"Authorization": f"Bearer {BEARER}"})
    assert ok.status_code == 200 and ok.json()["data"]["id"] == ALICE, ok.text


_CACHE: list[httpx.Client] = []


def _shared() -> httpx.Client:
    """One app for all fuzz examples (building one per example would be slow)."""
    if not _CACHE:
        from xsim.v2.ratelimit import LIMITS, RateLimiter

        unlimited = RateLimiter({k: (10**9, 10**9) for k in LIMITS})
        _, client = make_api(limiter=unlimited)
        _CACHE.append(client)
    return _CACHE[0]
