"""Private, organic, promoted and media metrics of an account's own posts (< 30 days).

X shows ``non_public_metrics``, ``organic_metrics`` and ``promoted_metrics`` (and the media
playback quartiles) only to the author's user token and only while the post is under 30
days old. When it refuses one, it answers 200 and *leaves the post out* beside a
``not-authorized-for-field`` error (a whole-request 403 for an app-only token on some
plans). Nothing is lost here: the refused posts are asked again without the refused field
groups, the refusal is recorded with its reason in ``metric_refusals``, and the rest of the
request is stored as it came.

Reasons: ``app-only`` (no user context: every private field), ``too-old`` (30 days),
``not-owner`` (another author), ``field-denied`` (anything else, e.g. ``organic_metrics``
with an expansion X will not combine it with: only the named group is dropped).

Schedule: the private read slots are the refresh schedule's slots below
:data:`LAST_PRIVATE_READ`, plus that one, so every post gets a last private read between
day 29 and day 30 and its private history is kept before X forgets it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from xpulse.api.client import Page, XClient
from xpulse.api.endpoints import TWEETS
from xpulse.api.transport import CallRecord
from xpulse.collect.budget import Budget
from xpulse.collect.calllog import CallLog
from xpulse.collect.pricing import PriceTable
from xpulse.collect.refresh_slots import HORIZON, is_due
from xpulse.collect.source import PUBLIC_MEDIA_FIELDS, PUBLIC_TWEET_FIELDS, Fetched
from xpulse.collect.store_page import FIELD_DENIED, store_fetched
from xpulse.errors import Forbidden
from xpulse.store import metric_buckets
from xpulse.store.private_reads import created_at, private_attempts

TWEET_PRIVATE = ("non_public_metrics", "organic_metrics", "promoted_metrics")
MEDIA_PRIVATE = ("non_public_metrics", "organic_metrics")
LAST_PRIVATE_READ = timedelta(days=29)
assert TWEETS.id_batch is not None  # /2/tweets takes a list of ids
BATCH: int = TWEETS.id_batch  # ids per private read: the endpoint table's limit, not a copy
EXPANSIONS = ("attachments.media_keys",)


def private_slots(schedule: Sequence[timedelta]) -> tuple[timedelta, ...]:
    """The schedule's slots before day 29, then day 29: the last private read."""
    return (*(s for s in schedule if s < LAST_PRIVATE_READ), LAST_PRIVATE_READ)


@dataclass(frozen=True)
class Refusal:
    post_id: str | None  # None: the whole request
    reason: str
    fields: tuple[str, ...]
    detail: str


@dataclass
class PrivateRead:
    pages: list[Fetched] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def _kind(error: dict[str, Any]) -> str:
    return str(error.get("type", "")).rsplit("/", 1)[-1]


def _group(field_name: Any) -> str | None:
    head = str(field_name or "").split(".", 1)[0]
    return head if head in TWEET_PRIVATE else None


