"""The routes of the enterprise analytics endpoints on ``/2/``.

``/2/tweets/analytics`` and ``/2/media/analytics`` are ``/2/`` routes: they go through the
same pipeline as the others (:func:`xsim.v2.routes.endpoint`: auth, rate limit, plan, cap,
billing). The Engagement API answers in its own way (:class:`EngagementAPI`).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from xsim.enterprise import media_analytics, tweets_analytics
from xsim.v2.routes import Handler, Spec, endpoint


def analytics_routes() -> list[BaseRoute]:
    table: list[tuple[str, Spec, Handler]] = [
        ("/2/tweets/analytics", Spec("tweets_analytics", auth="user"), tweets_analytics.handle),
        ("/2/media/analytics", Spec("media_analytics", auth="user", reads_posts=False),
         media_analytics.handle),
    ]  # fmt: skip
    return [Route(path, endpoint(spec, fn), methods=["GET"]) for path, spec, fn in table]
