"""The Block Kit rendering: valid for slack_sdk's models, complete, and inert for hostile text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from xpulse.analytics.document import AccountInfo, Report
from xpulse.render.slack import (
    FIELD_MAX,
    HEADER_MAX,
    SECTION_TEXT_MAX,
    alert_payload,
    link,
    mrkdwn,
    report_payload,
    validate_payload,
)

ANGLE = re.compile(r"<([^<>]*)>")
ENTITY_OK = re.compile(r"&(amp|lt|gt);")


def slack_sdk_check(payload: dict[str, Any]) -> None:
    """What Slack's own SDK says about every block, independently of validate_payload."""
    assert isinstance(payload["text"], str) and payload["text"]
    for raw in payload["blocks"]:
        block = Block.parse(raw)
        assert block is not None, f"unknown block {raw}"
        block.validate_json()
        assert block.to_dict() == raw  # nothing dropped or renamed by the model


def all_texts(payload: dict[str, Any]) -> list[str]:
    out = [payload["text"]]
    for b in payload["blocks"]:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        out.extend(f["text"] for f in b.get("fields", []))
        out.extend(e["text"] for e in b.get("elements", []))
    return out


def test_normal_report_payload_carries_the_figures(report: Report) -> None:
    payload = report_payload(report)
    slack_sdk_check(payload)
    blocks = payload["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "X report · @brand · 2026-W21"},
    }
    fields = next(b["fields"] for b in blocks if "fields" in b)
    texts = [f["text"] for f in fields]
    assert texts[0] == "*Impressions*\n32,500  (+983.3% vs 2026-W20)"
    assert texts[1].startswith("*Engagements*\n968  (+")
    assert texts[2] == "*Engagement rate*\n2.98%  (+0.38 pts vs 2026-W20)"
    body = "\n".join(all_texts(payload))
    assert "<https://x.com/brand/status/2001|View on X>" in body  # top post linked
    assert re.search(r"Impressions `[▁▂▃▄▅▆▇█]{7}`", body)  # one block a day
    assert "*Content types* (engagement rate): photo" in body
    assert "*Best time to post*" in body and "Tuesday 09:00" in body
    assert "Spent while the period ran: $0.160 for 160 reads in 4 calls." in body
    assert payload["text"].startswith("X report · @brand · 2026-W21: 32,500 impressions")


def test_empty_report_payload_says_so_and_shows_na(empty_report: Report) -> None:
    payload = report_payload(empty_report)
    slack_sdk_check(payload)
    body = "\n".join(all_texts(payload))
    assert "*No posts in this period.*" in body
    assert "*Engagement rate*\nn/a  (n/a vs 2026-W20)" in body
    assert "Top post" not in body


def test_hostile_post_text_cannot_mention_or_disguise_a_link(report: Report) -> None:
    payload = report_payload(report)
    for text in all_texts(payload):
        for inner in ANGLE.findall(text):
            # The only <...> sequences are links we built to x.com posts.
            assert re.fullmatch(r"https://x\.com/brand/status/\d+\|[^<>]*", inner), inner
        assert "<!" not in text and "<@" not in text and "<http://evil" not in text
        for amp in re.finditer("&", text):
            assert ENTITY_OK.match(text, amp.start()), text
    quote = next(t for t in all_texts(payload) if t.startswith("*Top post*"))
    assert ">&lt;!channel&gt; &lt;http://evil.example|x.com&gt; @here &amp; &lt;@U123&gt;" in quote


def test_long_hostile_text_is_cut_between_entities(builders_report: Any) -> None:
    report = builders_report("<&>" * 2000 + "x" * 5000)
    payload = report_payload(report)
    slack_sdk_check(payload)
    for text in all_texts(payload):
        assert len(text) <= SECTION_TEXT_MAX
        for amp in re.finditer("&", text):
            assert ENTITY_OK.match(text, amp.start()), f"split entity in {text[-40:]!r}"


