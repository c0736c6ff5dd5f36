"""Google Sheets delivery: each period's summary row and posts into one spreadsheet.

Worksheets, each a table under a header row that xpulse writes once, each row found again
by its key columns. The report's are two (their columns are rendered by
:mod:`xpulse.render.sheet_rows` and listed in docs/delivery.md):

* ``weekly``: one row per account and period, found again by (account, period);
* ``posts``: one row per post of the period, found again by (account, period, post_id).

This module is given the worksheets' layout and the rows, rendered, and moves them.
Sending the same rows again finds them by key and overwrites them in place; only rows not
there yet are appended. Values go in with the API's ``RAW`` input (text is never parsed as
a formula; numbers stay numbers; dates are serial numbers under a date format).

The client is Google's own ``google-api-python-client``: it builds the Sheets v4 calls from
Google's published discovery document (shipped in the package), retries 429 and 5xx with
exponential backoff for a bounded number of tries, and lets the endpoint be set
(``api_base_url``: tests, proxies). ``google-auth`` signs in with a service-account key
file, or with an authorized-user file (OAuth for a person, e.g. from
``gcloud auth application-default login``). The file's path is in the config; its content,
the secret, is never copied, logged or shown.

xpulse tags the worksheets it creates with developer metadata, so that a worksheet renamed
later is recognised and named in the error, instead of a new empty one being created.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from xpulse.errors import DeliveryError, DestinationConfigError

Cell = str | int | float

NAME: Final = "sheets"
SCOPE: Final = "https://www.googleapis.com/auth/spreadsheets"
DEFAULT_API: Final = "https://sheets.googleapis.com/"
META_KEY: Final = "xpulse-worksheet"
RETRIES: Final = 4  # after the first try: waits of up to 2, 4, 8 and 16 s (random share)
# A column's kind -> the Sheets number format its cells get; other kinds keep the default.
FORMATS: Final = {
    "date": {"type": "DATE", "pattern": "yyyy-mm-dd"},
    "datetime": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"},
    "pct": {"type": "PERCENT", "pattern": "0.00%"},
    "int": {"type": "NUMBER", "pattern": "#,##0"},
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyFile:
    """A credentials file, read and understood; ``who`` is what to share a sheet with."""

    path: Path
    kind: str  # "service_account" or "authorized_user"
    who: str
    info: dict[str, Any] = field(repr=False)


def _forget_nothing(secret: str) -> None:
    del secret


def read_key_file(path: Path, remember: Callable[[str], None] = _forget_nothing) -> KeyFile:
    """The credentials file at ``path``, or a :class:`DestinationConfigError` saying why
    it cannot be used (never quoting its content). Its secrets go to ``remember`` (the
    caller's log redaction), should a library ever log them."""
    hint = "see docs/delivery.md#google-sheets"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DestinationConfigError(
            NAME, f"the credentials file {path} does not exist: download a key file ({hint})"
        ) from None
    except OSError as exc:
        raise DestinationConfigError(
            NAME, f"cannot read the credentials file {path}: {exc.strerror or exc}"
        ) from None
    try:
        info = json.loads(raw)
    except ValueError:
        info = None
    kind = info.get("type") if isinstance(info, dict) else None
    if not isinstance(info, dict) or kind not in ("service_account", "authorized_user"):
        raise DestinationConfigError(
            NAME,
            f"{path} is not a Google service-account key or authorized-user file ({hint})",
        )
    needed = (
        ("client_email", "private_key", "token_uri")
        if kind == "service_account"
        else ("client_id", "client_secret", "refresh_token")
    )
    missing = [k for k in needed if not info.get(k)]
    if missing:
        raise DestinationConfigError(NAME, f"{path} lacks {', '.join(missing)} ({hint})")
    who = str(info["client_email"]) if kind == "service_account" else "the signed-in Google user"
    for secret in ("private_key", "client_secret", "refresh_token"):
        value = info.get(secret)
        if isinstance(value, str) and value:
            remember(value)
    return KeyFile(path, str(kind), who, info)


def credentials(key: KeyFile, token_url: str | None = None) -> Any:
    """google-auth credentials from the file; ``token_url`` replaces the OAuth token
    endpoint (a proxy, a test), else the service-account file's, else Google's."""
    info = {**key.info, "token_uri": token_url} if token_url else key.info
    try:
        if key.kind == "service_account":
            from google.oauth2 import service_account

            return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=[SCOPE]
            )
        from google.oauth2.credentials import Credentials

        creds = Credentials.from_authorized_user_info(info, scopes=[SCOPE])  # type: ignore[no-untyped-call]
        # google-auth always sends a user's refresh token to Google's endpoint; only an
        # endpoint set in xpulse's own config (never one read from the file) replaces it.
        return creds.with_token_uri(token_url) if token_url else creds
    except (ValueError, KeyError) as exc:  # e.g. a private key that does not parse
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DestinationConfigError(NAME, f"{key.path} cannot be used: {first}") from None


