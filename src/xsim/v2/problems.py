"""The real API's error bodies (RFC 7807 Problems), shaped as the recordings show them.

Top-level failures are a Problem with ``type`` and ``title`` (``status`` only where X sends
it: 401/403/429/5xx carry it, the 400 invalid-request body does not). Partial errors beside
``data`` are Problems with ``value``/``resource_id``/``parameter``/``resource_type``.
"""

from __future__ import annotations

from typing import Any

PROBLEMS = "https://api.twitter.com/2/problems/"
INVALID_REQUEST = PROBLEMS + "invalid-request"
NOT_FOUND = PROBLEMS + "resource-not-found"
NOT_AUTHORIZED_RESOURCE = PROBLEMS + "not-authorized-for-resource"
NOT_AUTHORIZED_FIELD = PROBLEMS + "not-authorized-for-field"
UNSUPPORTED_AUTH = PROBLEMS + "unsupported-authentication"
USAGE_CAPPED = PROBLEMS + "usage-capped"
UNAVAILABLE = PROBLEMS + "resource-unavailable"
CLIENT_FORBIDDEN = PROBLEMS + "client-forbidden"

Problem = dict[str, Any]
# OpenAPI 2.167 types its Problems under api.x.com; a 2.167-dialect answer uses these.
X_PROBLEMS = "https://api.x.com/2/problems/"


def in_dialect(errors: list[Problem], dialect: str) -> list[Problem]:
    """``errors`` with their ``type`` URIs as the dialect's spec spells them."""
    if dialect != "2.167":
        return errors
    return [
        {**e, "type": X_PROBLEMS + e["type"][len(PROBLEMS) :]}
        if str(e.get("type", "")).startswith(PROBLEMS)
        else e
        for e in errors
    ]


def generic(status: int, title: str) -> Problem:
    """The ``about:blank`` Problem X sends for 401, 429 and 5xx (recorded 401 body)."""
    return {"title": title, "type": "about:blank", "status": status, "detail": title}


UNAUTHORIZED = generic(401, "Unauthorized")
TOO_MANY_REQUESTS = generic(429, "Too Many Requests")
# A user token without the endpoint's scopes: X's bare 403, which names no scope (client bug
# reports show exactly this body); xsim logs the missing scopes instead.
FORBIDDEN = generic(403, "Forbidden")


def invalid_request(errors: list[dict[str, Any]]) -> Problem:
    """The 400 body: ``errors`` of ``{parameters, message}``, no ``status`` (as recorded)."""
    return {
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def not_found(resource_type: str, parameter: str, value: str) -> Problem:
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": NOT_FOUND,
    }


def not_authorized(resource_type: str, parameter: str, value: str, section: str) -> Problem:
    noun = "Tweet" if resource_type == "tweet" else resource_type
    return {
        "value": value,
        "detail": f"Sorry, you are not authorized to see the {noun} with {parameter}: [{value}].",
        "title": "Authorization Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "section": section,
        "type": NOT_AUTHORIZED_RESOURCE,
    }


def field_unauthorized(
    resource_type: str, field: str, parameter: str, value: str, section: str
) -> Problem:
    """A private metric the caller may not read (wording as in real client bug reports)."""
    noun = {"tweet": "Tweet", "media": "Media"}.get(resource_type, resource_type)
    return {
        "resource_type": resource_type,
        "field": field,
        "parameter": parameter,
        "resource_id": value,
        "title": "Field Authorization Error",
        "section": section,
        "detail": (
            f"Sorry, you are not authorized to access '{field}' on the {noun} "
            f"with {parameter} : [{value}]."
        ),
        "value": value,
        "type": NOT_AUTHORIZED_FIELD,
    }


def unsupported_auth(used: str, supported: str) -> Problem:
    return {
        "title": "Unsupported Authentication",
        "detail": (
            f"Authenticating with {used} is forbidden for this endpoint.  "
            f"Supported authentication types are [{supported}]."
        ),
        "type": UNSUPPORTED_AUTH,
        "status": 403,
    }


def usage_capped(product: str, account_id: str) -> Problem:
    """The monthly post-read cap, shaped as the body users report (xdevplatform/xdk#25).

    Unlike the other Problems it carries ``account_id`` (the developer account) and no
    ``status``.
    """
    return {
        "account_id": account_id,
        "product_name": product,
        "title": "UsageCapExceeded",
        "period": "Monthly",
        "scope": "Product",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": USAGE_CAPPED,
    }


def client_forbidden(client_id: str, enrollment: str) -> Problem:
    """An endpoint outside the app's plan: the 403 body developers report verbatim
    (``client_id`` and ``required_enrollment`` beside the spec's ``ClientForbiddenProblem``
    fields, and no ``status``)."""
    return {
        "client_id": client_id,
        "detail": (
            "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
            "and tokens from a Twitter developer App that is attached to a Project. You can "
            "create a project via the developer portal."
        ),
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden",
        "required_enrollment": enrollment,
        "reason": "client-not-enrolled",
        "type": CLIENT_FORBIDDEN,
    }


def unavailable(resource_type: str, parameter: str, value: str) -> Problem:
    """A resource that could not be served this time (``ResourceUnavailableProblem``)."""
    return {
        "parameter": parameter,
        "resource_id": value,
        "resource_type": resource_type,
        "title": "Resource Unavailable",
        "detail": f"Temporarily unable to serve {resource_type} with {parameter}: [{value}].",
        "type": UNAVAILABLE,
    }
