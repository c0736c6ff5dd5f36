"""The enterprise Engagement API client: ``POST /insights/engagement/{totals,28hr,historical}``.

:meth:`EngagementClient.request` sends exactly one request after checking every documented
rule (:mod:`xpulse.api.engagement_rules`); nothing is sent when one is broken.
:meth:`EngagementClient.collect` takes any number of ids and (for /historical) any range
from 2014-09-01 on, cuts them into legal requests and merges the answers: counts (strings
on the wire) become ints and are summed where two answers overlap (grand totals across id
chunks, totals across 4-week windows), partial results (``unavailable_tweet_ids``,
``unsupported_for_impressions_engagements_tweet_ids``,
``unsupported_for_video_views_tweet_ids``) and the plain-string ``errors`` are kept.

Authentication: OAuth 1.0a user context (signed per request), or an app bearer token for
the public metrics of /totals.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from xpulse.api import engagement_rules as rules
from xpulse.api.auth import BearerAuth
from xpulse.api.endpoints import Endpoint
from xpulse.api.engagement_rules import Groupings, Kind
from xpulse.api.oauth1 import OAuth1Auth, OAuth1Credentials
from xpulse.api.transport import CallRecord, Transport, http_client
from xpulse.clock import Clock, Sleep, utc_now
from xpulse.errors import BadResponse, EngagementRequestError

__all__ = [
    "DEFAULT_BASE_URL",
    "EngagementClient",
    "EngagementRequestError",
    "EngagementResult",
    "hourly_points",
]

DEFAULT_BASE_URL = "https://data-api.x.com"
ENDPOINTS: dict[Kind, Endpoint] = {
    kind: Endpoint(f"engagement_{kind}", f"/insights/engagement/{kind}") for kind in rules.KINDS
}
PARTIAL_KEYS = (
    "unavailable_tweet_ids",
    "unsupported_for_impressions_engagements_tweet_ids",
    "unsupported_for_video_views_tweet_ids",
)
WIRE_TIME = "%Y-%m-%dT%H:%M:%SZ"

Tree = dict[str, Any]  # nested groups whose leaves are int counts


@dataclass
class EngagementResult:
    """Merged answers: ``groups[name]`` is the grouping's tree with int leaves."""

    kind: Kind
    groups: dict[str, Tree] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    unavailable_tweet_ids: list[str] = field(default_factory=list)
    unsupported_for_impressions_engagements_tweet_ids: list[str] = field(default_factory=list)
    unsupported_for_video_views_tweet_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, body: Mapping[str, Any], names: Sequence[str]) -> None:
        """Merge one answer in (counts summed where keys meet)."""
        one = EngagementResult(self.kind, requests=1)
        for name in names:
            tree = body.get(name)
            if isinstance(tree, Mapping):
                one.groups[name] = _counts(tree)
        for key in PARTIAL_KEYS:
            setattr(one, key, [str(pid) for pid in body.get(key) or []])
        one.errors = [e if isinstance(e, str) else str(e) for e in body.get("errors") or []]
        one.start, one.end = _time(body.get("start")), _time(body.get("end"))
        self.merge(one)

    def merge(self, other: EngagementResult) -> None:
        """Fold another result in: counts summed, ids and errors kept once, range widened."""
        self.requests += other.requests
        for name, tree in other.groups.items():
            self.groups[name] = _merge(self.groups.get(name, {}), tree)
        for key in PARTIAL_KEYS:
            have: list[str] = getattr(self, key)
            have.extend(pid for pid in dict.fromkeys(getattr(other, key)) if pid not in have)
        self.errors.extend(e for e in dict.fromkeys(other.errors) if e not in self.errors)
        if other.start is not None and (self.start is None or other.start < self.start):
            self.start = other.start
        if other.end is not None and (self.end is None or other.end > self.end):
            self.end = other.end


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _counts(tree: Mapping[str, Any]) -> Tree:
    """String (or int) counts as ints, at any depth; anything else is a broken answer."""
    out: Tree = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            out[str(key)] = _counts(value)
        elif isinstance(value, bool):
            raise BadResponse(f"Engagement API: count {key!r} is not a number")
        elif isinstance(value, int):
            out[str(key)] = value
        elif isinstance(value, str) and value.strip().isdigit():
            out[str(key)] = int(value)
        else:
            raise BadResponse(f"Engagement API: count {key!r} is not a number: {value!r:.40}")
    return out


def _merge(a: Tree, b: Tree) -> Tree:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif isinstance(value, dict) and isinstance(out[key], dict):
            out[key] = _merge(out[key], value)
        elif isinstance(value, int) and isinstance(out[key], int):
            out[key] = out[key] + value
        else:
            raise BadResponse(f"Engagement API: answers disagree on the shape of {key!r}")
    return out


