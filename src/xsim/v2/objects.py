"""Post, user, media and poll objects on the wire, with fields, expansions and access rules.

Private metrics (``non_public_metrics``, ``organic_metrics``, ``promoted_metrics`` on posts,
and the video ones on media) are shown only to a user token of the post's author, and only
while the post is less than 30 days old. Otherwise the real API answers HTTP 200 with a
``not-authorized-for-field`` partial error (``FieldUnauthorizedProblem`` in the 2.159 spec,
which carries ``section: data|includes``) *and leaves that object out*: client reports show
the post or referenced post missing beside a "Field Authorization Error", not returned
without the fields, and no 403. xsim does the same. ``promoted_metrics`` of a post that was
never promoted are simply absent. App-only bearer tokens get public metrics only.
Follower and following counts: X's documentation lists them in users' ``public_metrics``
on every plan, and xsim shows them (``World.follower_counts = "every-plan"``, the default).
A published guide says they went from *all* self-serve tiers (Pro included) in April 2026 and remain
on Enterprise only; a world with ``"follower_counts": "enterprise-only"`` leaves them out of
self-serve apps' answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from xsim.clock import as_utc, iso_z
from xsim.v2 import problems
from xsim.v2.jsonbody import Raw, encode
from xsim.v2.params import Fields
from xsim.v2.timeline import TimelineIndex
from xsim.world.curves import PostMetrics, media_metrics_at, post_metrics_at
from xsim.world.model import Media, Plan, Post, User, World

PRIVATE_WINDOW = timedelta(days=30)
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics", "promoted_metrics")
SELF_SERVE: frozenset[Plan] = frozenset({"free", "basic", "pro", "pay-per-use"})
Json = dict[str, Any]
DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"


@dataclass(frozen=True)
class Wire:
    """The names an answer uses: OpenAPI 2.159's (Tweet) or 2.167's (Post)."""

    edit_history: str
    referenced: str
    reposts: str
    posts_include: str
    most_recent: str
    post_count: str
    referenced_parameter: str  # what a partial error names for the referenced-post expansion


WIRES = {
    "2.159": Wire("edit_history_tweet_ids", "referenced_tweets", "retweet_count", "tweets",
                  "most_recent_tweet_id", "tweet_count", "referenced_tweets.id"),
    "2.167": Wire("edit_history_post_ids", "referenced_posts", "repost_count", "posts",
                  "most_recent_post_id", "post_count", "referenced_posts"),
}  # fmt: skip


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a user token (with its user) or an app-only bearer token."""

    kind: str  # "user" | "app"
    user_id: str | None
    plan: Plan


class MetricsCache:
    """Metrics at one instant, shared by requests while the clock stands still."""

    MAX_POSTS = 500_000  # a bound on what one instant may hold

    def __init__(self) -> None:
        self._now: datetime | None = None
        self._posts: dict[str, PostMetrics] = {}
        self._json: dict[tuple[str, frozenset[str], str], Raw] = {}
        self._created: dict[str, str] = {}  # created_at never changes: format it once

    def _at(self, now: datetime) -> None:
        if now != self._now or len(self._json) > self.MAX_POSTS:
            self._posts, self._json = {}, {}
            self._now = now

    def tweet_json(self, builder: ObjectBuilder, post: Post) -> Raw:
        """A post's JSON for these tweet.fields at this instant (the same for every viewer
        allowed to see it: access is decided before a post is built)."""
        self._at(builder.now)
        key = (post.id, builder.fields.tweet, builder.fields.dialect)
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = Raw(encode(builder.tweet(post)))
        return text

    def created_at(self, post: Post) -> str:
        text = self._created.get(post.id)
        if text is None:
            text = self._created[post.id] = iso_z(post.created_at)
        return text

    def post(self, post: Post, now: datetime) -> PostMetrics:
        self._at(now)
        cached = self._posts.get(post.id)
        if cached is None:
            cached = post_metrics_at(post, now)
            self._posts[post.id] = cached
        return cached


