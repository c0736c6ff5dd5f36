"""Every error xpulse raises for a user to read, in one tree.

An error's kind decides how the command line ends: the user asked for something that
cannot be (a usage error, exit 2), the configuration or installation must be fixed first
(a config error, exit 2), or the work failed while running (exit 1). Only the three kinds
set ``exit_code``; every other class inherits its kind's, so a class changes kind by
changing its parent (``xpulse.cli.failure`` maps an exception to its exit code, and a test
keeps every class below on its kind). A class with two parents is drawn under its kind,
the other in brackets. The CLI prints the message as one line; messages never contain
secrets (they are redacted before an error is built).

                                                exit
    XpulseError                                     1  the work failed while running
    ├── UsageProblem                                2  a bad option value, or options that clash
    │   ├── ReportInputError                        2  a report asked for what cannot be reported
    │   │   ├── PeriodError                         2  a period unparseable, empty or not started
    │   │   └── TimeZoneError                       2  not an IANA zone name
    │   └── ImportFileError                         2  a file that is not what the import expects
    ├── ConfigError                                 2  config missing, malformed or inconsistent
    │   ├── NoAccounts                              2  no [[accounts]] in the config
    │   ├── MissingExtra                            2  an optional dependency is not installed
    │   │   ├── XlsxUnavailable                     2  XlsxWriter (the ``xlsx`` extra)
    │   │   └── PdfUnavailable                      2  WeasyPrint and Pango (the ``pdf`` extra)
    │   ├── ClientRejected (ApiError)               2  X refused the app's own credentials
    │   ├── ApiUnreachable (ApiError)               2  no X API answers at the API base
    │   └── DestinationConfigError (DeliveryError)  2  a destination configured wrongly
    ├── StoreError                                  1  the database cannot be opened or migrated
    ├── WriteError                                  1  a file could not be written
    ├── ApiError                                    1  anything that went wrong talking to X
    │   ├── TransportError                          1  no usable answer: connection, timeout
    │   ├── BadResponse                             1  not the JSON X promises (an HTML 404 …)
    │   ├── HTTPStatusError                         1  X answered with an error status
    │   │   ├── Unauthorized                        1  401: the token is invalid (after one refresh)
    │   │   ├── Forbidden                           1  403: scopes, plan, someone else's metrics
    │   │   │   └── NotEnrolled                     1  403 client-not-enrolled: plan lacks endpoint
    │   │   ├── NotFound                            1  404, or a 200 that only says "not found"
    │   │   ├── InvalidRequest                      1  400: a bad parameter
    │   │   ├── RateLimited                         1  429 of a rate-limit window; ``reset_at``
    │   │   ├── MonthlyCapReached                   1  429 of the plan's monthly post-read cap
    │   │   └── ServerError                         1  5xx (after retries)
    │   ├── NeedsSignIn                             1  no usable token: sign in again
    │   ├── GrantRejected                           1  the token endpoint refused a code or refresh
    │   ├── SignInError                             1  the browser step of sign-in failed
    │   ├── TokenBusy                               1  another process refreshes the token: retry
    │   └── InvalidArgument (ValueError)            1  refused before sending
    │       ├── TooManyIds                          1  more ids than one call takes
    │       └── EngagementRequestError              1  breaks a rule of the Engagement API
    ├── BudgetExceeded                              1  a call could pass the budget or the read cap
    ├── CallsStopped                                1  another account hit the cap: no more calls
    ├── ReportError                                 1  no report from what the store holds
    │   ├── EmptyStoreError                         1  the database holds no posts
    │   └── NoAccountDataError                      1  nothing of the account was collected
    ├── TooManyRows                                 1  more rows than an Excel sheet holds
    ├── DeliveryError                               1  a destination unreachable or refusing
    ├── AlertError                                  1  an alert could not be sent
    ├── RunBusy                                     1  another ``xpulse run`` holds the lock
    ├── CollectBusy                                 1  another ``xpulse collect`` holds the lock
    ├── NoScheduler                                 1  neither cron nor a systemd user session here
    ├── ScheduleError                               1  the schedule cannot be installed or shown
    ├── JobFailed                                   1  a worker's job ended in failure
    └── PageNotFound                                1  a dashboard page the site does not have

``xpulse auth status`` exits 3 when an account cannot be used: that is its verdict on the
accounts it shows, not an error it raises. Ctrl-C exits 130.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any


class XpulseError(Exception):
    """An error with a message fit to show a user as it is; failed while running."""

    exit_code: int = 1


# -- the kinds ------------------------------------------------------------------------------


class UsageProblem(XpulseError):
    """Options that do not go together, or a value an option cannot take."""

    exit_code = 2


class ConfigError(XpulseError):
    """The configuration is missing, malformed or inconsistent, or the installation lacks
    what it asks for: nothing can work until it is fixed."""

    exit_code = 2


# -- usage ----------------------------------------------------------------------------------


class ReportInputError(UsageProblem):
    """The report request cannot be honoured as asked; the message says why in one line."""


class PeriodError(ReportInputError):
    """The period is unparseable, empty, or has not started yet."""


class TimeZoneError(ReportInputError):
    """The time zone is not a known IANA zone name."""


class ImportFileError(UsageProblem):
    """A file that is not what the command expects; the message names the file."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)