class PrivateReader:
    """Reads posts with every private field allowed, downgrading on each refusal."""

    def __init__(
        self,
        client: XClient,
        *,
        user_id: str | None,
        user_context: bool,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.user_id = user_id
        self.user_context = user_context
        self.clock = clock

    def _reason(self, created: datetime | None, author: str | None) -> str:
        if not self.user_context:
            return "app-only"
        if created is not None and self.clock() - created >= HORIZON:
            return "too-old"
        if author is not None and self.user_id is not None and author != self.user_id:
            return "not-owner"
        return "field-denied"

    def _fetch(self, ids: list[str], tweet: Sequence[str], media: Sequence[str]) -> Fetched:
        params: dict[str, str | int] = {
            "ids": ",".join(ids),
            "tweet.fields": ",".join([*PUBLIC_TWEET_FIELDS, *tweet]),
            "expansions": ",".join(EXPANSIONS),
            "media.fields": ",".join([*PUBLIC_MEDIA_FIELDS, *media]),
        }
        body, _ = self.client.transport.call("GET", TWEETS, params=params)
        page = Page.from_body(body)
        query = "&".join(f"{k}={v}" for k, v in params.items())
        url = f"{self.client.base_url}{TWEETS.path}?{query}"
        return Fetched(TWEETS.path, url, page.data, page.includes, page.errors)

    def read(
        self,
        ids: list[str],
        created: dict[str, datetime],
        author: dict[str, str] | None = None,
    ) -> PrivateRead:
        """Every id read once with what X allows; refusals named and explained."""
        out = PrivateRead()
        tweet: tuple[str, ...] = TWEET_PRIVATE if self.user_context else ()
        media: tuple[str, ...] = MEDIA_PRIVATE if self.user_context else ()
        if not self.user_context:
            out.refusals.append(
                Refusal(None, "app-only", TWEET_PRIVATE, "an app-only token reads public metrics")
            )
        self._read(ids, tweet, media, created, author or {}, out, depth=0)
        return self._explained(out, created, author or {})

    def _explained(
        self, out: PrivateRead, created: dict[str, datetime], author: dict[str, str]
    ) -> PrivateRead:
        """Reasons again, now that the downgraded reads delivered the refused posts (their
        author and age tell "not the owner" and "too old" from a plain field refusal)."""
        seen_created = dict(created)
        seen_author = dict(author)
        for page in out.pages:
            for t in page.data:
                pid = str(t.get("id"))
                if t.get("author_id") is not None:
                    seen_author.setdefault(pid, str(t["author_id"]))
                if isinstance(t.get("created_at"), str):
                    stamp = str(t["created_at"]).replace("Z", "+00:00")
                    seen_created.setdefault(pid, datetime.fromisoformat(stamp))
        out.refusals = [
            r
            if r.post_id is None or r.reason != "field-denied"
            else Refusal(
                r.post_id,
                self._reason(seen_created.get(r.post_id), seen_author.get(r.post_id)),
                r.fields,
                r.detail,
            )
            for r in out.refusals
        ]
        return out

    def _read(
        self,
        ids: list[str],
        tweet: tuple[str, ...],
        media: tuple[str, ...],
        created: dict[str, datetime],
        author: dict[str, str],
        out: PrivateRead,
        depth: int,
    ) -> None:
        try:
            fetched = self._fetch(ids, tweet, media)
        except Forbidden as exc:
            if not tweet and not media:
                raise
            # The whole request refused (e.g. an app token where user context is needed).
            out.refusals.append(Refusal(None, "forbidden", tweet, str(exc)[:300]))
            self._read(ids, (), (), created, author, out, depth + 1)
            return
        out.pages.append(fetched)
        retry: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
        key_owner = {
            str(k): str(t["id"])
            for t in fetched.data
            for k in (t.get("attachments") or {}).get("media_keys") or []
        }
        for error in fetched.errors:
            if _kind(error) != FIELD_DENIED:
                continue
            section = error.get("section", "data")
            rid = str(error.get("resource_id") or error.get("value") or "")
            pid = rid if section == "data" else key_owner.get(rid)
            if pid is None or depth >= len(TWEET_PRIVATE) + 1:
                continue
            reason = self._reason(created.get(pid), author.get(pid))
            group = _group(error.get("field"))
            new_tweet: tuple[str, ...]
            new_media: tuple[str, ...]
            refused: tuple[str, ...]
            if section != "data":  # a media object's private metrics: drop the media ones
                new_tweet, new_media = tweet, ()
                refused = tuple(f"media.{m}" for m in media)
            elif reason == "field-denied" and group is not None and pid in created:
                new_tweet, new_media = tuple(t for t in tweet if t != group), media
                refused = (group,)
            else:  # too old, not the owner, or unknown: no private field is likely to pass
                new_tweet, new_media = (), ()
                refused = tweet + tuple(f"media.{m}" for m in media)
            detail = str(error.get("detail") or error.get("title") or "refused")[:300]
            out.refusals.append(Refusal(pid, reason, refused, detail))
            bucket = retry.setdefault((new_tweet, new_media), [])
            if pid not in bucket:
                bucket.append(pid)
        for (new_tweet, new_media), again in retry.items():
            if (new_tweet, new_media) == (tweet, media):
                continue  # nothing left to drop: keep the refusal, do not loop
            self._read(again, new_tweet, new_media, created, author, out, depth + 1)


@dataclass
class PrivateResult:
    posts: int = 0
    observations: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    micros: int = 0
    reads: int = 0  # posts delivered: what the plan's monthly cap counts


def _records_per_page(records: list[CallRecord], pages: int) -> list[list[CallRecord]]:
    """The HTTP exchanges of each page: a page's answer is a 2xx, with the failed tries
    before it; so each page is billed and logged once."""
    out: list[list[CallRecord]] = [[] for _ in range(pages)]
    if not pages:
        return out
    page = 0
    for record in records:
        out[min(page, pages - 1)].append(record)
        if 200 <= record.status < 300:
            page += 1
    return out


def due_private(
    engine: Engine | Connection,
    account: str,
    schedule: Sequence[timedelta],
    now: datetime,
    user_id: str | None = None,
) -> dict[str, datetime]:
    """Own posts under 30 days whose private slot is due: ``{post_id: created_at}``.

    A post's last attempt is its last private observation or its last refusal, whichever is
    later: a post X refused (someone else's, a repost) is not asked again every run. Plain
    reposts, and posts of another author when ``user_id`` is given, are never candidates.
    """
    slots = private_slots(schedule)
    if isinstance(engine, Connection):  # the planner reads inside its own connection
        rows = private_attempts(engine, account, now - HORIZON, user_id)
    else:
        with engine.connect() as conn:
            rows = private_attempts(conn, account, now - HORIZON, user_id)
    out: dict[str, datetime] = {}
    for row in rows:
        tried = max((t for t in (row.last_read, row.last_refusal) if t is not None), default=None)
        if is_due(slots, row.created_at, tried, now):
            out[row.post_id] = row.created_at
    return out


def collect_private(
    engine: Engine,
    client: XClient,
    account: str,
    user_id: str,
    *,
    user_context: bool,
    schedule: Sequence[timedelta],
    clock: Callable[[], datetime],
    calls: CallLog | None = None,
    prices: PriceTable | None = None,
    ids: Sequence[str] | None = None,
    budget: Budget | None = None,
    owned_reads: bool | None = None,
) -> PrivateResult:
    """Read the due (or given) own posts with private metrics; store pages and refusals.

    With ``budget`` each batch is held like a runner call: the most it can cost (every id
    delivered once, at the own-post price) is reserved first, so it never passes the
    monthly budget (:class:`BudgetExceeded`), then settled at what was billed."""
    now = clock()
    if ids is None:
        created = due_private(engine, account, schedule, now, user_id)
    else:
        with engine.connect() as conn:
            created = created_at(conn, ids)
    reader = PrivateReader(client, user_id=user_id, user_context=user_context, clock=clock)
    result = PrivateResult()
    todo = list(ids) if ids is not None else sorted(created)
    table = prices or PriceTable()
    owned = user_context if owned_reads is None else owned_reads  # the app owner's posts
    each = BatchContext(
        engine, reader, account=account, user_id=user_id, owned=owned, created=created,
        now=now, prices=table, calls=calls,
    )  # fmt: skip
    for i in range(0, len(todo), BATCH):
        batch = todo[i : i + BATCH]
        most = len(batch) * table.post(owned)
        if budget is not None:
            budget.reserve(most, len(batch))
        before, reads_before = result.micros, result.reads
        try:
            _read_batch(each, batch, result)
        finally:
            if budget is not None:
                budget.settle(most, result.micros - before, len(batch), result.reads - reads_before)
    return result


@dataclass(frozen=True)
class BatchContext:
    """What every batch of one account's private read shares."""

    engine: Engine
    reader: PrivateReader
    _: KW_ONLY
    account: str
    user_id: str
    owned: bool  # the app owner's posts: billed at the owned-read price
    created: dict[str, datetime]  # each post's creation, for the refusal reasons
    now: datetime  # the read's instant, stamped on its observations and refusals
    prices: PriceTable
    calls: CallLog | None  # the HTTP exchanges to bill and log per page


def _read_batch(each: BatchContext, batch: list[str], result: PrivateResult) -> None:
    """One batch read (with its downgrades), its pages and refusals stored together."""
    account, now = each.account, each.now
    read = each.reader.read(batch, each.created)
    calls = each.calls
    per_page = _records_per_page(calls.drain() if calls is not None else [], len(read.pages))
    with each.engine.begin() as conn:
        for fetched, records in zip(read.pages, per_page, strict=True):
            stored = store_fetched(
                conn,
                account=account,
                user_id=each.user_id,
                own_token=each.owned,
                fetched=fetched,
                now=now,
                prices=each.prices,
                records=records,
                checkpoint=None,
            )
            result.posts += stored.new_posts
            result.observations += stored.observations
            result.micros += stored.micros
            result.reads += stored.reads
        metric_buckets.record_refusals(
            conn,
            [
                {
                    "account": account,
                    "post_id": r.post_id,
                    "at": now,
                    "reason": r.reason,
                    "fields": ",".join(r.fields),
                    "detail": r.detail,
                }
                for r in read.refusals
            ],
        )
    result.refusals.extend(read.refusals)
