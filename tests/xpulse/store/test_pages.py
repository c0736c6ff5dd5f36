"""A page written in one go (``xpulse.store.pages``): the same rows on both dialects, and
on PostgreSQL the array statements write what the plain statements would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from xpulse_store_rows import T0, observation, post

from xpulse.store import queries
from xpulse.store.pages import PageRows, write_page
from xpulse.store.schema import billed_reads, media, media_observations, observations, posts


@pytest.fixture
def db(store_url: str, open_db: Callable[[str], Engine]) -> Engine:
    engine = open_db(store_url)
    with engine.begin() as conn:
        for name in ("main", "other"):
            queries.ensure_account(conn, name, name, T0)
    return engine


def _page(day: str | None, *ids: str, at: Any = T0) -> PageRows:
    video = {"media_key": "3_1", "type": "video", "url": None, "preview_image_url": "p.jpg",
             "duration_ms": 1500, "width": None, "height": 9, "alt_text": None,
             "raw": {"media_key": "3_1", "public_metrics": {"view_count": 7}},
             "retrieved_at": at}  # fmt: skip
    return PageRows(
        account="main",
        posts=[
            post(
                i,
                media_keys=["3_1"] if i == ids[0] else None,
                retrieved_at=at,
                first_seen_at=at,
                raw={"id": i, "nested": {"a": [1, None]}, "q": "it's"},
            )
            for i in ids
        ],
        media=[video],
        observations=[observation(i, at, 10, likes=None, organic_likes=3) for i in ids],
        media_observations=[
            {
                "media_key": "3_1",
                "post_id": ids[0],
                "observed_at": at,
                "source": "/2/tweets",
                "view_count": 7,
            }
        ],
        priced={f"post:{i}": 1000 + n for n, i in enumerate(ids)},
        billing_day=day,
        gone=[],
    )


def test_a_page_is_written_as_the_plain_statements_would(db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(billed_reads.insert().values(resource="post:2", day="2026-05-04",
                                                  account="other", cost_micros=1001))  # fmt: skip
        first = write_page(conn, _page("2026-05-04", "1", "2", "3"), T0)
    assert (first.new_posts, first.billable, first.micros) == (3, 2, 1000 + 1002)

    later = T0 + timedelta(hours=2)
    with db.begin() as conn:
        again = write_page(conn, _page("2026-05-04", "3", "4", at=later), later)
    # post 3 was billed today already; post 4 is new and billed
    assert (again.new_posts, again.billable, again.micros) == (1, 1, 1001)

    with db.connect() as conn:
        stored = {r["id"]: r for r in conn.execute(select(posts)).mappings()}
        obs = conn.execute(select(observations).order_by(observations.c.id)).mappings().all()
        media_rows = conn.execute(select(media)).mappings().all()
        media_obs = conn.execute(select(media_observations)).mappings().all()
        billed = conn.execute(select(billed_reads.c.resource, billed_reads.c.account)).all()
    assert sorted(stored) == ["1", "2", "3", "4"]
    assert stored["3"]["first_seen_at"] == T0  # kept from its first page
    assert stored["3"]["retrieved_at"] == later  # the rest updated
    assert stored["4"]["first_seen_at"] == later
    assert stored["1"]["media_keys"] == ["3_1"] and stored["2"]["media_keys"] is None
    assert stored["2"]["raw"] == {"id": "2", "nested": {"a": [1, None]}, "q": "it's"}
    assert stored["1"]["created_at"] == T0 and stored["1"]["is_promoted"] is False
    assert [(o["post_id"], o["observed_at"]) for o in obs] == [
        ("1", T0), ("2", T0), ("3", T0), ("3", later), ("4", later)
    ]  # fmt: skip
    assert all(o["likes"] is None and o["organic_likes"] == 3 and o["impressions"] == 10
               and o["provenance"] == "api" and o["quotes"] is None for o in obs)  # fmt: skip
    assert len(media_rows) == 1 and media_rows[0]["retrieved_at"] == later
    assert media_rows[0]["url"] is None and media_rows[0]["height"] == 9
    assert media_rows[0]["raw"] == {"media_key": "3_1", "public_metrics": {"view_count": 7}}
    assert [(m["view_count"], m["playback_0_count"]) for m in media_obs] == [(7, None)] * 2
    assert sorted(billed) == [("post:1", "main"), ("post:2", "other"), ("post:3", "main"),
                              ("post:4", "main")]  # fmt: skip


def test_without_the_same_day_rule_every_read_is_billed(db: Engine) -> None:
    with db.begin() as conn:
        written = write_page(conn, _page(None, "1", "2"), T0)
        assert (written.billable, written.micros) == (2, 2001)
        assert conn.execute(select(billed_reads)).all() == []
