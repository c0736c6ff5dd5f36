"""One answer of X as the store's rows: posts, media, observations, what it bills, the
call log, and the checkpoint, written by :mod:`xpulse.store.pages` in ONE transaction, so a
run killed at any instant leaves either the whole page (and the checkpoint that says it was
stored) or none of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from xpulse.api import normalize
from xpulse.api.transport import CallRecord
from xpulse.collect import rows
from xpulse.collect.pricing import PriceTable, billing_day
from xpulse.collect.source import Fetched
from xpulse.store import pages
from xpulse.store.pages import PageRows

NOT_FOUND = "resource-not-found"
NOT_AUTHORIZED = "not-authorized-for-resource"
FIELD_DENIED = "not-authorized-for-field"
UNAVAILABLE = "resource-unavailable"  # X's "temporarily unable to serve": ask again


@dataclass(frozen=True)
class Stored:
    new_posts: int
    observations: int
    reads: int  # resources delivered
    billable: int  # after the same-UTC-day dedupe
    micros: int
    field_denied: list[str]  # post ids X left out for a private field: ask again publicly
    unavailable: list[str]  # post ids X could not serve just now: ask again


def _error_kind(error: dict[str, Any]) -> str:
    return str(error.get("type", "")).rsplit("/", 1)[-1]


def _delivered_posts(fetched: Fetched) -> list[dict[str, Any]]:
    """Every post X delivered and bills: ``data`` and referenced posts in ``includes``."""
    extra = (fetched.includes.get("tweets") or []) + (fetched.includes.get("posts") or [])
    return [t for t in [*fetched.data, *extra] if isinstance(t, dict) and "id" in t]


def call_rows(
    account: str,
    records: list[CallRecord],
    fallback: CallRecord | None,
    billable: int,
    micros: int,
    backfill: bool = False,
) -> list[dict[str, Any]]:
    """api_calls rows; the bill goes on the last successful exchange (the one that answered)."""
    records = records or ([fallback] if fallback is not None else [])
    ok = [i for i, r in enumerate(records) if 200 <= r.status < 300]
    billed_at = ok[-1] if ok else None
    out = []
    for i, r in enumerate(records):
        rl = r.rate_limit
        out.append(
            {
                "at": r.started_at,
                "account": account,
                "endpoint": r.endpoint,
                "method": r.method,
                "status": r.status,
                "reads": r.reads,
                "billable_reads": billable if i == billed_at else 0,
                "cost_micros": micros if i == billed_at else 0,
                "errors": r.errors,
                "rl_limit": rl.limit if rl else None,
                "rl_remaining": rl.remaining if rl else None,
                "rl_reset": rl.reset if rl else None,
                "duration_s": r.duration_s,
                "backfill": backfill,
            }
        )
    return out


def store_fetched(
    conn: Connection,
    *,
    account: str,
    user_id: str,
    own_token: bool,
    fetched: Fetched,
    now: datetime,
    prices: PriceTable,
    records: list[CallRecord],
    checkpoint: dict[str, Any] | None,
    is_own_post: Callable[[dict[str, Any]], bool] | None = None,
    backfill: bool = False,
) -> Stored:
    """Write one answer and what goes with it; the caller owns the transaction."""
    media = normalize.media_index(fetched.includes)
    both = [
        rows.post_rows(t, fetched.includes, account, fetched.url, now, fetched.endpoint, media)
        for t in fetched.data
    ]
    media_obs = []
    for tweet in fetched.data:
        for key in (tweet.get("attachments") or {}).get("media_keys") or []:
            if str(key) in media:
                row = rows.media_observation_row(
                    media[str(key)], str(tweet["id"]), now, fetched.endpoint
                )
                if row is not None:
                    media_obs.append(row)
    own = is_own_post or (lambda t: own_token and str(t.get("author_id")) == user_id)
    answered = [r.started_at for r in records if 200 <= r.status < 300]
    billed_at = answered[-1] if answered else now  # X bills at the request, not our commit
    gone = [
        str(e.get("resource_id") or e.get("value"))
        for e in fetched.errors
        if _error_kind(e) in (NOT_FOUND, NOT_AUTHORIZED)
        and e.get("section", "data") == "data"
        and e.get("resource_type", "tweet") == "tweet"
    ]
    page = PageRows(
        account=account,
        posts=[post for post, _ in both],
        media=[rows.media_row(m, now) for m in media.values()],
        observations=[observation for _, observation in both],
        media_observations=media_obs,
        priced={f"post:{t['id']}": prices.post(own(t)) for t in _delivered_posts(fetched)},
        billing_day=billing_day(billed_at) if prices.dedupe_same_utc_day else None,
        gone=gone,
    )
    written = pages.write_page(conn, page, now)
    billable, micros = written.billable, written.micros
    denied = ids_with(fetched, FIELD_DENIED)
    unavailable = ids_with(fetched, UNAVAILABLE)
    fallback = CallRecord(
        endpoint=fetched.endpoint,
        method="GET",
        status=200,
        reads=len(fetched.data),
        errors=len(fetched.errors),
        rate_limit=None,
        started_at=now,
        duration_s=0.0,
    )
    pages.record_calls(conn, call_rows(account, records, fallback, billable, micros, backfill))
    if checkpoint is not None:
        pages.save_checkpoint(conn, account, **checkpoint)
    return Stored(
        written.new_posts,
        len(page.observations),
        len(page.priced),
        billable,
        micros,
        denied,
        unavailable,
    )


def ids_with(fetched: Fetched, kind: str) -> list[str]:
    """Ids of posts left out of ``data`` with a partial error of this kind."""
    return [
        str(e.get("resource_id") or e.get("value"))
        for e in fetched.errors
        if _error_kind(e) == kind
        and e.get("resource_type", "tweet") == "tweet"
        and e.get("section", "data") == "data"
    ]
