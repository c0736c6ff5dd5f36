"""Spikes measured against what happened: false alarms per 1,000 posts, recall of planted
spikes of 5× and more, and how close "usual for its age" is to the true median.

    PYTHONPATH=src .venv/bin/python bench/spikes.py [--seeds 1 2 3 4 5] [--z 2 --min-ratio 3]

Worlds: xsim generated worlds (one per seed: 3 accounts, 120 days, 14 posts a week each) and
one hand-made world (one account, a post every 8 hours, impressions and half-lives from
short hand-written lists). In every account, four posts of the measured week are planted
as spikes: their final impressions set to 5, 5, 8 and 25 times the account's median final
impressions, keeping their own growth curve. xsim's own planted spikes (8-25× a post's
expected level) stay in the history and the week; they are neither false alarms nor part
of the planted recall.

Each account is judged as an hourly ``xpulse run`` judges it: at every whole hour of the last
week (168 run times), the store holds the reads an hourly collect with the ``weekly``
refresh schedule makes (a post read at the first run after it appears, then at the first
runs past 24 h and past 7 d), their values from xsim's growth curves; every own post younger
than 7 days is a candidate, the account's posts of the 90 days before the run instant the
reference (``find_spikes`` with the report's defaults).

Printed: per world, the posts judged, ordinary posts flagged at least once (false alarms,
per 1,000 posts judged; in brackets those whose true impressions were under 3× the true
median of the references at that age, from the curves: a flag on an ordinary post at 5× is
not a false alarm in substance, the generator's multipliers make a few such posts),
planted spikes found at least once (recall) and the age at which
each was first found, and the ratio "usual" / true median of the references at that age (the
true median from the curves, at the same age) over every judgment.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from xpulse.analytics.build import ReportOptions
from xpulse.analytics.growth import build_series
from xpulse.analytics.inputs import ObservationRow, PostRow
from xpulse.analytics.spikes import baseline, find_spikes, grid_age
from xsim.world.curves import post_metrics_at
from xsim.world.generate import content_types, generate_world
from xsim.world.generate_people import GenerateOptions
from xsim.world.model import Post, PostFinal

END = datetime(2026, 5, 25, 0, 0, tzinfo=UTC)  # a Monday; the measured week ends here
H = timedelta(hours=1)
WEEK = timedelta(days=7)
LOOKBACK = timedelta(days=90)
SLOTS = (timedelta(hours=24), timedelta(days=7))  # the weekly refresh schedule
PLANT = (5.0, 5.0, 8.0, 25.0)


@dataclass
class Account:
    name: str
    posts: list[Post]  # own posts (no retweets, none deleted)
    xsim_spikes: set[str]
    planted: dict[str, float]  # post id -> multiple of the account's median final


def _next_hour(moment: datetime) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + H


def reads(post: Post) -> list[tuple[datetime, int]]:
    """The (instant, impressions) an hourly collect on the weekly schedule reads."""
    times = sorted({_next_hour(post.created_at + s) for s in (timedelta(0), *SLOTS)})
    return [(t, post_metrics_at(post, t).impressions) for t in times]


def plant(account: Account) -> Account:
    """Four posts of the measured week become spikes of PLANT × the median final."""
    usual = statistics.median(p.final.impressions for p in account.posts)
    week = [
        p
        for p in account.posts
        if END - WEEK <= p.created_at < END - timedelta(hours=12)
        and p.id not in account.xsim_spikes
    ]
    step = max(1, len(week) // len(PLANT))
    chosen = week[::step][: len(PLANT)]
    planted = {}
    posts = {p.id: p for p in account.posts}
    for post, multiple in zip(chosen, PLANT, strict=False):
        final = replace(post.final, impressions=round(usual * multiple))
        posts[post.id] = replace(post, final=final)
        planted[post.id] = multiple
    return replace(account, posts=list(posts.values()), planted=planted)


def generated_accounts(seed: int) -> list[Account]:
    world = generate_world(GenerateOptions(seed, 3, 120, END, posts_per_week=14))
    kinds = content_types(world)
    spikes = {s["post_id"] for s in world.planted["spikes"]}
    out = []
    for user in world.users.values():
        own = [
            p
            for p in world.posts.values()
            if p.author_id == user.id and not p.deleted and kinds[p.id] != "retweet"
        ]
        own.sort(key=lambda p: p.created_at)
        out.append(Account(f"seed{seed}:{user.username}", own, spikes & {p.id for p in own}, {}))
    return out


def hand_made() -> Account:
    """One account, a post every 8 h for 100 days; the counts come from these lists."""
    finals = [820, 1150, 940, 1010, 700, 1300, 880, 990, 1090, 760, 1200, 930, 1050]
    half_lives = [3.0, 6.0, 9.0, 12.0, 5.0]
    posts = []
    moment = END - timedelta(days=100) + timedelta(minutes=17)
    i = 0
    while moment < END:
        imp = finals[i % len(finals)]
        posts.append(
            Post(
                id=f"h{i}",
                author_id="hand",
                text="",
                created_at=moment,
                final=PostFinal(imp, imp // 40, imp // 200, imp // 300, 0),
                half_life_hours=half_lives[i % len(half_lives)],
            )
        )
        moment += timedelta(hours=8)
        i += 1
    return Account("hand-made", posts, set(), {})


@dataclass
class Tally:
    judged: set[str]
    flagged_ordinary: dict[str, float]  # id -> its true ratio to the true median, at flagging
    found: dict[str, float]  # planted id -> age (h) when first found
    judgments: int = 0
    ratios: list[float] | None = None


def judge(account: Account, rule: ReportOptions) -> Tally:
    all_reads = {p.id: reads(p) for p in account.posts}
    tally = Tally(set(), {}, {}, ratios=[])
    assert tally.ratios is not None
    for k in range(1, 169):
        now = END - WEEK + k * H
        rows, obs = [], []
        for post in account.posts:
            if post.created_at >= now or post.created_at < now - LOOKBACK - WEEK:
                continue
            seen = [(t, v) for t, v in all_reads[post.id] if t <= now]
            obs += [ObservationRow(post.id, t, v) for t, v in seen]
            rows.append(
                PostRow(
                    id=post.id,
                    account=account.name,
                    created_at=post.created_at,
                    text="",
                    content_type="text",
                    impressions=seen[-1][1] if seen else 0,
                    observed_at=seen[-1][0] if seen else None,
                )
            )
        candidates = [r for r in rows if r.created_at >= now - WEEK]
        refs = [r for r in rows if r.created_at >= now - LOOKBACK]
        series = build_series(rows, obs)
        result = find_spikes(
            candidates,
            refs,
            series,
            threshold=rule.spike_z,
            min_references=rule.spike_min_references,
            min_ratio=rule.spike_min_ratio,
        )
        flagged = {s.post_id: s for s in result.posts}
        ref_series = [series[r.id] for r in refs if r.id in series]
        by_id = {p.id: p for p in account.posts}
        for cand in candidates:
            own = series.get(cand.id)
            if own is None:
                continue
            grid = grid_age(own.last_age)
            n, med, _ = baseline(grid, ref_series)
            if n < rule.spike_min_references:
                continue
            tally.judgments += 1
            tally.judged.add(cand.id)
            truth = statistics.median(
                post_metrics_at(by_id[r.id], r.created_at + timedelta(hours=grid)).impressions
                for r in refs
                if r.id in series and series[r.id].at(grid) is not None
            )
            if truth > 0:
                tally.ratios.append(math.expm1(med) / truth)
            if cand.id in flagged:
                if cand.id in account.planted:
                    tally.found.setdefault(cand.id, own.last_age)
                elif cand.id not in account.xsim_spikes:
                    true_ratio = own.last_value / truth if truth > 0 else math.inf
                    old = tally.flagged_ordinary.get(cand.id, math.inf)
                    tally.flagged_ordinary[cand.id] = min(old, true_ratio)
    return tally


def report(name: str, accounts: Iterable[Account], rule: ReportOptions) -> dict[str, float]:
    judged = flagged = below3 = planted = found = judgments = 0
    ratios: list[float] = []
    ages: list[float] = []
    for account in accounts:
        account = plant(account)
        tally = judge(account, rule)
        ordinary = tally.judged - set(account.planted) - account.xsim_spikes
        judged += len(ordinary)
        flagged += len(tally.flagged_ordinary)
        below3 += sum(1 for r in tally.flagged_ordinary.values() if r < 3)
        planted += len(set(account.planted) & tally.judged)
        found += len(tally.found)
        judgments += tally.judgments
        ratios += tally.ratios or []
        ages += list(tally.found.values())
    per_1000 = 1000 * flagged / judged if judged else float("nan")
    q = statistics.quantiles(ratios, n=20) if len(ratios) > 1 else [float("nan")] * 19
    print(
        f"| {name} | {judged} | {flagged} ({below3}) | {per_1000:.1f} | {found}/{planted} | "
        f"{max(ages) if ages else float('nan'):.1f} | {statistics.median(ratios):.2f} "
        f"({q[0]:.2f}–{q[-1]:.2f}) | {judgments} |"
    )
    return {
        "judged": judged,
        "flagged": flagged,
        "below3": below3,
        "planted": planted,
        "found": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    defaults = ReportOptions()
    parser.add_argument("--z", type=float, default=defaults.spike_z)
    parser.add_argument("--min-ratio", type=float, default=defaults.spike_min_ratio)
    parser.add_argument("--min-references", type=int, default=defaults.spike_min_references)
    args = parser.parse_args()
    rule = ReportOptions(
        spike_z=args.z, spike_min_ratio=args.min_ratio, spike_min_references=args.min_references
    )
    started = time.perf_counter()
    print(
        "| world | ordinary posts judged | flagged (truly < 3×) | per 1,000 | planted ≥5× found | "
        "latest first find (h) | usual / true median (5–95 %) | judgments |"
    )
    print("|---|---|---|---|---|---|---|---|")
    total = {"judged": 0, "flagged": 0, "below3": 0, "planted": 0, "found": 0}
    for seed in args.seeds:
        got = report(f"seed {seed}", generated_accounts(seed), rule)
        total = {k: total[k] + got[k] for k in total}
    got = report("hand-made", [hand_made()], rule)
    total = {k: total[k] + got[k] for k in total}
    print(
        f"\nall: {total['flagged']} of {total['judged']} ordinary posts flagged "
        f"({total['below3']} of them truly under 3× the true median at their age) "
        f"({1000 * total['flagged'] / max(1, total['judged']):.1f} per 1,000); planted found "
        f"{total['found']} of {total['planted']}; {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
