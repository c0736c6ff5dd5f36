"""Wire helpers of xsim's OAuth endpoints: form bodies, client authentication, PKCE, scopes.

X's token endpoint takes ``application/x-www-form-urlencoded`` bodies and authenticates
confidential clients by HTTP Basic only (a secret in the body does not count), public
clients by ``client_id`` in the body. The body is parsed here rather than by Starlette so
that no multipart dependency is needed and duplicated parameters can be refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse

from xsim.oauth.store import OAuthError
from xsim.world.model import App, World

MAX_BODY = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# The scopes of X's OAuth2UserToken security scheme (OpenAPI 2.159), with X's wording.
KNOWN_SCOPES: dict[str, str] = {
    "tweet.read": "View all Posts you can see, including those from protected accounts.",
    "tweet.write": "Post and repost on your behalf.",
    "tweet.moderate.write": "Hide and unhide replies to your Posts.",
    "users.read": "View any account you can see, including protected accounts.",
    "follows.read": "View accounts you follow and accounts following you.",
    "follows.write": "Follow and unfollow accounts on your behalf.",
    "offline.access": "Request a refresh token for the app.",
    "space.read": "View all Spaces you have access to.",
    "mute.read": "View accounts you have muted.",
    "mute.write": "Mute and unmute accounts on your behalf.",
    "like.read": "View Posts you have liked and likes you can see.",
    "like.write": "Like and unlike Posts on your behalf.",
    "list.read": "View Lists, members, and followers of Lists you created or are a member of.",
    "list.write": "Create and manage Lists on your behalf.",
    "block.read": "View accounts you have blocked.",
    "block.write": "Block and unblock accounts on your behalf.",
    "bookmark.read": "Read your bookmarked Posts.",
    "bookmark.write": "Create and delete your bookmarks.",
    "dm.read": "Read all your Direct Messages.",
    "dm.write": "Send and manage your Direct Messages.",
    "media.write": "Upload media, such as photos and videos, on your behalf.",
    "timeline.read": "View all Custom Timelines you can see.",
}

# RFC 7636 §4.1: 43-128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# An S256 challenge is base64url(sha256) without padding: exactly 43 characters.
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_\-]{43}")


def error_response(err: OAuthError) -> JSONResponse:
    """The RFC 6749 §5.2 JSON error body, uncached; 401 names the Basic scheme."""
    headers = dict(NO_STORE)
    if err.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="xsim"'
    body = {"error": err.error, "error_description": err.description}
    return JSONResponse(body, status_code=err.status, headers=headers)


def json_response(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=NO_STORE)


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body as a dict; blank values count as absent (RFC 6749 §3.1)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request", "Content-Type must be application/x-www-form-urlencoded."
        )
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise OAuthError("invalid_request", "Request body is too large.")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "Request body is not valid form data.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"Parameter [{name}] was given more than once.")
        if value != "":
            form[name] = value
    return form


def require(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if value is None:
        raise OAuthError("invalid_request", f"Missing required parameter [{name}].")
    return value


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(client_id, secret) from a Basic header, as sent (see :func:`matches`)."""
    if not authorization:
        return None
    scheme, _, payload = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(payload.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError and non-ASCII input
        raise OAuthError("invalid_client", "Missing valid authorization header", 401) from None
    if ":" not in decoded:
        raise OAuthError("invalid_client", "Missing valid authorization header", 401)
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def matches(sent: str, expected: str) -> bool:
    """RFC 6749 §2.3.1 form-encodes Basic credentials; most X clients send them raw.

    Accept both spellings, comparing in constant time.
    """
    want = expected.encode("utf-8")
    raw = hmac.compare_digest(sent.encode("utf-8"), want)
    return hmac.compare_digest(unquote_plus(sent).encode("utf-8"), want) or raw


def authenticate_client(world: World, request: Request, form: dict[str, str]) -> App:
    """The calling app: Basic for confidential clients, ``client_id`` in the body for public."""
    basic = basic_credentials(request.headers.get("authorization"))
    body_id = form.get("client_id")
    if basic is not None:
        client_id, secret = basic
        app = world.apps.get(client_id) or world.apps.get(unquote_plus(client_id))
        if app is None:
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        client_id = app.client_id
        if body_id is not None and body_id != client_id:
            raise OAuthError("invalid_request", "client_id does not match the Basic credentials.")
        if not matches(secret, app.client_secret or ""):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        return app
    if body_id is None:
        raise OAuthError("invalid_client", "Missing valid authorization header", 401)
    app = world.apps.get(body_id)
    if app is None:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    if app.confidential:
        # X refuses a confidential client that does not send Basic, even with client_id.
        raise OAuthError("invalid_client", "Missing valid authorization header", 401)
    return app


def verifier_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6 S256: BASE64URL(SHA256(verifier)) == challenge."""
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
    return hmac.compare_digest(computed.rstrip(b"=").decode("ascii"), challenge)


def check_verifier_format(verifier: str) -> None:
    if not _VERIFIER.fullmatch(verifier):
        raise OAuthError(
            "invalid_request",
            "code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).",
        )


def parse_scopes(raw: str) -> frozenset[str]:
    """Space-separated scopes; unknown ones raise ``invalid_scope``."""
    scopes = frozenset(raw.split())
    unknown = sorted(scopes - KNOWN_SCOPES.keys())
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
    if not scopes:
        raise OAuthError("invalid_scope", "At least one scope is required.")
    return scopes


def format_scopes(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))
