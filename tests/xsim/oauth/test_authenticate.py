"""What the resource endpoints see: user and app principals, expiry, app-only bearers."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from xsim.oauth.server import OAuthServer, Principal
from xsim.world.model import App

if TYPE_CHECKING:
    from conftest import FakeClock, Sim

pytestmark = pytest.mark.anyio


def test_preissued_token_lives_until_its_stated_expiry(sim: Sim) -> None:
    header = f"Bearer {sim.PRE_ACCESS}"
    principal = sim.server.authenticate(header)
    assert principal == Principal(
        "user", sim.CONF_ID, "1001", frozenset(sim.SCOPES.split()), principal.token_id
    )
    sim.clock.advance(3599)
    assert sim.server.authenticate(header) is not None
    sim.clock.advance(1)  # the world says: expires at NOW + 1 h
    assert sim.server.authenticate(header) is None


async def test_issued_token_expires_after_the_configured_lifetime(
    make_sim: Callable[..., Sim],
) -> None:
    sim = make_sim()  # default: 2 hours, like X
    code, verifier = await sim.code()
    token = (await sim.exchange(code, verifier)).json()["access_token"]
    sim.clock.advance(7199)
    assert (await sim.whoami(token)).status_code == 200
    sim.clock.advance(1)
    assert (await sim.whoami(token)).status_code == 401

    short = make_sim(lifetime=timedelta(seconds=3))
    code, verifier = await short.code()
    body = (await short.exchange(code, verifier)).json()
    assert body["expires_in"] == 3
    short.clock.advance(3)
    assert (await short.whoami(body["access_token"])).status_code == 401


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer not-a-token", "OAuth x=1"],
)
def test_anything_else_is_anonymous(sim: Sim, header: str | None) -> None:
    assert sim.server.authenticate(header) is None


def test_scheme_is_case_insensitive(sim: Sim) -> None:
    assert sim.server.authenticate(f"bearer {sim.PRE_ACCESS}") is not None


def test_app_bearer_is_an_app_principal(sim: Sim) -> None:
    principal = sim.server.authenticate(f"Bearer {sim.APP_BEARER}")
    assert principal is not None
    assert (principal.kind, principal.client_id) == ("app", sim.PUB_ID)
    assert principal.user_id is None
    assert principal.scopes == frozenset()


def test_token_id_is_stable_distinct_and_not_the_token(sim: Sim) -> None:
    user = sim.server.authenticate(f"Bearer {sim.PRE_ACCESS}")
    app = sim.server.authenticate(f"Bearer {sim.APP_BEARER}")
    assert user is not None and app is not None
    again = sim.server.authenticate(f"Bearer {sim.PRE_ACCESS}")
    assert again is not None and again.token_id == user.token_id
    assert user.token_id != app.token_id
    assert sim.PRE_ACCESS not in user.token_id and sim.APP_BEARER not in app.token_id


def test_bearer_added_to_the_world_later_works(sim: Sim) -> None:
    sim.world.apps["late"] = App("late", "Late App", [], bearer_tokens=["fake-late-bearer"])
    principal = sim.server.authenticate("Bearer fake-late-bearer")
    assert principal is not None and principal.client_id == "late"


def _consumer_basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


async def test_client_credentials_gives_the_apps_bearer(sim: Sim) -> None:
    auth = _consumer_basic("fake-consumer-key", "fake-consumer-secret")
    data = {"grant_type": "client_credentials"}
    first = await sim.http.post("/oauth2/token", data=data, headers=auth)
    assert first.status_code == 200
    assert list(first.json()) == ["token_type", "access_token"]
    bearer = first.json()["access_token"]
    assert first.json()["token_type"] == "bearer"
    # The same bearer each time, as X does, and it authenticates as the app.
    second = await sim.http.post("/oauth2/token", data=data, headers=auth)
    assert second.json()["access_token"] == bearer
    me = (await sim.whoami(bearer)).json()
    assert (me["kind"], me["client_id"], me["user_id"]) == ("app", sim.CONF_ID, None)


async def test_client_credentials_refusals_use_v1_errors(sim: Sim) -> None:
    bad = _consumer_basic("fake-consumer-key", "wrong")
    resp = await sim.http.post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, headers=bad
    )
    assert resp.status_code == 403
    assert resp.json()["errors"][0]["code"] == 99
    good = _consumer_basic("fake-consumer-key", "fake-consumer-secret")
    resp = await sim.http.post("/oauth2/token", data={}, headers=good)
    assert resp.status_code == 403
    assert resp.json()["errors"][0]["code"] == 170


def test_issue_user_token_helper(sim: Sim) -> None:
    tok = sim.server.issue_user_token(sim.PUB_ID, "1002", frozenset({"tweet.read"}))
    assert tok.refresh_token is None
    assert tok.expires_at == sim.NOW + timedelta(hours=2)
    principal = sim.server.authenticate(f"Bearer {tok.access_token}")
    assert principal is not None and principal.user_id == "1002"
    with pytest.raises(ValueError, match="unknown"):
        sim.server.issue_user_token("nope", "1002", frozenset())


def test_lifetime_must_be_positive(sim: Sim) -> None:
    clock: FakeClock = sim.clock
    with pytest.raises(ValueError, match="positive"):
        OAuthServer(sim.world, clock, access_token_lifetime=timedelta(0))


async def test_no_secret_reaches_the_logs(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code, verifier = await sim.code()
    pair = (await sim.exchange(code, verifier)).json()
    refreshed = (await sim.refresh(pair["refresh_token"])).json()
    await sim.refresh(pair["refresh_token"])  # a refused one logs too
    await sim.http.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers=_consumer_basic("fake-consumer-key", "fake-consumer-secret"),
    )
    assert "issued" in caplog.text  # something was logged, so the check below means something
    secrets = [code, verifier, sim.CONF_SECRET, "fake-consumer-secret", sim.APP_BEARER]
    secrets += [pair["access_token"], pair["refresh_token"], refreshed["refresh_token"]]
    for secret in secrets:
        assert secret not in caplog.text
