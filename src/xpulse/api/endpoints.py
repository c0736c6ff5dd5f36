"""Every X API endpoint xpulse calls, described once.

The client never guesses a pagination parameter or a batch size from a URL: it reads them
here. Field lists use the 2.159 request names (``tweet.fields``, ``expansions``), which X's
docs and every recording use; with ``[api] fields_spelling = "post.fields"`` the transport
sends them as OpenAPI 2.167 spells them (:func:`respell`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from xpulse.errors import InvalidArgument

_ID = re.compile(r"[0-9]{1,19}")
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")

# Fields xpulse asks for on posts. Private metrics are asked only with an owner's token.
TWEET_FIELDS_PUBLIC = (
    "id",
    "text",
    "author_id",
    "created_at",
    "lang",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "attachments",
    "entities",
    "public_metrics",
)
TWEET_FIELDS_OWNED = (
    *TWEET_FIELDS_PUBLIC,
    "non_public_metrics",
    "organic_metrics",
    "promoted_metrics",  # absent on posts never promoted
)
EXPANSIONS = ("attachments.media_keys", "attachments.poll_ids", "referenced_tweets.id")
MEDIA_FIELDS = (
    "media_key",
    "type",
    "url",
    "preview_image_url",
    "duration_ms",
    "public_metrics",
    "variants",
)
SPELLINGS = ("tweet.fields", "post.fields")
# 2.159 name -> 2.167 name, in post fields and expansions
_TO_POST = {"referenced_tweets": "referenced_posts", "referenced_tweets.id": "referenced_posts"}


def respell(params: Mapping[str, str | int], spelling: str) -> dict[str, str | int]:
    """A query as ``spelling`` writes it: for ``post.fields``, ``tweet.fields`` renamed and
    the renamed fields and expansions (``referenced_tweets``) in their 2.167 names."""
    if spelling == "tweet.fields" or "tweet.fields" not in params:
        return dict(params)
    out: dict[str, str | int] = {}
    for name, value in params.items():
        if name in ("tweet.fields", "expansions"):
            items = dict.fromkeys(_TO_POST.get(v, v) for v in str(value).split(","))
            value = ",".join(items)
        out["post.fields" if name == "tweet.fields" else name] = value
    return out


POLL_FIELDS = ("id", "options", "voting_status", "end_datetime", "duration_minutes")
USER_FIELDS = ("id", "name", "username", "created_at", "public_metrics", "protected")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: its templated path (``:id`` placeholders) and its quirks."""

    name: str
    path: str
    reads_posts: bool = False  # the posts it returns are billed reads
    token_param: str | None = None  # the request parameter that takes next_token
    page_size: int | None = None  # max_results used (the endpoint's maximum)
    min_page_size: int | None = None
    id_batch: int | None = None  # how many ids one call takes
    user_context_only: bool = False

    def url_path(self, **params: str) -> str:
        path = self.path
        for key, value in params.items():
            pattern = _USERNAME if key == "username" else _ID
            if not pattern.fullmatch(value):
                raise InvalidArgument(f"{key} {value!r} is not a valid X {key}")
            path = path.replace(f":{key}", quote(value))
        if ":" in path:
            raise InvalidArgument(f"{self.path}: missing path parameter")
        return path


USERS_ME = Endpoint("users_me", "/2/users/me", user_context_only=True)
USER = Endpoint("user", "/2/users/:id")
USER_BY_USERNAME = Endpoint("user_by_username", "/2/users/by/username/:username")
USER_TWEETS = Endpoint(
    "user_tweets",
    "/2/users/:id/tweets",
    reads_posts=True,
    token_param="pagination_token",  # noqa: S106 - a parameter name
    page_size=100,
    min_page_size=5,
)
TWEETS = Endpoint("tweets", "/2/tweets", reads_posts=True, id_batch=100)
USAGE = Endpoint("usage", "/2/usage/tweets")
OAUTH_TOKEN = Endpoint("oauth2_token", "/2/oauth2/token")
OAUTH_REVOKE = Endpoint("oauth2_revoke", "/2/oauth2/revoke")

ALL = (USERS_ME, USER, USER_BY_USERNAME, USER_TWEETS, TWEETS, USAGE, OAUTH_TOKEN, OAUTH_REVOKE)