class EngagementClient:
    """Engagement API calls over xpulse's transport (retries, rate limits, call records)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        oauth1: OAuth1Credentials | None = None,
        bearer: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        max_retries: int = 4,
        on_call: Callable[[CallRecord], None] | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        if oauth1 is None and bearer is None:
            raise EngagementRequestError(
                "the Engagement API needs OAuth 1.0a credentials or an app bearer token"
            )
        self.user_context = oauth1 is not None
        self.clock = clock
        auth: BearerAuth | None = None
        http: httpx.Client | None = None
        if oauth1 is not None:  # each request signed by httpx, no bearer header
            stamp: Callable[[], str] = lambda: str(int(clock().timestamp()))  # noqa: E731
            signer = (
                OAuth1Auth(oauth1, timestamp=stamp)
                if nonce is None
                else OAuth1Auth(oauth1, timestamp=stamp, nonce=nonce)
            )
            http = http_client(base_url, transport=transport, auth=signer)
        else:
            auth = BearerAuth(bearer or "", source="bearer")
        self.transport = Transport(
            base_url,
            auth,
            transport=None if http is not None else transport,
            clock=clock,
            sleep=sleep,
            rng=rng,
            max_retries=max_retries,
            on_call=on_call,
            http=http,
        )

    def __enter__(self) -> EngagementClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # -- one request ----------------------------------------------------------------------

    def build(
        self,
        kind: Kind,
        tweet_ids: Sequence[str],
        engagement_types: Sequence[str],
        groupings: Groupings,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, Any]:
        """The JSON body of one legal request, or :class:`EngagementRequestError`."""
        if kind not in rules.KINDS:
            raise EngagementRequestError(
                f"unknown endpoint {kind!r} (use totals, 28hr, historical)"
            )
        ids = rules.clean_ids(kind, tweet_ids)
        types = rules.check_types(kind, engagement_types)
        groups = rules.check_groupings(kind, groupings)
        rules.check_auth(kind, types, self.user_context)
        body: dict[str, Any] = {"tweet_ids": ids, "engagement_types": types, "groupings": {}}
        body["groupings"] = {name: {"group_by": keys} for name, keys in groups.items()}
        if kind == "historical":
            now = self.clock()
            lo, hi = rules.check_window(start or now - rules.MAX_WINDOW, end or now, now)
            body["start"], body["end"] = lo.strftime(WIRE_TIME), hi.strftime(WIRE_TIME)
        elif start is not None or end is not None:
            raise EngagementRequestError(f"/{kind} takes no start or end (only /historical)")
        return body

    def request(
        self,
        kind: Kind,
        tweet_ids: Sequence[str],
        engagement_types: Sequence[str],
        groupings: Groupings,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> EngagementResult:
        """Exactly one request (checked first); its answer with counts as ints."""
        return self._send(
            kind, self.build(kind, tweet_ids, engagement_types, groupings, start, end)
        )

    # -- any size ---------------------------------------------------------------------------

    def plan(
        self,
        kind: Kind,
        tweet_ids: Sequence[str],
        engagement_types: Sequence[str],
        groupings: Groupings,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The legal request bodies that together cover the ids and the range (no I/O)."""
        ids = rules.clean_ids(kind, tweet_ids, limit=False)
        windows: list[tuple[datetime | None, datetime | None]] = [(None, None)]
        if kind == "historical":
            now = self.clock()
            since = start or now - rules.MAX_WINDOW
            lo, hi = rules.check_window(since, end or now, now, limit=False)
            windows = list(rules.split_window(lo, hi))
        return [
            self.build(kind, chunk, engagement_types, groupings, s, e)
            for s, e in windows
            for chunk in rules.split_ids(ids, rules.MAX_IDS[kind])
        ]

    def collect(
        self,
        kind: Kind,
        tweet_ids: Sequence[str],
        engagement_types: Sequence[str],
        groupings: Groupings,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> EngagementResult:
        """Every legal request the ids and range need (all checked before the first is
        sent), merged into one result."""
        result = EngagementResult(kind)
        for _, one in self.iter_requests(kind, tweet_ids, engagement_types, groupings, start, end):
            result.merge(one)
        return result

    def iter_requests(
        self,
        kind: Kind,
        tweet_ids: Sequence[str],
        engagement_types: Sequence[str],
        groupings: Groupings,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[tuple[dict[str, Any], EngagementResult]]:
        """Request by request, each (body, its answer), every body checked before the first
        is sent: lets a caller store as it goes, so a long backfill that dies keeps what it
        had. :meth:`collect` is this, merged."""
        for body in self.plan(kind, tweet_ids, engagement_types, groupings, start, end):
            yield body, self._send(kind, body)

    def _send(self, kind: Kind, body: dict[str, Any]) -> EngagementResult:
        answer, _ = self.transport.call("POST", ENDPOINTS[kind], json_body=body)
        result = EngagementResult(kind)
        result.add(answer, list(body["groupings"]))
        return result


def hourly_points(tree: Tree, order: Sequence[str]) -> Iterator[tuple[str, str, datetime, int]]:
    """(post id, engagement type, hour start UTC, count) of a 4-item hourly grouping tree."""
    if tuple(order) not in rules.FOUR_ORDERS:
        raise ValueError("hourly_points needs a 4-item tweet/type/day/hour grouping")
    id_first = order[0] == "tweet.id"
    for outer, middle in tree.items():
        for inner, days in middle.items():
            pid, kind = (outer, inner) if id_first else (inner, outer)
            for day, hours in days.items():
                base = datetime.fromisoformat(day).replace(tzinfo=UTC)
                for hour, count in hours.items():
                    yield pid, kind, base + timedelta(hours=int(hour)), int(count)
