"""Query parsing and validation, answering bad input with the real API's 400 body.

Every endpoint is described once in :data:`ENDPOINTS` (its query parameters); values are
checked against the OpenAPI enums and patterns of the request's dialect.

**Dialects.** OpenAPI 2.167 renames Tweet to Post on the wire (``post.fields``,
``expansions=referenced_posts``, ``most_recent_post_id``); X's narrative docs and every
recording use the 2.159 names. A request that uses a 2.167-only name (the ``post.fields``
parameter, or a 2.167-only value of ``expansions`` or ``user.fields``) is read in 2.167 and
answered in 2.167 names; any other request is read and answered in 2.159. The whole request
is then checked against its dialect's parameter table and enums, so mixing spellings (both
``tweet.fields`` and ``post.fields``, or ``post.fields=referenced_tweets``) is the 400 that
spec's rules give. ``post.fields`` also takes the Post object's fields the 2.167 enum leaves
out (``author_id``, ``in_reply_to_user_id``, ``referenced_posts``, ``edit_history_post_ids``),
and 2.167 ``user.fields`` the User's ``most_recent_post_id``/``pinned_post_id``/``affiliation``:
the spec's own responses carry them, and a client asking for them is not mixing. Internally
every name is the 2.159 one (:class:`Fields`), so one object builder serves both.

All problems in one request are reported together, each as
``{"parameters": {name: [raw values]}, "message": ...}`` with the wording of the recorded
400s (``The `ids` query parameter value [NA] does not match ^[0-9]{1,19}$``).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xsim.clock import parse_instant

TWEET_FIELDS = (
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
    "conversation_id", "created_at", "display_text_range", "edit_controls",
    "edit_history_tweet_ids", "entities", "geo", "id", "in_reply_to_user_id", "lang",
    "media_metadata", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets",
    "reply_settings", "scopes", "source", "suggested_source_links",
    "suggested_source_links_with_counts", "text", "withheld",
)  # fmt: skip
TWEET_EXPANSIONS = (
    "article.cover_media", "article.media_entities", "attachments.media_keys",
    "attachments.media_source_tweet", "attachments.poll_ids", "author_id",
    "edit_history_tweet_ids", "entities.mentions.username", "geo.place_id",
    "in_reply_to_user_id", "entities.note.mentions.username", "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys", "referenced_tweets.id.author_id",
)  # fmt: skip
MEDIA_FIELDS = (
    "alt_text", "duration_ms", "height", "media_key", "non_public_metrics", "organic_metrics",
    "preview_image_url", "promoted_metrics", "public_metrics", "type", "url", "variants",
    "width",
)  # fmt: skip
POLL_FIELDS = ("duration_minutes", "end_datetime", "id", "options", "voting_status")
USER_FIELDS = (
    "affiliation", "confirmed_email", "connection_status", "created_at", "description",
    "entities", "id", "is_identity_verified", "location", "most_recent_tweet_id", "name",
    "parody", "pinned_tweet_id", "profile_banner_url", "profile_image_url", "protected",
    "public_metrics", "receives_your_dm", "subscription", "subscription_type", "url",
    "username", "verified", "verified_followers_count", "verified_type", "withheld",
)  # fmt: skip
PLACE_FIELDS = (
    "contained_within", "country", "country_code", "full_name", "geo", "id", "name",
    "place_type",
)  # fmt: skip
USER_EXPANSIONS = ("affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id")
USAGE_FIELDS = (
    "cap_reset_day", "daily_client_app_usage", "daily_project_usage", "project_cap",
    "project_id", "project_usage",
)  # fmt: skip
EXCLUDE = ("replies", "retweets")

# OpenAPI 2.167 (PostFieldsParameter, PostExpansionsParameter, UserExpansionsParameter,
# UserFieldsParameter), then the Post/User object fields the enums leave out.
POST_FIELDS = (
    "article", "article_title", "attachments", "card_uri", "community_id",
    "context_annotations", "conversation_id", "created_at", "display_text_range",
    "edit_controls", "entities", "geo", "id", "lang", "matched_media_notes", "media_metadata",
    "non_public_metrics", "note_post", "note_request_suggestions", "organic_metrics",
    "paid_partnership", "possibly_sensitive", "promoted_metrics", "public_metrics",
    "reply_settings", "scopes", "source", "suggested_source_links",
    "suggested_source_links_with_counts", "text", "withheld",
    "author_id", "in_reply_to_user_id", "referenced_posts", "edit_history_post_ids",
)  # fmt: skip
POST_EXPANSIONS = (
    "article.cover_media", "article.media_entities", "attachments.media_keys",
    "attachments.media_source_tweet", "attachments.poll_ids", "author_id",
    "edit_history_post_ids", "entities.mentions.username", "geo.place_id",
    "in_reply_to_user_id", "referenced_posts", "username",
)  # fmt: skip
USER_EXPANSIONS_167 = ("affiliation", "most_recent_post_id", "pinned_post_id")
USER_FIELDS_167 = (
    "confirmed_email", "connection_status", "created_at", "description", "entities", "id",
    "is_identity_verified", "location", "name", "parody", "profile_banner_url",
    "profile_image_url", "protected", "public_metrics", "receives_your_dm",
    "subscribes_to_you", "subscription", "subscription_type", "url", "username", "verified",
    "verified_followers_count", "verified_type", "withheld",
    "most_recent_post_id", "pinned_post_id", "affiliation",
)  # fmt: skip
# 2.167 name -> the 2.159 name xsim uses inside ("username": the post's author, the only
# user a Post's ``username`` can name).
TO_159 = {
    "referenced_posts": "referenced_tweets.id",
    "edit_history_post_ids": "edit_history_tweet_ids",
    "note_post": "note_tweet",
    "username": "author_id",
    "affiliation": "affiliation.user_id",
    "most_recent_post_id": "most_recent_tweet_id",
    "pinned_post_id": "pinned_tweet_id",
}
_POST_FIELD_TO_159 = {"referenced_posts": "referenced_tweets"} | {
    k: v for k, v in TO_159.items() if k in ("edit_history_post_ids", "note_post")
}
# Values only 2.167 spells, per parameter (a request using one is read as 2.167).
_ONLY_167 = {
    "expansions": frozenset(POST_EXPANSIONS + USER_EXPANSIONS_167)
    - frozenset(TWEET_EXPANSIONS + USER_EXPANSIONS),
    "user.fields": frozenset(USER_FIELDS_167) - frozenset(USER_FIELDS),
    "analytics.fields": frozenset({"timestamped_metrics"}),
    "media_analytics.fields": frozenset({"timestamped_metrics"}),
}
DIALECTS = ("2.159", "2.167")

_TWEET_FIELD_PARAMS = ("tweet.fields", "media.fields", "poll.fields", "user.fields", "place.fields")
_ENUMS: dict[str, tuple[str, ...]] = {
    "tweet.fields": TWEET_FIELDS,
    "media.fields": MEDIA_FIELDS,
    "poll.fields": POLL_FIELDS,
    "user.fields": USER_FIELDS,
    "place.fields": PLACE_FIELDS,
    "usage.fields": USAGE_FIELDS,
    "exclude": EXCLUDE,
}

# The query parameters of each endpoint, in the spec's order (used in "is not one of").
ENDPOINTS: dict[str, tuple[str, ...]] = {
    "users_me": ("expansions", "tweet.fields", "user.fields"),
    "users_id": ("expansions", "tweet.fields", "user.fields"),
    "users_by_username": ("expansions", "tweet.fields", "user.fields"),
    "users_tweets": (
        "since_id",
        "until_id",
        "max_results",
        "pagination_token",
        "exclude",
        "start_time",
        "end_time",
        "expansions",
        *_TWEET_FIELD_PARAMS,
    ),
    "tweets": ("ids", "expansions", *_TWEET_FIELD_PARAMS),
    "tweets_id": ("expansions", *_TWEET_FIELD_PARAMS),
    "usage_tweets": ("days", "usage.fields"),
    "tweets_analytics": ("ids", "end_time", "start_time", "granularity", "analytics.fields"),
    "media_analytics": (
        "media_keys",
        "end_time",
        "start_time",
        "granularity",
        "media_analytics.fields",
    ),
}
USER_ENDPOINTS = frozenset({"users_me", "users_id", "users_by_username"})


def dialect_of(query: list[tuple[str, str]]) -> str:
    """``"2.167"`` if the request spells anything the 2.167 way, else ``"2.159"``."""
    for name, value in query:
        if name == "post.fields":
            return "2.167"
        only = _ONLY_167.get(name)
        if only is not None and not only.isdisjoint(value.split(",")):
            return "2.167"
    return "2.159"


def _parameters(endpoint: str, dialect: str) -> tuple[str, ...]:
    names = ENDPOINTS[endpoint]
    if dialect == "2.159":
        return names
    return tuple("post.fields" if n == "tweet.fields" else n for n in names)


ID_PATTERN = "^[0-9]{1,19}$"
USERNAME_PATTERN = "^[A-Za-z0-9_]{1,15}$"
_ID_RE = re.compile(ID_PATTERN)
_USERNAME_RE = re.compile(USERNAME_PATTERN)
_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


class InvalidRequest(Exception):
    """One or more bad parameters; ``errors`` is the body's ``errors`` list."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e["message"]) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Fields:
    """What the caller asked to see: fields per object type and expansions."""

    tweet: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    media: frozenset[str] = frozenset()
    poll: frozenset[str] = frozenset()
    place: frozenset[str] = frozenset()
    expansions: frozenset[str] = frozenset()
    dialect: str = "2.159"  # the names the answer uses (see the module docstring)


