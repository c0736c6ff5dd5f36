"""A bug is a 500 Problem and a log line, never a crash: in a ``/2/`` handler (the request
pipeline's guard) and outside them (the app's :class:`CrashGuard`)."""

from __future__ import annotations

from typing import Any

import pytest
from xsim_api_support import BEARER, Api


def test_a_handler_bug_is_a_500_problem_not_a_crash(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xsim.v2 import endpoints

    def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(endpoints, "tweet", broken)
    r = api.get("/2/tweets/20", BEARER)
    assert r.status_code == 500
    assert r.json() == {
        "title": "Internal Server Error",
        "type": "about:blank",
        "status": 500,
        "detail": "Internal Server Error",
    }


def test_a_bug_outside_the_api_handlers_is_a_500_problem_too(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xsim.server import admin

    def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(admin, "post_metrics_at", broken)
    r = api.get("/_sim/truth", None, ids="2000")
    assert r.status_code == 500 and r.json()["title"] == "Internal Server Error"
    assert api.get("/_sim/clock", None).status_code == 200  # and the server goes on
