"""Where the runner gets pages: a narrow protocol, and its implementation over XClient.

The runner needs three things from the API (the user id, timeline pages, id lookups) and
the exact URL of each page for provenance. Keeping that surface small lets tests drive the
runner with an in-process fake, and keeps the request shape (fields, expansions) in one
place: only ``attachments.media_keys`` is expanded, because X bills every post delivered,
``includes.tweets`` too, and the referenced posts are not needed for metrics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from xpulse.api import endpoints as ep
from xpulse.api.client import Page, XClient
from xpulse.collect.profile import USER_FIELDS as PROFILE_FIELDS
from xpulse.collect.profile import ProfileRead, counts_of
from xpulse.errors import ConfigError

PUBLIC_TWEET_FIELDS = ep.TWEET_FIELDS_PUBLIC
PRIVATE_TWEET_FIELDS = ep.TWEET_FIELDS_OWNED
PUBLIC_MEDIA_FIELDS = (
    "media_key",
    "type",
    "url",
    "preview_image_url",
    "duration_ms",
    "width",
    "height",
    "alt_text",
    "public_metrics",
)
PRIVATE_MEDIA_FIELDS = (*PUBLIC_MEDIA_FIELDS, "non_public_metrics", "organic_metrics")
EXPANSIONS = ("attachments.media_keys",)
# public_metrics and created_at ride on the same user read: the post count sizes a first
# sweep, and the profile counts come free with the lookup
USER_FIELDS = ("id", "username", "created_at", "public_metrics")


@dataclass(frozen=True)
class Fetched:
    """One answer as the runner stores it."""

    endpoint: str  # templated path, e.g. "/2/tweets"
    url: str  # the request URL (no credentials): provenance of the stored JSON
    data: list[dict[str, Any]]
    includes: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    next_token: str | None = None


@dataclass(frozen=True)
class UserId:
    id: str
    users_read: int  # user objects delivered (billed as user reads)
    post_count: int | None = None  # public_metrics.tweet_count, when read
    created_at: datetime | None = None
    counts: dict[str, int | None] | None = None  # profile counts, when a lookup was made


def _user_id(user: dict[str, Any]) -> UserId:
    metrics = user.get("public_metrics")
    count = metrics.get("tweet_count") if isinstance(metrics, dict) else None
    created = user.get("created_at")
    when = datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else None
    return UserId(
        str(user["id"]), 1, count if isinstance(count, int) else None, when, counts_of(user)
    )


class Source(Protocol):
    def user_id(self) -> UserId: ...

    def timeline(
        self,
        user_id: str,
        *,
        since_id: str | None,
        start_time: datetime | None,
        pagination_token: str | None,
        private: bool,
        end_time: datetime | None = None,
    ) -> Iterator[Fetched]: ...

    def lookup(self, ids: list[str], *, private: bool) -> Fetched: ...


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class XClientSource:
    """:class:`Source` over xpulse's API client (its transport: auth, retries, limits)."""

    def __init__(self, client: XClient, username: str, *, user_token: bool) -> None:
        self.client = client
        self.username = username
        self.user_token = user_token

    def signed_in_user_id(self) -> str | None:
        """The user id the sign-in stored with the token (no call needed), if any."""
        known = getattr(self.client, "user_id", None)
        return str(known) if self.user_token and known else None

    def user_id(self) -> UserId:
        known = self.signed_in_user_id()
        if known is not None:  # no call, no read
            return UserId(known, 0)
        if self.user_token:
            me = self.client.get_me(USER_FIELDS)
            if str(me.get("username", "")).lower() != self.username.lower():
                raise ConfigError(
                    f"the token for @{self.username} belongs to @{me.get('username')}; "
                    "sign in again with the right account"
                )
            return _user_id(me)
        return _user_id(self.client.get_user_by_username(self.username, USER_FIELDS))

    def profile(self, user_id: str) -> ProfileRead:
        """The user's ``public_metrics`` (one user read): followers, following, posts, lists."""
        user = self.client.get_user(user_id, PROFILE_FIELDS)
        return ProfileRead(str(user.get("id") or user_id), counts_of(user), 1)

    def _fields(self, private: bool) -> dict[str, str]:
        return {
            "tweet.fields": ",".join(PRIVATE_TWEET_FIELDS if private else PUBLIC_TWEET_FIELDS),
            "expansions": ",".join(EXPANSIONS),
            "media.fields": ",".join(PRIVATE_MEDIA_FIELDS if private else PUBLIC_MEDIA_FIELDS),
        }

    def _url(self, path: str, params: dict[str, str | int]) -> str:
        return f"{self.client.base_url}{path}?{urlencode(params)}"

    def timeline(
        self,
        user_id: str,
        *,
        since_id: str | None,
        start_time: datetime | None,
        pagination_token: str | None,
        private: bool,
        end_time: datetime | None = None,
    ) -> Iterator[Fetched]:
        endpoint = ep.USER_TWEETS
        params: dict[str, str | int] = {
            "max_results": endpoint.page_size or 100,
            **self._fields(private),
        }
        if start_time is not None:
            params["start_time"] = _iso(start_time)
        if end_time is not None:
            params["end_time"] = _iso(end_time)
        if since_id is not None:
            params["since_id"] = since_id
        token = pagination_token
        while True:
            if token is not None:
                params["pagination_token"] = token
            body, _ = self.client.transport.call(
                "GET", endpoint, path_params={"id": user_id}, params=params
            )
            page = Page.from_body(body)
            path = endpoint.url_path(id=user_id)
            yield Fetched(
                endpoint.path,
                self._url(path, params),
                page.data,
                page.includes,
                page.errors,
                page.meta,
                page.next_token,
            )
            token = page.next_token
            if token is None:
                return

    def lookup(self, ids: list[str], *, private: bool) -> Fetched:
        endpoint = ep.TWEETS
        params: dict[str, str | int] = {"ids": ",".join(ids), **self._fields(private)}
        body, _ = self.client.transport.call("GET", endpoint, params=params)
        page = Page.from_body(body)
        return Fetched(
            endpoint.path, self._url(endpoint.path, params), page.data, page.includes, page.errors
        )