@dataclass(frozen=True)
class PageToken:
    """Where a page starts: strictly older (``older``) or newer than ``boundary``."""

    boundary: int
    older: bool


@dataclass(frozen=True)
class TimelineQuery:
    fields: Fields
    max_results: int = 10
    page: PageToken | None = None
    since_id: int | None = None
    until_id: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    exclude: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UsageQuery:
    days: int = 7
    fields: frozenset[str] = frozenset()


_TOKEN_CHARS = frozenset("0123456789abcdef")


def _check(body: str) -> str:
    return format(zlib.crc32(body.encode()) & 0xFFFF, "04x")


def encode_page_token(token: PageToken) -> str:
    """An opaque lowercase token (the recordings' look like ``7140dibdnow9...``).

    It carries the page boundary (a post id) and the direction, plus a check so that a
    made-up or mangled token is refused with a 400 instead of silently paging wrong.
    """
    body = format(token.boundary * 2 + (0 if token.older else 1), "x")
    return body + _check(body)


def decode_page_token(text: str) -> PageToken | None:
    if not 5 <= len(text) <= 40 or not _TOKEN_CHARS.issuperset(text):
        return None
    body, check = text[:-4], text[-4:]
    if _check(body) != check:
        return None
    value = int(body, 16)
    return PageToken(boundary=value // 2, older=value % 2 == 0)


class QueryReader:
    """Reads one request's query, collecting every problem before failing."""

    def __init__(self, endpoint: str, query: list[tuple[str, str]]) -> None:
        self.errors: list[dict[str, Any]] = []
        self.values: dict[str, str] = {}
        self.dialect = dialect_of(query)
        allowed = _parameters(endpoint, self.dialect)
        for name, value in query:
            if name not in allowed:
                self.error(
                    name,
                    [value],
                    f"The query parameter [{name}] is not one of [{','.join(allowed)}]",
                )
            else:
                self.values[name] = value  # a repeated parameter: the last one wins

    def error(self, name: str, values: list[str], message: str) -> None:
        self.errors.append({"parameters": {name: values}, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidRequest(self.errors)

    def enum_list(self, name: str, allowed: tuple[str, ...]) -> frozenset[str]:
        raw = self.values.get(name)
        if raw is None:
            return frozenset()
        items = raw.split(",")
        good: set[str] = set()
        for item in items:
            if item in allowed:
                good.add(item)
            else:
                self.error(
                    name,
                    [raw],
                    f"The `{name}` query parameter value [{item}] is not one of "
                    f"[{', '.join(allowed)}]",
                )
        return frozenset(good)

    def int_in_range(self, name: str, low: int, high: int, default: int) -> int:
        raw = self.values.get(name)
        if raw is None:
            return default
        try:
            value = int(raw, 10)
        except ValueError:
            value = low - 1
        if not low <= value <= high or not raw.strip().lstrip("+-").isdigit():
            self.error(
                name,
                [raw],
                f"The `{name}` query parameter value [{raw}] is not between {low} and {high}",
            )
            return default
        return value

    def id_list(self, name: str, most: int) -> list[str]:
        """A comma-separated list of 1..``most`` ids, each ``^[0-9]{1,19}$``; a repeated id
        is kept once (X answers it once), after the count is checked as sent."""
        raw = self.values.get(name)
        if not raw:
            self.error(
                name, [] if raw is None else [raw], f"The `{name}` query parameter can not be empty"
            )
            return []
        ids = raw.split(",")
        bad = [i for i in ids if not _ID_RE.match(i)]
        if bad:
            self.error(
                name,
                [raw],
                f"The `{name}` query parameter value [{bad[0]}] does not match {ID_PATTERN}",
            )
        elif len(ids) > most:
            self.error(
                name,
                [raw],
                f"The number of values in the `{name}` query parameter list [{len(ids)}] "
                f"is not between 1 and {most}",
            )
        return list(dict.fromkeys(ids))

    def post_id(self, name: str) -> int | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        if not _ID_RE.match(raw):
            self.error(
                name,
                [raw],
                f"The `{name}` query parameter value [{raw}] does not match {ID_PATTERN}",
            )
            return None
        return int(raw)

    def instant(self, name: str) -> datetime | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        if _TIME_RE.match(raw):
            try:
                return parse_instant(raw)
            except ValueError:
                pass
        self.error(
            name,
            [raw],
            f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 "
            "date-time (YYYY-MM-DDTHH:mm:ssZ)",
        )
        return None

    def fields(self, endpoint: str) -> Fields:
        users = endpoint in USER_ENDPOINTS
        if self.dialect == "2.167":
            post = self.enum_list("post.fields", POST_FIELDS)
            expansions = self.enum_list(
                "expansions", USER_EXPANSIONS_167 if users else POST_EXPANSIONS
            )
            user = self.enum_list("user.fields", USER_FIELDS_167)
            return Fields(
                tweet=frozenset(_POST_FIELD_TO_159.get(f, f) for f in post),
                user=frozenset(TO_159.get(f, f) for f in user),
                media=self.enum_list("media.fields", MEDIA_FIELDS),
                poll=self.enum_list("poll.fields", POLL_FIELDS),
                place=self.enum_list("place.fields", PLACE_FIELDS),
                expansions=frozenset(TO_159.get(e, e) for e in expansions),
                dialect="2.167",
            )
        return Fields(
            tweet=self.enum_list("tweet.fields", TWEET_FIELDS),
            user=self.enum_list("user.fields", USER_FIELDS),
            media=self.enum_list("media.fields", MEDIA_FIELDS),
            poll=self.enum_list("poll.fields", POLL_FIELDS),
            place=self.enum_list("place.fields", PLACE_FIELDS),
            expansions=self.enum_list("expansions", USER_EXPANSIONS if users else TWEET_EXPANSIONS),
        )


def check_path_id(name: str, raw: str) -> str:
    """A path ``{id}``: digits only, else the 400 the real API gives."""
    if not _ID_RE.match(raw):
        msg = f"The `{name}` query parameter value [{raw}] does not match {ID_PATTERN}"
        raise InvalidRequest([{"parameters": {name: [raw]}, "message": msg}])
    return raw


def check_username(raw: str) -> str:
    if not _USERNAME_RE.match(raw):
        msg = f"The `username` query parameter value [{raw}] does not match {USERNAME_PATTERN}"
        raise InvalidRequest([{"parameters": {"username": [raw]}, "message": msg}])
    return raw


def parse_fields(endpoint: str, query: list[tuple[str, str]]) -> Fields:
    """Fields and expansions of a lookup endpoint (users/me, users/{id}, tweets/{id})."""
    c = QueryReader(endpoint, query)
    fields = c.fields(endpoint)
    c.raise_if_any()
    return fields


def parse_ids(query: list[tuple[str, str]]) -> tuple[list[str], Fields]:
    """``GET /2/tweets``: 1–100 ids, each ``^[0-9]{1,19}$``."""
    c = QueryReader("tweets", query)
    fields = c.fields("tweets")
    ids = c.id_list("ids", 100)
    c.raise_if_any()
    return ids, fields


def parse_timeline(query: list[tuple[str, str]]) -> TimelineQuery:
    """``GET /2/users/{id}/tweets`` parameters."""
    c = QueryReader("users_tweets", query)
    fields = c.fields("users_tweets")
    max_results = c.int_in_range("max_results", 5, 100, 10)
    since_id, until_id = c.post_id("since_id"), c.post_id("until_id")
    start, end = c.instant("start_time"), c.instant("end_time")
    exclude = c.enum_list("exclude", EXCLUDE)
    page: PageToken | None = None
    raw_token = c.values.get("pagination_token")
    if raw_token is not None:
        page = decode_page_token(raw_token)
        if page is None:
            c.error(
                "pagination_token",
                [raw_token],
                f"The `pagination_token` query parameter value [{raw_token}] is not valid",
            )
    if start is not None and end is not None and start >= end:
        s, e = c.values["start_time"], c.values["end_time"]
        c.errors.append(
            {
                "parameters": {"start_time": [s], "end_time": [e]},
                "message": (
                    f"Invalid 'start_time':'{s}'. 'start_time' must be before 'end_time':{e}"
                ),
            }
        )
    if since_id is not None and until_id is not None and since_id >= until_id:
        s, u = c.values["since_id"], c.values["until_id"]
        c.errors.append(
            {
                "parameters": {"since_id": [s], "until_id": [u]},
                "message": f"Invalid 'since_id':'{s}'. 'since_id' must be less than 'until_id':{u}",
            }
        )
    c.raise_if_any()
    return TimelineQuery(
        fields=fields,
        max_results=max_results,
        page=page,
        since_id=since_id,
        until_id=until_id,
        start_time=start,
        end_time=end,
        exclude=exclude,
    )


def parse_usage(query: list[tuple[str, str]]) -> UsageQuery:
    c = QueryReader("usage_tweets", query)
    days = c.int_in_range("days", 1, 90, 7)
    fields = c.enum_list("usage.fields", USAGE_FIELDS)
    c.raise_if_any()
    return UsageQuery(days=days, fields=fields)
