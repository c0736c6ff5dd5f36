"""Report-building stays fast for a heavy account (analytics is handed one account's rows)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from xpulse.analytics import ObservationRow, PostRow, ReportInputs, build_report, parse_period
from xpulse.analytics.inputs import OWN_CONTENT_TYPES

NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)


def _heavy_account(posts: int, days: int = 100) -> ReportInputs:
    """``posts`` posts spread over ``days`` days, each read at 1 h, 24 h and 7 d and now."""
    rng = random.Random(5)
    rows, observations = [], []
    for i in range(posts):
        created = NOW - timedelta(seconds=rng.uniform(3600, days * 86400))
        final = int(rng.lognormvariate(7, 0.6))
        rows.append(
            PostRow(
                id=str(i),
                account="heavy",
                created_at=created,
                text="x",
                content_type=rng.choice(OWN_CONTENT_TYPES),  # type: ignore[arg-type]
                impressions=final,
                likes=final // 50,
                reposts=final // 300,
                replies=final // 400,
                observed_at=NOW,
            )
        )
        for age_h, share in ((1, 0.12), (24, 0.85), (168, 0.99)):
            at = created + timedelta(hours=age_h)
            if at < NOW:
                observations.append(ObservationRow(str(i), at, int(final * share)))
    return ReportInputs("heavy", rows, observations)


def test_ten_thousand_posts_and_thirty_thousand_observations_build_quickly() -> None:
    inputs = _heavy_account(10_000)
    assert len(inputs.observations) > 28_000
    period = parse_period("2026-04", "Europe/Berlin", NOW)  # a month: ~3,000 posts judged
    # CPU time of this process: wall time on 2 cores shared by many jobs measures the load.
    started = time.process_time()
    report = build_report(inputs, period, generated_at=NOW)
    elapsed = time.process_time() - started
    assert report.totals.posts > 2_500
    assert report.spikes.checked > 2_500
    # About 0.45 s of CPU; the bound leaves room for a slower CI machine.
    assert elapsed < 5.0
