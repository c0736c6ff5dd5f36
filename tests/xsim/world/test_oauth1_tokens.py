"""Generated worlds carry an OAuth 1.0a token pair per user, survive a save and load, and
the pair signs requests that xsim accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from xsim_api_support import SyncASGI
from xsim_enterprise_support import ALICE_BEARER, ALICE_OT, ALICE_OTS, BASE, make_world

from xsim.clock import FixedClock
from xsim.oauth.oauth1 import sign_header
from xsim.server.app import create_app
from xsim.world.check import WorldError
from xsim.world.document import dump_world, load_world, world_from_json, world_to_json
from xsim.world.generate import generate_world
from xsim.world.generate_people import GenerateOptions

NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)


def test_generated_world_oauth1_tokens_round_trip_and_sign(tmp_path: Path) -> None:
    world = generate_world(GenerateOptions(seed=7, users=2, days=10, now=NOW))
    assert {t.user_id for t in world.oauth1_tokens} == set(world.users)
    path = tmp_path / "world.json"
    dump_world(world, path)
    loaded = load_world(path)
    assert loaded.oauth1_tokens == world.oauth1_tokens

    pair = loaded.oauth1_tokens[0]
    app = loaded.apps[pair.client_id]
    assert app.consumer_key and app.consumer_secret
    client = httpx.Client(transport=SyncASGI(create_app(loaded, clock=FixedClock(NOW))))
    url = f"{BASE}/2/users/me"
    header = sign_header(
        "GET", url, consumer_key=app.consumer_key, consumer_secret=app.consumer_secret,
        token=pair.token, token_secret=pair.token_secret, timestamp=int(NOW.timestamp()),
        nonce="generated-world",
    )  # fmt: skip
    me = client.get(url, headers={"Authorization": header})
    assert me.status_code == 200 and me.json()["data"]["id"] == pair.user_id
    client.close()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "no-such-app"}, "$.oauth1_tokens[0].client_id: not a known app"),
        ({"user_id": "424242"}, "$.oauth1_tokens[0].user_id: '424242' is not a known user id"),
    ],
)
def test_bad_oauth1_tokens_are_refused_without_quoting_secrets(
    change: dict[str, str], message: str
) -> None:
    doc = world_to_json(make_world())
    doc["oauth1_tokens"][0].update(change)
    with pytest.raises(WorldError) as caught:
        world_from_json(doc)
    assert message in str(caught.value)
    assert ALICE_OTS not in str(caught.value)


def test_duplicate_oauth1_token_is_refused_without_quoting_it() -> None:
    doc = world_to_json(make_world())
    doc["oauth1_tokens"][1]["token"] = doc["oauth1_tokens"][0]["token"]
    with pytest.raises(WorldError) as caught:
        world_from_json(doc)
    assert "duplicate OAuth 1.0a token" in str(caught.value)
    assert ALICE_OT not in str(caught.value)


def test_duplicate_access_token_is_refused_without_quoting_it() -> None:
    doc = world_to_json(make_world())
    doc["tokens"].append(dict(doc["tokens"][0]))
    with pytest.raises(WorldError) as caught:
        world_from_json(doc)
    assert "$.tokens[1].access_token: duplicate access_token" in str(caught.value)
    assert ALICE_BEARER not in str(caught.value)