@dataclass
class BodyParts:
    """What a handler puts in the body: ``data`` items, ``includes`` and ``errors``."""

    data: list[Json | Raw] = field(default_factory=list)
    includes: dict[str, list[Json | Raw]] = field(default_factory=dict)
    errors: list[Json] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)  # every post delivered (for billing)
    users: list[User] = field(default_factory=list)  # every user delivered (for billing)


class ObjectBuilder:
    """Builds the wire objects for one request (one instant, one viewer, one set of fields)."""

    def __init__(
        self,
        world: World,
        index: TimelineIndex,
        cache: MetricsCache,
        now: datetime,
        viewer: Viewer,
        fields: Fields,
    ) -> None:
        self.world, self.index, self.cache = world, index, cache
        self.now, self.viewer, self.fields = now, viewer, fields
        self._private = [f for f in PRIVATE_FIELDS if f in fields.tweet]
        self._media_private = [f for f in PRIVATE_FIELDS if f in fields.media]
        self.wire = WIRES[fields.dialect]

    # -- access rules -------------------------------------------------------------------

    def can_see(self, post: Post) -> bool:
        """Protected authors' posts are visible to that author only."""
        author = self.world.users.get(post.author_id)
        return author is None or not author.protected or self.viewer.user_id == author.id

    def owns_recent(self, post: Post) -> bool:
        return (
            self.viewer.kind == "user"
            and self.viewer.user_id == post.author_id
            and self.now - as_utc(post.created_at) < PRIVATE_WINDOW
        )

    def denied_field(self, post: Post) -> str | None:
        """The first private tweet field this viewer asked for but may not read."""
        if self._private and not self.owns_recent(post):
            return f"{self._private[0]}.impression_count"
        return None

    # -- objects ------------------------------------------------------------------------

    def tweet(self, post: Post) -> Json:
        out: Json = {"id": post.id, "text": post.text, self.wire.edit_history: [post.id]}
        want = self.fields.tweet
        if not want:
            return out
        if "created_at" in want:
            out["created_at"] = self.cache.created_at(post)
        if "author_id" in want:
            out["author_id"] = post.author_id
        if "conversation_id" in want:
            out["conversation_id"] = post.conversation_id or post.id
        if "lang" in want:
            out["lang"] = post.lang
        if "possibly_sensitive" in want:
            out["possibly_sensitive"] = post.possibly_sensitive
        if "entities" in want and post.entities:
            out["entities"] = post.entities
        if "attachments" in want:
            attachments: Json = {}
            if post.media_keys:
                attachments["media_keys"] = list(post.media_keys)
            if post.poll:
                attachments["poll_ids"] = [str(post.poll["id"])]
            if attachments:
                out["attachments"] = attachments
        if "referenced_tweets" in want and post.references:
            out[self.wire.referenced] = [{"type": r.type, "id": r.id} for r in post.references]
        if "in_reply_to_user_id" in want:
            parent = self._replied_to(post)
            if parent is not None:
                out["in_reply_to_user_id"] = parent.author_id
        if "reply_settings" in want:
            out["reply_settings"] = "everyone"
        if "display_text_range" in want:
            out["display_text_range"] = [0, len(post.text)]
        if "edit_controls" in want:
            created = as_utc(post.created_at)
            out["edit_controls"] = {
                "edits_remaining": 5,
                "is_edit_eligible": not post.references,
                "editable_until": iso_z(created + timedelta(hours=1)),
            }
        if "public_metrics" in want or self._private:
            self._metrics(post, out)
        return out

    def _metrics(self, post: Post, out: Json) -> None:
        m = self.cache.post(post, self.now)
        want = self.fields.tweet
        reposts = self.wire.reposts
        if "public_metrics" in want:
            out["public_metrics"] = {
                reposts: m.reposts,
                "reply_count": m.replies,
                "like_count": m.likes,
                "quote_count": m.quotes,
                "bookmark_count": m.bookmarks,
                "impression_count": m.impressions,
            }
        if "non_public_metrics" in want:
            out["non_public_metrics"] = {
                "impression_count": m.impressions,
                "url_link_clicks": m.url_link_clicks,
                "user_profile_clicks": m.user_profile_clicks,
            }
        if "organic_metrics" in want:
            out["organic_metrics"] = {
                "impression_count": m.organic_impressions,
                "like_count": m.organic_likes,
                "reply_count": m.organic_replies,
                reposts: m.organic_reposts,
                "url_link_clicks": m.organic_url_link_clicks,
                "user_profile_clicks": m.organic_user_profile_clicks,
            }
        if "promoted_metrics" in want and post.promoted:
            out["promoted_metrics"] = {
                "impression_count": m.promoted_impressions,
                "like_count": m.promoted_likes,
                "reply_count": m.promoted_replies,
                reposts: m.promoted_reposts,
                "url_link_clicks": m.promoted_url_link_clicks,
                "user_profile_clicks": m.promoted_user_profile_clicks,
            }

    def _replied_to(self, post: Post) -> Post | None:
        for ref in post.references:
            if ref.type == "replied_to":
                return self.world.posts.get(ref.id)
        return None

    def user(self, user: User, fields: frozenset[str] | None = None) -> Json:
        want = self.fields.user if fields is None else fields
        out: Json = {"id": user.id, "name": user.name, "username": user.username}
        if not want:
            return out
        if "created_at" in want:
            out["created_at"] = iso_z(user.created_at)
        if "description" in want:
            out["description"] = user.description
        if "location" in want and user.location:
            out["location"] = user.location
        if "url" in want:
            out["url"] = user.url or ""
        if "protected" in want:
            out["protected"] = user.protected
        if "verified" in want:
            out["verified"] = user.verified
        if "verified_type" in want:
            out["verified_type"] = "blue" if user.verified else "none"
        if "profile_image_url" in want:  # X shows its default avatar when none was set
            out["profile_image_url"] = user.profile_image_url or DEFAULT_AVATAR
        if "most_recent_tweet_id" in want:
            newest = self.index.newest_at(user.id, self.now)
            if newest is not None:
                out[self.wire.most_recent] = newest.id
        if "public_metrics" in want:
            metrics: Json = {}
            if self.world.follower_counts == "every-plan" or self.viewer.plan not in SELF_SERVE:
                metrics["followers_count"] = user.followers_count
                metrics["following_count"] = user.following_count
            metrics[self.wire.post_count] = self.index.count_at(user.id, self.now)
            metrics["listed_count"] = user.listed_count
            metrics["like_count"] = user.like_count
            out["public_metrics"] = metrics
        return out

    def media(self, media: Media, carrier: Post) -> Json:
        out: Json = {"media_key": media.media_key, "type": media.type}
        want = self.fields.media
        if not want:
            return out
        for name in ("url", "preview_image_url", "width", "height", "alt_text"):
            value = getattr(media, name)
            if name in want and value is not None:
                out[name] = value
        if media.type != "video":
            return out
        if "duration_ms" in want and media.duration_ms is not None:
            out["duration_ms"] = media.duration_ms
        private = [f for f in self._media_private if f != "promoted_metrics" or carrier.promoted]
        if "public_metrics" not in want and not private:
            return out
        mm = media_metrics_at(media, carrier, self.now)
        if "public_metrics" in want:
            out["public_metrics"] = {"view_count": mm.view_count}
        plays = {
            "playback_0_count": mm.playback_0_count,
            "playback_25_count": mm.playback_25_count,
            "playback_50_count": mm.playback_50_count,
            "playback_75_count": mm.playback_75_count,
            "playback_100_count": mm.playback_100_count,
        }
        share = carrier.final.promoted_share if carrier.promoted else 0.0
        for name in private:
            if name == "non_public_metrics":
                out[name] = dict(plays)
            else:
                part = share if name == "promoted_metrics" else 1.0 - share
                split = {k: round(v * part) for k, v in plays.items()}
                split["view_count"] = round(mm.view_count * part)
                out[name] = split
        return out

    def poll(self, poll: dict[str, Any]) -> Json:
        out: Json = {"id": str(poll["id"]), "options": list(poll.get("options", []))}
        for name in self.fields.poll:
            if name in poll and name not in out:
                out[name] = poll[name]
        return out

    # -- whole responses ----------------------------------------------------------------

    def posts(self, posts: list[Post], parameter: str) -> BodyParts:
        """``data`` for visible posts plus their expansions; partial errors for the rest."""
        result = BodyParts()
        for post in posts:
            denied = self.denied_field(post)
            if denied is not None:
                result.errors.append(
                    problems.field_unauthorized("tweet", denied, parameter, post.id, "data")
                )
                continue
            result.data.append(self.cache.tweet_json(self, post))
            result.posts.append(post)
        if self.fields.expansions:
            self._expand(result)
        return result

    def _expand(self, result: BodyParts) -> None:
        exp = self.fields.expansions
        delivered = list(result.posts)
        users: dict[str, User] = {}
        tweets: dict[str, Json | Raw] = {}
        media: dict[str, Json] = {}
        polls: dict[str, Json] = {}

        def add_user(user_id: str | None) -> None:
            if user_id and user_id not in users and user_id in self.world.users:
                users[user_id] = self.world.users[user_id]

        def add_media(post: Post, parameter: str) -> None:
            for key in post.media_keys:
                item = self.world.media.get(key)
                if item is None or key in media:
                    continue
                if self._media_private and item.type == "video" and not self.owns_recent(post):
                    field_name = f"{self._media_private[0]}.playback_0_count"
                    result.errors.append(
                        problems.field_unauthorized("media", field_name, parameter, key, "includes")
                    )
                    continue
                media[key] = self.media(item, post)

        referenced: list[Post] = []
        if "referenced_tweets.id" in exp:
            for post in delivered:
                for ref in post.references:
                    if ref.id in tweets:
                        continue
                    target = self.world.posts.get(ref.id)
                    param = self.wire.referenced_parameter
                    if target is None or target.deleted:
                        # recorded: no "section" on a not-found entry, even in includes
                        result.errors.append(problems.not_found("tweet", param, ref.id))
                    elif not self.can_see(target):
                        result.errors.append(
                            problems.not_authorized("tweet", param, ref.id, "includes")
                        )
                    elif (denied := self.denied_field(target)) is not None:
                        result.errors.append(
                            problems.field_unauthorized("tweet", denied, param, ref.id, "includes")
                        )
                    else:
                        tweets[ref.id] = self.cache.tweet_json(self, target)
                        referenced.append(target)
        for post in delivered:
            if "author_id" in exp:
                add_user(post.author_id)
            if "in_reply_to_user_id" in exp:
                parent = self._replied_to(post)
                add_user(parent.author_id if parent else None)
            if "entities.mentions.username" in exp and post.entities:
                for mention in post.entities.get("mentions", []):
                    user = self.index.by_username(str(mention.get("username", "")))
                    add_user(user.id if user else None)
            if "attachments.media_keys" in exp:
                add_media(post, "attachments.media_keys")
            if "attachments.poll_ids" in exp and post.poll:
                polls[str(post.poll["id"])] = self.poll(post.poll)
        for target in referenced:
            if "referenced_tweets.id.author_id" in exp:
                add_user(target.author_id)
            if "referenced_tweets.id.attachments.media_keys" in exp:
                add_media(target, "referenced_tweets.id.attachments.media_keys")
        result.posts.extend(referenced)
        if media:
            result.includes["media"] = list(media.values())
        if users:
            result.includes["users"] = [self.user(u) for u in users.values()]
            result.users.extend(users.values())
        if tweets:
            result.includes[self.wire.posts_include] = list(tweets.values())
        if polls:
            result.includes["polls"] = list(polls.values())

    def user_includes(self, user: User) -> BodyParts:
        """A user lookup's ``data`` and its ``most_recent_tweet_id`` expansion."""
        result = BodyParts(data=[self.user(user)], users=[user])
        if "most_recent_tweet_id" in self.fields.expansions:
            newest = self.index.newest_at(user.id, self.now)
            if newest is not None and self.can_see(newest):
                denied = self.denied_field(newest)
                if denied is None:
                    result.includes[self.wire.posts_include] = [self.cache.tweet_json(self, newest)]
                    result.posts.append(newest)
                else:
                    result.errors.append(
                        problems.field_unauthorized(
                            "tweet", denied, self.wire.most_recent, newest.id, "includes"
                        )
                    )
        return result