def quote(title: str) -> str:
    """A worksheet title as an A1 range prefix: 'it''s'."""
    return "'" + title.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Worksheet:
    """One worksheet's layout: its header row, each column's kind, the key columns."""

    role: str  # "weekly" or "posts": names the config key of its title in messages
    title: str
    header: tuple[str, ...]
    kinds: tuple[str, ...]  # one per column; FORMATS gives some a number format
    key: tuple[str, ...]

    @property
    def last(self) -> str:
        return column_letter(len(self.header) - 1)

    @property
    def key_last(self) -> str:
        return column_letter(max(self.header.index(k) for k in self.key))


class SheetsDestination:
    """Writes reports into one spreadsheet; see the module docstring."""

    name = NAME

    def __init__(
        self,
        spreadsheet_id: str,
        key_file: Path,
        worksheets: Sequence[Worksheet],
        *,
        api_base_url: str = DEFAULT_API,
        token_url: str | None = None,
        retries: int = RETRIES,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        remember: Callable[[str], None] = _forget_nothing,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.key_file = key_file
        self.api_base_url = api_base_url.rstrip("/") + "/"
        self.token_url = token_url
        self.worksheets = tuple(worksheets)
        self.remember = remember
        self.retries = retries
        self.timeout = timeout
        self.sleep = sleep
        self._who = "the account in the credentials file"

    def __repr__(self) -> str:
        return f"SheetsDestination({self.spreadsheet_id!r}, {str(self.key_file)!r})"

    @property
    def url(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}"

    # -- the client ---------------------------------------------------------------------

    def _service(self) -> Any:
        key = read_key_file(self.key_file, self.remember)
        self._who = key.who
        try:
            import google_auth_httplib2
            import httplib2
            from googleapiclient.discovery import build
            from googleapiclient.http import HttpRequest
        except ImportError:
            raise DestinationConfigError(
                NAME, "Google Sheets needs Google's client: pip install 'xpulse[sheets]'"
            ) from None
        creds = credentials(key, self.token_url)

        sleep = self.sleep

        class _Request(HttpRequest):  # type: ignore[misc]
            """Google's request, with the backoff's sleep injectable (tests wait for nothing)."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._sleep = sleep

        http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=self.timeout))
        return build(
            "sheets",
            "v4",
            http=http,
            requestBuilder=_Request,
            client_options={"api_endpoint": self.api_base_url},
            static_discovery=True,
            cache_discovery=False,
        )

    def _call(self, request: Any, doing: str) -> Any:
        from google.auth.exceptions import GoogleAuthError
        from googleapiclient.errors import HttpError

        try:
            return request.execute(num_retries=self.retries)
        except HttpError as exc:
            raise self._http_error(exc, doing) from None
        except GoogleAuthError as exc:
            first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            raise DestinationConfigError(
                NAME,
                f"Google refused the credentials in {self.key_file} ({first}): make a new "
                "key for the service account, or sign in again for a user file",
            ) from None
        except OSError as exc:  # refused, reset, timed out: after the retries
            raise DeliveryError(
                NAME, f"cannot reach {self.api_base_url} while {doing}: {exc.strerror or exc}"
            ) from None

    def _http_error(self, exc: Any, doing: str) -> DeliveryError:
        status = int(exc.resp.status)
        reason = str(getattr(exc, "reason", "") or "").splitlines()[0:1]
        why = f" ({reason[0][:200]})" if reason else ""
        sid = self.spreadsheet_id
        if status == 404:
            return DestinationConfigError(
                NAME,
                f"spreadsheet {sid} not found: check sheets.spreadsheet_id, and share the "
                f"spreadsheet with {self._who} as Editor",
            )
        if status == 403:
            return DestinationConfigError(
                NAME,
                f"no access to spreadsheet {sid}{why}: share it with {self._who} as Editor "
                "(and enable the Google Sheets API for the key's project)",
            )
        if status == 401:
            return DestinationConfigError(
                NAME, f"Sheets refused the credentials in {self.key_file}{why}: sign in again"
            )
        if status == 429 or status >= 500:
            return DeliveryError(
                NAME,
                f"the Sheets API answered {status} while {doing}, {self.retries + 1} tries; "
                "the next run retries",
            )
        return DeliveryError(NAME, f"the Sheets API refused {doing}: HTTP {status}{why}")

    # -- reading the spreadsheet -------------------------------------------------------

    def _tabs(self, svc: Any) -> dict[str, tuple[int, str | None]]:
        """Every worksheet: title -> (sheetId, the role xpulse tagged it with, if any)."""
        fields = "sheets(properties(sheetId,title),developerMetadata(metadataKey,metadataValue))"
        doc = self._call(
            svc.spreadsheets().get(spreadsheetId=self.spreadsheet_id, fields=fields),
            "opening the spreadsheet",
        )
        out: dict[str, tuple[int, str | None]] = {}
        for sheet in doc.get("sheets", []):
            props = sheet.get("properties", {})
            role = next(
                (
                    m.get("metadataValue")
                    for m in sheet.get("developerMetadata", [])
                    if m.get("metadataKey") == META_KEY
                ),
                None,
            )
            out[str(props.get("title"))] = (int(props.get("sheetId", 0)), role)
        return out

    def _read(self, svc: Any, ranges: Sequence[tuple[Worksheet, str]]) -> list[list[list[Any]]]:
        """The rows of each (worksheet, cells) range, as stored; cells like ``1:1`` or
        ``A:{key_last}`` (the key columns only: a years-long sheet is read in its key)."""
        got = self._call(
            svc.spreadsheets()
            .values()
            .batchGet(
                spreadsheetId=self.spreadsheet_id,
                ranges=[
                    f"{quote(ws.title)}!{cells.format(key_last=ws.key_last)}"
                    for ws, cells in ranges
                ],
                valueRenderOption="UNFORMATTED_VALUE",
                dateTimeRenderOption="SERIAL_NUMBER",
            ),
            "reading the worksheets",
        )
        out = [list(r.get("values", [])) for r in got.get("valueRanges", [])]
        return out + [[] for _ in range(len(ranges) - len(out))]

    def check(self) -> str:
        """Credentials usable and the spreadsheet reachable; writes nothing."""
        with self._service() as svc:  # closes its connections
            tabs = self._tabs(svc)
            missing = self._missing(tabs)
            present = [ws for ws in self.worksheets if ws not in missing]
            if present:
                firsts = self._read(svc, [(ws, "1:1") for ws in present])
                for ws, first in zip(present, firsts, strict=True):
                    self._has_header(ws, first)
        titles = " and ".join(repr(ws.title) for ws in self.worksheets)
        state = (
            f"worksheets {titles} present"
            if not missing
            else "its worksheets are made on the first send"
        )
        return f"spreadsheet {self.spreadsheet_id} reachable as {self._who}; {state}"

    def _missing(self, tabs: dict[str, tuple[int, str | None]]) -> list[Worksheet]:
        """The worksheets to create; an error when one was renamed."""
        roles = {role: title for title, (_, role) in tabs.items() if role}
        missing = []
        for ws in self.worksheets:
            if ws.title in tabs:
                continue
            if ws.role in roles:
                now = roles[ws.role]
                raise DestinationConfigError(
                    NAME,
                    f"the worksheet {ws.title!r} of spreadsheet {self.spreadsheet_id} was "
                    f"renamed to {now!r}: rename it back, or set "
                    f"sheets.{ws.role}_worksheet = {json.dumps(now)}",
                )
            missing.append(ws)
        return missing

    # -- writing -----------------------------------------------------------------------

    def _create(self, svc: Any, missing: Sequence[Worksheet], taken: set[int]) -> None:
        requests: list[dict[str, Any]] = []
        for ws in missing:
            sheet_id = zlib.crc32(ws.title.encode()) & 0x7FFFFFFF
            while sheet_id in taken:
                sheet_id = (sheet_id + 1) & 0x7FFFFFFF
            taken.add(sheet_id)
            requests.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": sheet_id,
                            "title": ws.title,
                            "gridProperties": {"frozenRowCount": 1},
                        }
                    }
                }
            )
            requests.append(
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": META_KEY,
                            "metadataValue": ws.role,
                            "location": {"sheetId": sheet_id},
                            "visibility": "DOCUMENT",
                        }
                    }
                }
            )
            for i, kind in enumerate(ws.kinds):
                number = FORMATS.get(kind)
                if number is None:
                    continue
                requests.append(
                    {
                        "repeatCell": {
                            "range": {
                                "sheetId": sheet_id,
                                "startRowIndex": 1,
                                "startColumnIndex": i,
                                "endColumnIndex": i + 1,
                            },
                            "cell": {"userEnteredFormat": {"numberFormat": number}},
                            "fields": "userEnteredFormat.numberFormat",
                        }
                    }
                )
        self._call(
            svc.spreadsheets().batchUpdate(
                spreadsheetId=self.spreadsheet_id, body={"requests": requests}
            ),
            "adding the worksheets",
        )

    def _has_header(self, ws: Worksheet, first: list[list[Any]]) -> bool:
        """True if row 1 is xpulse's header, False if it is empty (a new worksheet);
        an error naming the first changed column otherwise."""
        if not first or not any(str(v).strip() for v in first[0]):
            return False
        got = [str(v) for v in first[0]]
        for i, name in enumerate(ws.header):
            have = got[i] if i < len(got) else ""
            if have != name:
                raise DestinationConfigError(
                    NAME,
                    f"the header of worksheet {ws.title!r} was changed (column "
                    f"{column_letter(i)} is {have!r}, xpulse writes {name!r} there): put "
                    "the header back as docs/delivery.md lists it, or set "
                    f"sheets.{ws.role}_worksheet to a new worksheet",
                )
        return True

    def _plan(
        self, ws: Worksheet, first: list[list[Any]], keys: list[list[Any]], rows: list[list[Cell]]
    ) -> tuple[list[dict[str, Any]], list[list[Cell]]]:
        """The in-place updates (ranges) and the rows to append, for one worksheet, from its
        header row (``first``) and its key columns (``keys``, row 1 included)."""
        want = list(ws.header)
        updates: list[dict[str, Any]] = []
        if not self._has_header(ws, first):
            updates.append({"range": f"{quote(ws.title)}!A1:{ws.last}1", "values": [want]})
            keys = []
        index = [want.index(k) for k in ws.key]
        where: dict[tuple[str, ...], list[int]] = {}
        for n, row in enumerate(keys[1:], start=2):
            key = tuple(str(row[i]) if i < len(row) else "" for i in index)
            where.setdefault(key, []).append(n)
        appends: list[list[Cell]] = []
        for row in rows:
            found = where.get(tuple(str(row[i]) for i in index))
            if not found:
                appends.append(row)
                continue
            for n in found:  # a copied row is kept in step too
                updates.append({"range": f"{quote(ws.title)}!A{n}:{ws.last}{n}", "values": [row]})
        return updates, appends

    def send(self, rows: Mapping[str, Sequence[list[Cell]]]) -> str:
        """Write each worksheet's rows (by role); returns the spreadsheet's URL."""
        with self._service() as svc:  # closes its connections
            self._send(svc, rows)
        return self.url

    def _send(self, svc: Any, rows: Mapping[str, Sequence[list[Cell]]]) -> None:
        tabs = self._tabs(svc)
        missing = self._missing(tabs)
        if missing:
            self._create(svc, missing, {sheet_id for sheet_id, _ in tabs.values()})
        sheets = self.worksheets
        got = self._read(svc, [(ws, cells) for ws in sheets for cells in ("1:1", "A:{key_last}")])
        updates: list[dict[str, Any]] = []
        appends: list[tuple[Worksheet, list[list[Cell]]]] = []
        for i, ws in enumerate(sheets):
            more, new = self._plan(ws, got[2 * i], got[2 * i + 1], list(rows.get(ws.role, [])))
            updates += more
            if new:
                appends.append((ws, new))
        values = svc.spreadsheets().values()
        if updates:
            self._call(
                values.batchUpdate(
                    spreadsheetId=self.spreadsheet_id,
                    body={"valueInputOption": "RAW", "data": updates},
                ),
                "updating rows",
            )
        for ws, new_rows in appends:
            self._call(
                values.append(
                    spreadsheetId=self.spreadsheet_id,
                    range=f"{quote(ws.title)}!A1:{ws.last}1",
                    valueInputOption="RAW",
                    insertDataOption="INSERT_ROWS",
                    body={"values": new_rows},
                ),
                f"appending to {ws.title!r}",
            )
        log.info(
            "sheets: %s: %d rows updated, %d appended",
            self.spreadsheet_id,
            len(updates),
            sum(len(r) for _, r in appends),
        )