def test_mrkdwn_escapes_and_cuts_on_whole_entities() -> None:
    assert mrkdwn("a & <b> \n c") == "a &amp; &lt;b&gt; c"
    assert mrkdwn("a<b", 4) == "a…"
    assert mrkdwn("<<<<", 9) == "&lt;&lt;…"
    assert mrkdwn("short", 5) == "short"
    assert mrkdwn("\x1b[31mred\u202e") == "[31mred"  # control and bidi characters dropped


def test_alert_payload_is_valid_and_escaped() -> None:
    payload = alert_payload(
        "Budget <!channel> at 80%", ["Spent $4.00 of $5.00", "<@U1> & <http://x|y>"], "critical"
    )
    slack_sdk_check(payload)
    assert payload["blocks"][0]["text"]["text"] == ":rotating_light: Budget &lt;!channel&gt; at 80%"
    assert "&lt;@U1&gt; &amp; &lt;http://x|y&gt;" in payload["blocks"][1]["text"]["text"]
    long = alert_payload("x" * 400, ["y" * 900] * 20, "info")
    slack_sdk_check(long)
    assert len(long["blocks"][0]["text"]["text"]) <= HEADER_MAX
    with pytest.raises(ValueError, match="unknown severity"):
        alert_payload("t", [], "loud")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"type": "rich_text", "elements": []}, "not one xpulse sends"),
        ({"type": "fancy"}, "not one xpulse sends"),
        ({"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}, "150"),
        (
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
            "10",
        ),
        (
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * (FIELD_MAX + 1)}]},
            "limit 2000",
        ),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "hi <!channel>"}}, "unexpected"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": 1}, "colour"),
    ],
)
def test_validate_payload_rejects_what_slack_would(block: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_payload({"text": "t", "blocks": [block]})


def test_hostile_account_names_are_inert(report: Report) -> None:
    hostile = report.model_copy(
        update={"account": AccountInfo(name="x", username="<!here>&", user_id=None)}
    )
    payload = report_payload(hostile)
    slack_sdk_check(payload)
    assert payload["blocks"][0]["text"]["text"] == "X report · @&lt;!here&gt;&amp; · 2026-W21"
    for text in all_texts(payload):
        assert "<!" not in text
        # An invalid handle never goes into a link: posts link through x.com/i/status.
        assert "x.com/&lt;" not in text


def with_top_text(report: Report, text: str) -> Report:
    first, *rest = report.top_posts.by_engagements
    top = report.top_posts.model_copy(
        update={"by_engagements": [first.model_copy(update={"text": text}), *rest]}
    )
    spikes = report.spikes.model_copy(
        update={"posts": [s.model_copy(update={"text": text}) for s in report.spikes.posts]}
    )
    return report.model_copy(update={"top_posts": top, "spikes": spikes})


PIECES = [*"<>&|!@#*_~`:/. \n\r\x1bachnel", "<!channel>", "&amp;", "<@U1>", "\u202e", "é🚀"]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(st.sampled_from(PIECES), max_size=700).map("".join))
def test_any_post_text_gives_a_valid_inert_payload(report: Report, text: str) -> None:
    payload = report_payload(with_top_text(report, text))
    slack_sdk_check(payload)
    for t in all_texts(payload):
        for inner in ANGLE.findall(t):
            assert re.fullmatch(r"https://x\.com/brand/status/\d+\|[^<>]*", inner), inner
        for amp in re.finditer("&", t):
            assert ENTITY_OK.match(t, amp.start())


def test_only_http_links_are_made_and_their_urls_cannot_break_out() -> None:
    assert link("javascript:alert(1)", "click") == "click"
    assert link("ftp://files.example/x", "<b>") == "&lt;b&gt;"
    assert (
        link("https://a.example/p?q=1&r=<2>|x", "see | this")
        == "<https://a.example/p?q=1&amp;r=%3C2%3E%7Cx|see | this>"
    )
