"""What each plan may call: X's documentation of 2026, as a table.

Since 31 March 2026 X lists the post and media analytics endpoints (``GET
/2/tweets/analytics``, ``GET /2/media/analytics``) as Enterprise-only, "not available" on
pay-per-use (``enterprise-api/getting-started/pricing.mdx``); Basic and Pro left the docs in
May 2026 without ever listing them. An app whose plan lacks an endpoint is answered the way
X answers a product the app is not enrolled in: HTTP 403 with the ``client-forbidden``
Problem, ``reason`` ``client-not-enrolled`` and ``required_enrollment`` naming the product
(:func:`xsim.v2.problems.client_forbidden`).

Everything else in ``/2/`` is open to every plan (the monthly cap and rate limits still
apply). The Engagement API has its own errors and stays open to any app with OAuth 1.0a
credentials, as before.
"""

from __future__ import annotations

from xsim.world.model import Plan

ENTERPRISE: frozenset[Plan] = frozenset({"enterprise"})

# endpoint name (xsim.v2.routes.Spec.name) -> the plans that may call it; absent: every plan
ACCESS: dict[str, frozenset[Plan]] = {
    "tweets_analytics": ENTERPRISE,
    "media_analytics": ENTERPRISE,
}
# The product X names in ``required_enrollment`` for an endpoint a plan lacks.
PRODUCT = {"tweets_analytics": "Enterprise", "media_analytics": "Enterprise"}


def allowed(endpoint: str, plan: Plan) -> bool:
    plans = ACCESS.get(endpoint)
    return plans is None or plan in plans
