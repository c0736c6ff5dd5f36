"""The small texts the renderings share (xpulse.render.view)."""

from __future__ import annotations


def test_a_content_types_standing_fits_a_table_cell_and_says_why() -> None:
    from xpulse.analytics.document import ContentTypeEntry
    from xpulse.render.view import type_standing

    def entry(posts: int, rank: int | None, enough: bool) -> ContentTypeEntry:
        return ContentTypeEntry(
            content_type="video", posts=posts, impressions=100 * posts, engagements=posts,
            engagement_rate=1.0, interval_low=None, interval_high=None, enough_posts=enough,
            rank=rank,
        )  # fmt: skip

    assert type_standing(entry(9, 1, True), 5) == "#1"
    assert type_standing(entry(2, None, False), 5) == "too few (< 5)"
    assert type_standing(entry(9, None, True), 5) == "not ranked"


def test_a_content_types_interval_is_one_short_cell() -> None:
    from xpulse.analytics.document import ContentTypeEntry
    from xpulse.render.view import interval_text

    known = ContentTypeEntry(
        content_type="text", posts=33, impressions=347_117, engagements=14_365,
        engagement_rate=4.14, interval_low=3.6213, interval_high=4.6648,
    )  # fmt: skip
    assert interval_text(known) == "3.62–4.66%"
    assert interval_text(known.model_copy(update={"interval_high": None})) == "n/a"
