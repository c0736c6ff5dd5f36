"""World documents: the schema, loading, cross-checks with the bad entry's path, round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from xsim.world.document import (
    WorldError,
    dump_world,
    load_world,
    world_from_json,
    world_schema,
    world_to_json,
)
from xsim.world.model import World

from .conftest import EXAMPLE


def _write(tmp_path: Path, doc: Any, name: str = "world.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), "utf-8")
    return path


def _error(tmp_path: Path, doc: Any) -> str:
    with pytest.raises(WorldError) as info:
        load_world(_write(tmp_path, doc))
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def _post_index(doc: dict[str, Any], text_start: str) -> int:
    return next(i for i, p in enumerate(doc["posts"]) if p["text"].startswith(text_start))


def test_schema_is_valid_draft_2020_12_and_described() -> None:
    schema = world_schema()
    Draft202012Validator.check_schema(schema)

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            mixin = where == "$.$defs.span"  # closed by unevaluatedProperties where used
            if node.get("type") == "object" and "properties" in node and not mixin:
                assert node.get("additionalProperties") is False, where
                for name, sub in node["properties"].items():
                    has_text = "description" in sub or "$ref" in sub
                    assert has_text, f"{where}.{name} has no description"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(schema, "$")


def test_example_loads(example_doc: dict[str, Any]) -> None:
    world = load_world(EXAMPLE)
    assert len(world.posts) == len(example_doc["posts"]) == 18
    alice = next(u for u in world.users.values() if u.username == "alice_ships")
    assert alice.time_zone == "Europe/Berlin"
    exact = world.posts[world.planted["exact_post_ids"][1]]
    assert exact.growth == "exact" and exact.final.impressions == 1000
    assert world.now is not None and world.now.isoformat() == "2026-05-20T12:00:00+00:00"
    public = world.apps["xsim-example-public-client"]
    assert not public.confidential and public.monthly_read_cap is None
    assert world.apps["xsim-example-client"].monthly_read_cap == 15_000


def test_generated_world_is_schema_valid(small_doc: dict[str, Any]) -> None:
    validator = Draft202012Validator(world_schema())
    assert list(validator.iter_errors(small_doc)) == []


def test_round_trip_is_lossless(small_world: World, tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    dump_world(small_world, path)
    again = load_world(path)
    assert again == small_world
    dump_world(again, tmp_path / "w2.json")
    assert (tmp_path / "w2.json").read_bytes() == path.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_example_round_trip(tmp_path: Path) -> None:
    world = load_world(EXAMPLE)
    assert world_from_json(world_to_json(world)) == world


def test_engagements_default_to_the_sum(doc: dict[str, Any]) -> None:
    i = _post_index(doc, "Friday mood")
    world = world_from_json(doc)
    final = world.posts[doc["posts"][i]["id"]].final
    assert final.engagements == 25 + 3 + 1 + 0  # likes, reposts, replies, quotes


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match=r"nope\.json: cannot read"):
        load_world(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"xsim_world": 1,\n  "apps": [', "utf-8")
    with pytest.raises(WorldError, match=r"bad\.json: not valid JSON: line 2"):
        load_world(bad)


SCHEMA_CASES = [
    # (what to break, expected path, expected words)
    (lambda d: d["posts"][3].update(created_at="yesterday"),
     "$.posts[3].created_at", "'yesterday' is not a 'date-time'"),
    (lambda d: d["posts"][3].update(created_at="2026-05-01T10:00:00"),
     "$.posts[3].created_at", "is not a 'date-time'"),
    (lambda d: d["posts"][2].pop("author_id"), "$.posts[2]", "'author_id' is a required"),
    (lambda d: d["posts"][2].update(colour="red"), "$.posts[2]", "'colour' was unexpected"),
    (lambda d: d["posts"][2]["metrics"]["exact"].update(likes=-1),
     "$.posts[2].metrics.exact.likes", "less than the minimum"),
    (lambda d: d["posts"][1]["metrics"].update(exact=d["posts"][1]["metrics"]["final"]),
     "$.posts[1].metrics", "either 'exact' counts, or 'final'"),
    (lambda d: d["posts"][1].update(id="abc"), "$.posts[1].id", "does not match"),
    (lambda d: d["media"][0].update(type="sticker"), "$.media[0].type", "is not one of"),
    (lambda d: d["tokens"][0]["scopes"].append("tweet.everything"),
     "$.tokens[0].scopes[3]", "is not one of"),
    (lambda d: d["users"][0].update(username="has space"), "$.users[0].username", "match"),
    (lambda d: d["apps"][0].update(plan="gold"), "$.apps[0].plan", "is not one of"),
    (lambda d: d.update(xsim_world=2), "$.xsim_world", "unsupported world format version 2"),
    (lambda d: d.pop("users"), "$", "'users' is a required property"),
    (lambda d: d.update(pricing={"own_post_read": "cheap"}),
     "$.pricing.own_post_read", "is not of type 'number'"),
]  # fmt: skip


@pytest.mark.parametrize(("breaker", "path", "words"), SCHEMA_CASES)
def test_schema_violations_name_the_path(
    tmp_path: Path, doc: dict[str, Any], breaker: Any, path: str, words: str
) -> None:
    breaker(doc)
    message = _error(tmp_path, doc)
    assert message.startswith(f"{tmp_path / 'world.json'}: {path}: "), message
    assert words in message


def test_poll_options_path(tmp_path: Path, doc: dict[str, Any]) -> None:
    i = _post_index(doc, "Which do you read first")
    doc["posts"][i]["poll"]["options"][1]["votes"] = "many"
    message = _error(tmp_path, doc)
    assert f"$.posts[{i}].poll.options[1].votes: 'many' is not of type 'integer'" in message


def test_entity_with_unknown_field(tmp_path: Path, doc: dict[str, Any]) -> None:
    i = _post_index(doc, "Wrote up how")
    doc["posts"][i]["entities"]["urls"][0]["clicks"] = 3
    assert f"$.posts[{i}].entities.urls[0]: " in _error(tmp_path, doc)


def _first_id(doc: dict[str, Any], section: str, key: str = "id") -> str:
    value: str = doc[section][0][key]
    return value


CROSS_CASES = [
    (lambda d: d["posts"][5].update(id=d["posts"][4]["id"]), "$.posts[5].id", "duplicate id"),
    (lambda d: d["users"].append({**d["users"][0], "id": "77"}),
     "$.users[3].username", "duplicate username"),
    (lambda d: d["posts"][2].update(author_id="12345"),
     "$.posts[2].author_id", "'12345' is not a known user id"),
    (lambda d: d["posts"][4]["media_keys"].append("3_999"),
     "$.posts[4].media_keys[2]", "'3_999' is not a known media_key"),
    (lambda d: d["posts"][9]["references"][0].update(id="42"),
     "$.posts[9].references[0].id", "'42' is not a post"),
    (lambda d: d["posts"][9].update(conversation_id="43"),
     "$.posts[9].conversation_id", "'43' is not a post"),
    (lambda d: d["tokens"][0].update(client_id="ghost-app"),
     "$.tokens[0].client_id", "'ghost-app' is not a known app"),
    (lambda d: d["tokens"][1].update(user_id="404"),
     "$.tokens[1].user_id", "'404' is not a known user id"),
    (lambda d: d["tokens"][1].update(refresh_token="xsim-example-refresh-bob"),
     "$.tokens[1].refresh_token", "needs offline.access"),
    (lambda d: d["posts"][6].update(created_at="2026-05-21T00:00:00Z"),
     "$.posts[6].created_at", "is after the world's now (2026-05-20T12:00:00Z)"),
    (lambda d: d["media"][2]["final"].update(playback_75_count=900),
     "$.media[2].final.playback_75_count", "quartile plays cannot increase"),
    (lambda d: d["posts"][2]["metrics"]["exact"].update(promoted_share=0.5),
     "$.posts[2].metrics", 'promoted_share needs "promoted": true'),
    (lambda d: d["apps"][1].update(bearer_tokens=["xsim-example-bearer-not-real"]),
     "$.apps[1].bearer_tokens[0]", "duplicate bearer token"),
]  # fmt: skip


@pytest.mark.parametrize(("breaker", "path", "words"), CROSS_CASES)
def test_cross_check_violations_name_the_path(
    tmp_path: Path, doc: dict[str, Any], breaker: Any, path: str, words: str
) -> None:
    breaker(doc)
    message = _error(tmp_path, doc)
    assert f": {path}: " in message, message
    assert words in message


def test_error_names_the_file_as_given(tmp_path: Path, doc: dict[str, Any]) -> None:
    doc["posts"][0]["created_at"] = "yesterday"
    path = _write(tmp_path, doc, "my-world.json")
    with pytest.raises(WorldError, match=r"my-world\.json: \$\.posts\[0\]\.created_at: "):
        load_world(path)


def test_huge_bad_value_is_shortened(tmp_path: Path, doc: dict[str, Any]) -> None:
    doc["posts"][0]["text"] = ["x" * 5000]
    message = _error(tmp_path, doc)
    assert "$.posts[0].text" in message and len(message) < 400


@pytest.mark.parametrize(
    ("breaker", "path"),
    [
        (lambda d: d["apps"][0].update(bearer_tokens="xsim-example-bearer-not-real"),
         "$.apps[0].bearer_tokens"),
        (lambda d: d["tokens"][0].update(access_token=["xsim-example-access-alice"]),
         "$.tokens[0].access_token"),
        (lambda d: d["tokens"][0].update(refresh_token=7), "$.tokens[0].refresh_token"),
        (lambda d: d.update(tokens={"a": "xsim-example-access-alice"}), "$.tokens"),
        (lambda d: d["tokens"][0].update(user_id="404"), "$.tokens[0].user_id"),
    ],
)  # fmt: skip
def test_errors_never_show_secrets(
    tmp_path: Path, doc: dict[str, Any], breaker: Any, path: str
) -> None:
    breaker(doc)
    message = _error(tmp_path, doc)
    assert f": {path}: " in message
    assert "xsim-example-" not in message


def test_a_document_that_is_not_an_object(tmp_path: Path) -> None:
    assert _error(tmp_path, []).endswith(": $: [] is not of type 'object'")


def test_naive_and_offset_times_become_utc(tmp_path: Path, doc: dict[str, Any]) -> None:
    doc["posts"][0]["created_at"] = "2026-04-10T14:00:00+02:00"
    world = load_world(_write(tmp_path, doc))
    created = world.posts[doc["posts"][0]["id"]].created_at
    assert created.isoformat() == "2026-04-10T12:00:00+00:00"


def test_integral_floats_load_as_integer_counts(tmp_path: Path, doc: dict[str, Any]) -> None:
    i = _post_index(doc, "Exact numbers for tests")
    doc["posts"][i]["metrics"]["exact"]["impressions"] = 1000.0  # JSON Schema: an integer
    doc["media"][2]["final"]["view_count"] = 1900.0
    world = load_world(_write(tmp_path, doc))
    impressions = world.posts[doc["posts"][i]["id"]].final.impressions
    assert impressions == 1000 and type(impressions) is int
    assert type(world.media[doc["media"][2]["media_key"]].final.view_count) is int