# -- configuration --------------------------------------------------------------------------


class NoAccounts(ConfigError):
    """The config names no account, and the command needs one."""

    def __init__(self, path: Path | str, doing: str = "") -> None:
        what = f"; {doing}" if doing else ""
        super().__init__(f"{path}: no [[accounts]] configured{what}; see `xpulse init`")
        self.path = Path(path)


class MissingExtra(ConfigError):
    """An optional dependency is not installed; the message names the extra to install."""


class XlsxUnavailable(MissingExtra):
    """XlsxWriter (the ``xlsx`` extra) is not installed."""


class PdfUnavailable(MissingExtra):
    """WeasyPrint (the ``pdf`` extra) or its system libraries are missing."""


# -- the store and files --------------------------------------------------------------------


class StoreError(XpulseError):
    """The store could not be opened, migrated or written."""


class WriteError(XpulseError):
    """A file could not be written; the message names it and the reason, in one line."""

    def __init__(self, path: Path | str, exc: OSError) -> None:
        super().__init__(f"cannot write {path}: {exc.strerror or exc}")
        self.path = Path(path)


# -- the X API ------------------------------------------------------------------------------


class ApiError(XpulseError):
    """Talking to the X API failed."""


class TransportError(ApiError):
    """No answer: the connection failed or timed out, after the allowed retries."""


class BadResponse(ApiError):
    """The answer was not the JSON the API promises (an HTML error page, a cut-off body)."""


