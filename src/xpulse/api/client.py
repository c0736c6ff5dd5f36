"""``XClient``: typed X API v2 calls over one :class:`~xpulse.api.transport.Transport`.

Pages are returned as :class:`Page` with everything X sent (``data``, ``includes``,
``meta``, partial ``errors``) and the ``next_token`` to resume from; flattening is a
separate pure step (:mod:`xpulse.api.normalize`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from xpulse.api import endpoints as ep
from xpulse.api.ratelimit import SharedWindows
from xpulse.api.transport import ApiAuth, CallRecord, Transport
from xpulse.clock import Clock, Sleep, utc_now
from xpulse.errors import Forbidden, NotFound, TooManyIds

__all__ = ["Page", "XClient"]


@dataclass(frozen=True)
class Page:
    """One page of an answer; ``errors`` are the partial errors X sent beside the data."""

    data: list[dict[str, Any]]
    includes: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    next_token: str | None = None
    record: CallRecord | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any], record: CallRecord | None = None) -> Page:
        data = body.get("data")
        rows = data if isinstance(data, list) else ([data] if isinstance(data, dict) else [])
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        includes = body.get("includes") if isinstance(body.get("includes"), dict) else {}
        token = meta.get("next_token") if meta else None
        return cls(
            data=rows,
            includes=includes or {},
            meta=meta or {},
            errors=errors or [],
            next_token=str(token) if token else None,
            record=record,
        )


def _iso(value: datetime | str | None) -> str | None:
    """X wants RFC 3339 UTC with a Z; accept aware datetimes or such strings."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("start_time/end_time must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _only_errors(body: dict[str, Any], what: str) -> None:
    """A 200 with no data and only errors means the resource is gone or hidden."""
    if "data" in body or not isinstance(body.get("errors"), list) or not body["errors"]:
        return
    first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
    detail = str(first.get("detail") or first.get("title") or "not found")
    if first.get("title") == "Forbidden" or "suspended" in detail.lower():
        raise Forbidden(f"{what}: {detail}", status=200, problem=first)
    raise NotFound(f"{what}: {detail}", status=200, problem=first)


class XClient:
    """The X API v2 calls xpulse makes. Close it (or use ``with``) to free the connection."""

    def __init__(
        self,
        base_url: str,
        auth: ApiAuth | None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        on_call: Callable[[CallRecord], None] | None = None,
        owned: bool = True,
        fields_spelling: str = "tweet.fields",
        http: httpx.Client | None = None,
        user_id: str | None = None,
        shared_windows: SharedWindows | None = None,
    ) -> None:
        """``http``, ``shared_windows``: see :class:`Transport`. ``user_id``: the X user id
        of the token's account when known (sign-in stores it), else None: look it up with
        ``get_me()``."""
        self.transport = Transport(
            base_url,
            auth,
            transport=transport,
            clock=clock,
            sleep=sleep,
            rng=rng,
            timeout=timeout,
            max_retries=max_retries,
            on_call=on_call,
            fields_spelling=fields_spelling,
            http=http,
            shared_windows=shared_windows,
        )
        # Private metrics are asked only with the owner's token: X answers 403 otherwise.
        self.owned = owned
        self.user_id = user_id

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def default_tweet_fields(self) -> tuple[str, ...]:
        return ep.TWEET_FIELDS_OWNED if self.owned else ep.TWEET_FIELDS_PUBLIC

    def _get(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str | int | None] | None = None,
        **path: str,
    ) -> tuple[dict[str, Any], CallRecord]:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        return self.transport.call("GET", endpoint, path_params=path, params=clean)

    # -- users ---------------------------------------------------------------------------

    def get_me(self, user_fields: Iterable[str] = ep.USER_FIELDS) -> dict[str, Any]:
        """The signed-in user (``/2/users/me``); needs a user-context token."""
        body, _ = self._get(ep.USERS_ME, {"user.fields": ",".join(user_fields)})
        _only_errors(body, "/2/users/me")
        return _data_object(body, "/2/users/me")

    def get_user(self, user_id: str, user_fields: Iterable[str] = ep.USER_FIELDS) -> dict[str, Any]:
        body, _ = self._get(ep.USER, {"user.fields": ",".join(user_fields)}, id=user_id)
        _only_errors(body, f"user {user_id}")
        return _data_object(body, f"user {user_id}")

    def get_user_by_username(
        self, username: str, user_fields: Iterable[str] = ep.USER_FIELDS
    ) -> dict[str, Any]:
        name = username.removeprefix("@")
        body, _ = self._get(
            ep.USER_BY_USERNAME, {"user.fields": ",".join(user_fields)}, username=name
        )
        _only_errors(body, f"user @{name}")
        return _data_object(body, f"user @{name}")

    # -- posts ---------------------------------------------------------------------------

    def iter_user_tweets(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        until_id: str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        pagination_token: str | None = None,
        fields: Iterable[str] | None = None,
        max_results: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Page]:
        """Pages of a user's posts, newest first; resume by passing a page's ``next_token``."""
        endpoint = ep.USER_TWEETS
        size = max_results or endpoint.page_size or 100
        params: dict[str, str | int | None] = {
            "max_results": size,
            "since_id": since_id,
            "until_id": until_id,
            "start_time": _iso(start_time),
            "end_time": _iso(end_time),
            "tweet.fields": ",".join(fields or self.default_tweet_fields()),
            "expansions": ",".join(ep.EXPANSIONS),
            "media.fields": ",".join(ep.MEDIA_FIELDS),
            "poll.fields": ",".join(ep.POLL_FIELDS),
        }
        token = pagination_token
        pages = 0
        while True:
            if token is not None and endpoint.token_param is not None:
                params[endpoint.token_param] = token
            body, record = self._get(endpoint, params, id=user_id)
            _only_errors(body, f"posts of user {user_id}")
            page = Page.from_body(body, record)
            yield page
            pages += 1
            token = page.next_token
            if token is None or (max_pages is not None and pages >= max_pages):
                return

    def lookup_tweets(self, ids: list[str], fields: Iterable[str] | None = None) -> Page:
        """Up to 100 posts by id in one call; missing ones come back in ``errors``."""
        limit = ep.TWEETS.id_batch or 100
        if len(ids) > limit:
            raise TooManyIds(f"lookup_tweets takes at most {limit} ids, got {len(ids)}")
        if not ids:
            return Page(data=[])
        params = {
            "ids": ",".join(ids),
            "tweet.fields": ",".join(fields or self.default_tweet_fields()),
            "expansions": ",".join(ep.EXPANSIONS),
            "media.fields": ",".join(ep.MEDIA_FIELDS),
            "poll.fields": ",".join(ep.POLL_FIELDS),
        }
        body, record = self._get(ep.TWEETS, params)
        return Page.from_body(body, record)

    def get_usage(self, days: int | None = None, fields: Iterable[str] = ()) -> dict[str, Any]:
        """``/2/usage/tweets``: the project's post-read usage and cap (app bearer); ``days``
        (1-90) and ``usage.fields`` (e.g. ``daily_project_usage``) as X takes them."""
        params: dict[str, Any] = {}
        if days is not None:
            params["days"] = days
        if fields:
            params["usage.fields"] = ",".join(fields)
        body, _ = self._get(ep.USAGE, params or None)
        return _data_object(body, "/2/usage/tweets")


def _data_object(body: dict[str, Any], what: str) -> dict[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise NotFound(f"{what}: the answer has no data", status=200, problem=body)
    return data
