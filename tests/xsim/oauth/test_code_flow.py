"""The full code flow with PKCE, driven by authlib: an independent, real OAuth client."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import authlib.deprecate  # noqa: F401  (installs authlib's global filter before ours)
import httpx
import pytest
from authlib.common.security import generate_token

with warnings.catch_warnings():
    # authlib 1.9 nudges towards "httpx2"; plain httpx is what xpulse uses.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

if TYPE_CHECKING:
    from conftest import Sim

pytestmark = pytest.mark.anyio


def _authlib_client(sim: Sim, client_id: str, secret: str | None) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=secret,
        scope=sim.SCOPES,
        redirect_uri=sim.CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        transport=httpx.ASGITransport(app=sim.app),
        base_url=sim.BASE,
    )


async def _sign_in(sim: Sim, client: AsyncOAuth2Client, authorize_path: str) -> dict[str, object]:
    verifier = generate_token(64)
    url, state = client.create_authorization_url(
        f"{sim.BASE}{authorize_path}", code_verifier=verifier, login_hint="@bob"
    )
    resp = await sim.http.get(url)  # the browser's part
    assert resp.status_code == 302
    location = resp.headers["location"]
    assert location.startswith(sim.CALLBACK + "?")
    token: dict[str, object] = await client.fetch_token(
        f"{sim.BASE}/2/oauth2/token",
        authorization_response=location,
        code_verifier=verifier,
        state=state,
    )
    return token


@pytest.mark.parametrize("authorize_path", ["/i/oauth2/authorize", "/2/oauth2/authorize"])
async def test_confidential_client_signs_in_refreshes_and_revokes(
    make_sim: Callable[..., Sim], authorize_path: str
) -> None:
    sim = make_sim()
    async with _authlib_client(sim, sim.CONF_ID, sim.CONF_SECRET) as client:
        token = await _sign_in(sim, client, authorize_path)
        assert token["token_type"] == "bearer"
        assert token["expires_in"] == 7200
        assert token["scope"] == "offline.access tweet.read users.read"
        first_access, first_refresh = str(token["access_token"]), str(token["refresh_token"])

        me = await sim.whoami(first_access)
        assert me.status_code == 200
        assert me.json()["user_id"] == "1002"  # login_hint=@bob
        assert me.json()["kind"] == "user"
        assert me.json()["scopes"] == ["offline.access", "tweet.read", "users.read"]

        refreshed = await client.refresh_token(f"{sim.BASE}/2/oauth2/token")
        assert refreshed["refresh_token"] != first_refresh
        assert refreshed["access_token"] != first_access
        assert (await sim.whoami(str(refreshed["access_token"]))).json()["user_id"] == "1002"

        # The rotated refresh token is dead at once.
        stale = await sim.refresh(first_refresh)
        assert stale.status_code == 400
        assert stale.json()["error"] == "invalid_grant"

        # Revoking the live refresh token ends the sign-in: its access tokens die too.
        resp = await client.revoke_token(
            f"{sim.BASE}/2/oauth2/revoke", str(refreshed["refresh_token"]), "refresh_token"
        )
        assert resp.status_code == 200
        assert resp.json() == {"revoked": True}
        assert (await sim.whoami(str(refreshed["access_token"]))).status_code == 401
        assert (await sim.whoami(first_access)).status_code == 401


async def test_public_client_signs_in_with_client_id_in_body(sim: Sim) -> None:
    async with _authlib_client(sim, sim.PUB_ID, None) as client:
        token = await _sign_in(sim, client, "/i/oauth2/authorize")
        me = await sim.whoami(str(token["access_token"]))
        assert me.json()["client_id"] == sim.PUB_ID
        refreshed = await client.refresh_token(f"{sim.BASE}/2/oauth2/token")
        assert (await sim.whoami(str(refreshed["access_token"]))).status_code == 200


async def test_authlib_refreshes_an_expired_token_by_itself(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(lifetime=timedelta(seconds=5))
    async with _authlib_client(sim, sim.CONF_ID, sim.CONF_SECRET) as client:
        token = await _sign_in(sim, client, "/i/oauth2/authorize")
        assert token["expires_in"] == 5
        sim.clock.advance(6)
        assert (await sim.whoami(str(token["access_token"]))).status_code == 401
        refreshed = await client.refresh_token(f"{sim.BASE}/2/oauth2/token")
        assert refreshed["expires_in"] == 5
        assert (await sim.whoami(str(refreshed["access_token"]))).status_code == 200