class HTTPStatusError(ApiError):
    """X answered with an error status; ``problem`` is its parsed JSON body, if any."""

    def __init__(self, message: str, *, status: int, problem: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class Unauthorized(HTTPStatusError):
    """401: the token was not accepted (already refreshed once, if it could be)."""


class Forbidden(HTTPStatusError):
    """403: the token may not do this (missing scope, plan, metrics of another account)."""


class NotEnrolled(Forbidden):
    """403 ``client-forbidden`` / ``client-not-enrolled``: the app's plan does not include
    this endpoint (``required_enrollment`` names the product X asks for, if it said).

    Which 403 bodies mean this is the transport's to tell (it reads the wire); what the
    body says once it is one is the error's."""

    @property
    def required_enrollment(self) -> str | None:
        value = self.problem.get("required_enrollment")
        return value if isinstance(value, str) and value else None


class NotFound(HTTPStatusError):
    """404, or a 200 whose only content is a resource-not-found error."""


class InvalidRequest(HTTPStatusError):
    """400: a parameter was refused."""


class RateLimited(HTTPStatusError):
    """429 of a rate-limit window; ``reset_at`` (UTC) is when it reopens, if X said."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        problem: dict[str, Any] | None = None,
        reset_at: datetime | None = None,
    ):
        super().__init__(message, status=status, problem=problem)
        self.reset_at = reset_at


class MonthlyCapReached(HTTPStatusError):
    """429 of the monthly post-read cap: retrying cannot help before the cap resets."""


class ServerError(HTTPStatusError):
    """5xx, still failing after the allowed retries."""


class NeedsSignIn(ApiError):
    """The account has no usable token: run ``xpulse auth login`` (or set its env token)."""

    def __init__(self, account: str, reason: str, *, env: str | None = None):
        other = f", or set a new {env}" if env else ""
        super().__init__(
            f"account {account!r} needs sign-in ({reason}); run: xpulse auth login "
            f"--account {account}{other}"
        )
        self.account = account
        self.reason = reason


class ClientRejected(ApiError, ConfigError):
    """The token endpoint refused the app itself (``invalid_client``/``unauthorized_client``):
    a wrong client id or a missing secret. The user's sign-in is intact, so this must never
    mark the account "needs sign-in"; it clears once the configuration is fixed."""

    def __init__(self, error: str, status: int):
        super().__init__(
            f"X refused the app's credentials ({status} {error}): check client_id in the "
            "config and XPULSE_CLIENT_SECRET (needed for a confidential client); "
            "the account's sign-in is kept"
        )
        self.error = error
        self.status = status


class ApiUnreachable(ApiError, ConfigError):
    """Nothing answers at the API base, or what answers is not an X API."""


class GrantRejected(ApiError):
    """The token endpoint refused the grant (400/401): the code or refresh token is dead."""

    def __init__(self, error: str, status: int):
        super().__init__(f"X refused the grant ({status} {error})")
        self.error = error
        self.status = status


class SignInError(ApiError):
    """The browser step of sign-in failed (refused, timed out, or a forged answer)."""


class TokenBusy(ApiError):
    """Another process held the account's token-refresh lock too long: the sign-in is fine,
    so this is retryable and must never be reported (or alerted) as "needs sign-in"."""

    retryable = True

    def __init__(self, account: str):
        super().__init__(
            f"account {account!r}: another xpulse process is refreshing its token; try again"
        )
        self.account = account


class InvalidArgument(ApiError, ValueError):
    """A call was refused before sending: a malformed id, too many ids."""


class TooManyIds(InvalidArgument):
    """More ids in one lookup than the endpoint takes (100 for posts)."""


class EngagementRequestError(InvalidArgument):
    """An Engagement API request that breaks a documented rule; nothing was sent."""


# -- collecting -----------------------------------------------------------------------------


class BudgetExceeded(XpulseError):
    """The next call could take month-to-date spend past the monthly budget, or its post
    reads past the plan's monthly cap."""


class CallsStopped(XpulseError):
    """Another account hit the monthly cap: no more calls this run."""


class CollectBusy(XpulseError):
    """Another ``xpulse collect`` holds the lock."""


# -- reports and their delivery -------------------------------------------------------------


class ReportError(XpulseError):
    """A report cannot be made from what the store holds; the message says what to do."""


class EmptyStoreError(ReportError):
    """The database holds no posts at all."""


class NoAccountDataError(ReportError):
    """The account is configured but nothing of it was ever collected."""


class TooManyRows(XpulseError):
    """More rows than one Excel sheet holds."""


class DeliveryError(XpulseError):
    """A delivery failed; the message says where and why, in one line.

    ``retryable`` tells the caller whether the next run should try the same delivery again
    (network errors, 5xx, 429 beyond the wait accepted) or whether a person must fix
    something first (4xx, bad credentials, a bad address)."""

    def __init__(self, destination: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{destination}: {message}")
        self.destination = destination
        self.retryable = retryable


class DestinationConfigError(DeliveryError, ConfigError):
    """A destination's settings are wrong (URL, host, address, credentials missing)."""

    def __init__(self, destination: str, message: str) -> None:
        super().__init__(destination, message, retryable=False)


class AlertError(XpulseError):
    """An alert could not be sent."""


# -- the scheduled job, workers and the dashboard -------------------------------------------


class RunBusy(XpulseError):
    """Another ``xpulse run`` holds the lock."""


class NoScheduler(XpulseError):
    """Neither crontab nor a systemd user session here; ``manual`` is what to install by
    hand instead, exactly as ``install`` would have written it."""

    def __init__(self, message: str, manual: list[str] | None = None) -> None:
        super().__init__(message)
        self.manual = manual or []


class ScheduleError(XpulseError):
    """The schedule cannot be installed, shown or removed; the message says why."""


class JobFailed(XpulseError):
    """The job ran and its outcome is a failure (the message is the one line to show)."""


class PageNotFound(XpulseError):
    """A page the site does not have (unknown account or period)."""


def message_line(text: str) -> str:
    """``text`` as one line of an error message: whitespace collapsed, control and format
    characters (line breaks, bidi overrides) dropped, so that whatever a server or a file
    echoed cannot break the line or disguise it. Every layer may need it, so it lives here."""
    kept = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in text)
    return " ".join(kept.split())
