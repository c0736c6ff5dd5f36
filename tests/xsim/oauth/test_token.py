"""The token endpoint, raw: every refusal a client can meet, and the exact wire shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Sim

pytestmark = pytest.mark.anyio


def _refused(resp: httpx.Response, status: int, error: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert resp.headers["cache-control"] == "no-store"
    return str(body["error_description"])


async def test_token_response_has_xs_shape(sim: Sim) -> None:
    code, verifier = await sim.code()
    resp = await sim.exchange(code, verifier)
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert list(body) == ["token_type", "expires_in", "access_token", "scope", "refresh_token"]
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"].split() == sorted(sim.SCOPES.split())
    assert len(body["access_token"]) >= 43 and len(body["refresh_token"]) >= 43
    assert body["access_token"] != body["refresh_token"]


async def test_wrong_verifier_fails_and_burns_the_code(sim: Sim) -> None:
    code, verifier = await sim.code()
    other, _ = sim.pkce()
    assert "code_verifier" in _refused(await sim.exchange(code, other), 400, "invalid_grant")
    _refused(await sim.exchange(code, verifier), 400, "invalid_grant")


async def test_malformed_verifier_is_an_invalid_request(sim: Sim) -> None:
    code, _ = await sim.code()
    _refused(await sim.exchange(code, "short"), 400, "invalid_request")


async def test_reused_code_fails_and_ends_what_it_issued(sim: Sim) -> None:
    code, verifier = await sim.code()
    first = (await sim.exchange(code, verifier)).json()
    assert (await sim.whoami(first["access_token"])).status_code == 200
    desc = _refused(await sim.exchange(code, verifier), 400, "invalid_grant")
    assert "already used" in desc
    # RFC 6749 §4.1.2: a replayed code revokes the tokens it produced.
    assert (await sim.whoami(first["access_token"])).status_code == 401
    _refused(await sim.refresh(first["refresh_token"]), 400, "invalid_grant")


async def test_code_lives_thirty_seconds(sim: Sim) -> None:
    code, verifier = await sim.code()
    sim.clock.advance(29)
    assert (await sim.exchange(code, verifier)).status_code == 200
    code, verifier = await sim.code()
    sim.clock.advance(30)
    assert "expired" in _refused(await sim.exchange(code, verifier), 400, "invalid_grant")


async def test_redirect_uri_must_equal_the_one_authorized(sim: Sim) -> None:
    code, verifier = await sim.code(sim.PUB_ID)
    other = "http://localhost/cb?keep=1"  # registered too, but not the one used
    resp = await sim.exchange(code, verifier, sim.PUB_ID, redirect_uri=other)
    assert "redirect_uri" in _refused(resp, 400, "invalid_grant")


async def test_code_of_another_client_is_refused(sim: Sim) -> None:
    code, verifier = await sim.code(sim.CONF_ID)
    _refused(await sim.exchange(code, verifier, sim.PUB_ID), 400, "invalid_grant")


@pytest.mark.parametrize("missing", ["code", "redirect_uri", "code_verifier", "grant_type"])
async def test_missing_parameter(sim: Sim, missing: str) -> None:
    code, verifier = await sim.code()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sim.CALLBACK,
        "code_verifier": verifier,
    }
    del data[missing]
    resp = await sim.http.post(
        "/2/oauth2/token", data=data, headers=sim.basic(sim.CONF_ID, sim.CONF_SECRET)
    )
    assert f"[{missing}]" in _refused(resp, 400, "invalid_request")


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "implicit"])
async def test_unsupported_grant_type(sim: Sim, grant_type: str) -> None:
    resp = await sim.http.post(
        "/2/oauth2/token",
        data={"grant_type": grant_type},
        headers=sim.basic(sim.CONF_ID, sim.CONF_SECRET),
    )
    _refused(resp, 400, "unsupported_grant_type")


async def test_json_body_is_refused(sim: Sim) -> None:
    resp = await sim.http.post(
        "/2/oauth2/token",
        json={"grant_type": "refresh_token", "refresh_token": sim.PRE_REFRESH},
        headers=sim.basic(sim.CONF_ID, sim.CONF_SECRET),
    )
    assert "x-www-form-urlencoded" in _refused(resp, 400, "invalid_request")


async def test_refresh_rotates_and_the_old_token_dies_at_once(sim: Sim) -> None:
    first = (await sim.refresh(sim.PRE_REFRESH)).json()
    assert first["refresh_token"] != sim.PRE_REFRESH
    assert "already used" in _refused(await sim.refresh(sim.PRE_REFRESH), 400, "invalid_grant")
    second = (await sim.refresh(first["refresh_token"])).json()
    _refused(await sim.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert (await sim.whoami(second["access_token"])).json()["user_id"] == "1001"
    _refused(await sim.refresh("made-up-refresh-token"), 400, "invalid_grant")


async def test_refresh_token_only_with_offline_access(sim: Sim) -> None:
    code, verifier = await sim.code(scope="tweet.read users.read")
    body = (await sim.exchange(code, verifier)).json()
    assert "refresh_token" not in body
    assert body["scope"] == "tweet.read users.read"


async def test_refresh_can_narrow_but_not_widen_scope(sim: Sim) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": sim.PRE_REFRESH, "scope": "dm.read"}
    auth = sim.basic(sim.CONF_ID, sim.CONF_SECRET)
    resp = await sim.http.post("/2/oauth2/token", data=data, headers=auth)
    _refused(resp, 400, "invalid_scope")
    data["scope"] = "tweet.read offline.access"
    narrowed = (await sim.http.post("/2/oauth2/token", data=data, headers=auth)).json()
    assert narrowed["scope"] == "offline.access tweet.read"
    assert (await sim.whoami(narrowed["access_token"])).json()["scopes"] == [
        "offline.access",
        "tweet.read",
    ]


async def test_confidential_client_must_use_basic(sim: Sim) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": sim.PRE_REFRESH}
    # client_id in the body, even with the secret beside it, is not enough.
    for body in ({"client_id": sim.CONF_ID}, {"client_id": sim.CONF_ID, "client_secret": "x"}):
        resp = await sim.http.post("/2/oauth2/token", data={**data, **body})
        _refused(resp, 401, "invalid_client")
        assert resp.headers["www-authenticate"].startswith("Basic")
    wrong = sim.basic(sim.CONF_ID, "not-the-secret")
    _refused(
        await sim.http.post("/2/oauth2/token", data=data, headers=wrong), 401, "invalid_client"
    )
    unknown = sim.basic("nobody", "x")
    resp = await sim.http.post("/2/oauth2/token", data=data, headers=unknown)
    _refused(resp, 401, "invalid_client")
    _refused(await sim.http.post("/2/oauth2/token", data=data), 401, "invalid_client")
    garbled = {"Authorization": "Basic !!!not-base64"}
    _refused(
        await sim.http.post("/2/oauth2/token", data=data, headers=garbled), 401, "invalid_client"
    )
    # The failed attempts did not use up the refresh token.
    assert (await sim.refresh(sim.PRE_REFRESH)).status_code == 200


async def test_basic_and_body_client_ids_must_agree(sim: Sim) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": sim.PRE_REFRESH, "client_id": "pub"}
    resp = await sim.http.post(
        "/2/oauth2/token", data=data, headers=sim.basic(sim.CONF_ID, sim.CONF_SECRET)
    )
    _refused(resp, 400, "invalid_request")


async def test_public_client_authenticates_by_client_id_in_body(sim: Sim) -> None:
    code, verifier = await sim.code(sim.PUB_ID)
    resp = await sim.http.post(
        "/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": sim.CALLBACK,
            "code_verifier": verifier,
        },
    )
    _refused(resp, 401, "invalid_client")  # no client_id at all: who is asking?
    code, verifier = await sim.code(sim.PUB_ID)
    assert (await sim.exchange(code, verifier, sim.PUB_ID)).status_code == 200


async def test_revoke_access_token_only(sim: Sim) -> None:
    auth = sim.basic(sim.CONF_ID, sim.CONF_SECRET)
    data = {"token": sim.PRE_ACCESS, "token_type_hint": "access_token"}
    resp = await sim.http.post("/2/oauth2/revoke", data=data, headers=auth)
    assert resp.status_code == 200
    assert resp.json() == {"revoked": True}
    assert (await sim.whoami(sim.PRE_ACCESS)).status_code == 401
    # The refresh token of that sign-in still works.
    assert (await sim.refresh(sim.PRE_REFRESH)).status_code == 200


async def test_revoke_refresh_token_kills_its_access_tokens(sim: Sim) -> None:
    code, verifier = await sim.code(sim.PUB_ID)
    pair = (await sim.exchange(code, verifier, sim.PUB_ID)).json()
    data = {"token": pair["refresh_token"], "client_id": sim.PUB_ID}
    assert (await sim.http.post("/2/oauth2/revoke", data=data)).json() == {"revoked": True}
    assert (await sim.whoami(pair["access_token"])).status_code == 401
    _refused(await sim.refresh(pair["refresh_token"], sim.PUB_ID), 400, "invalid_grant")
    # Other sign-ins are untouched.
    assert (await sim.whoami(sim.PRE_ACCESS)).status_code == 200


async def test_revoke_refusals(sim: Sim) -> None:
    # Someone else's token.
    data = {"token": sim.PRE_ACCESS, "client_id": sim.PUB_ID}
    _refused(await sim.http.post("/2/oauth2/revoke", data=data), 400, "invalid_request")
    assert (await sim.whoami(sim.PRE_ACCESS)).status_code == 200
    # No client authentication.
    _refused(
        await sim.http.post("/2/oauth2/revoke", data={"token": sim.PRE_ACCESS}),
        401,
        "invalid_client",
    )
    # No token.
    resp = await sim.http.post("/2/oauth2/revoke", data={"client_id": sim.PUB_ID})
    _refused(resp, 400, "invalid_request")
    # An unknown token is not an error (RFC 7009 §2.2).
    resp = await sim.http.post(
        "/2/oauth2/revoke", data={"token": "never-issued", "client_id": sim.PUB_ID}
    )
    assert resp.json() == {"revoked": True}


async def test_get_on_token_endpoint_is_not_allowed(sim: Sim) -> None:
    assert (await sim.http.get("/2/oauth2/token")).status_code == 405
