"""A local fake of the Google Sheets API v4 (the endpoints xpulse uses) and of Google's
OAuth token endpoint, served over real HTTP by uvicorn on 127.0.0.1.

It keeps spreadsheets in memory as Google would show them: worksheets with titles, ids,
frozen rows, developer metadata, number formats and cell values. Writes honour the value
input option: ``RAW`` stores values as given; ``USER_ENTERED`` turns text starting with
``=`` into a formula (so a test can tell). Access is Google's: a token from the token
endpoint (a service account's RS256-signed JWT, checked against its public key, or a user's
refresh token), and a spreadsheet answers 404 when it does not exist and 403 when it is
not shared with the caller. Every Sheets request is recorded for the discovery check.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SCOPE = "https://www.googleapis.com/auth/spreadsheets"
GOOGLE_TOKEN_AUD = "https://oauth2.googleapis.com/token"


@dataclass
class Formula:
    text: str


@dataclass
class Sheet:
    sheet_id: int
    title: str
    frozen_rows: int = 0
    metadata: list[dict[str, Any]] = field(default_factory=list)
    formats: dict[int, dict[str, Any]] = field(default_factory=dict)  # column -> numberFormat
    rows: list[list[Any]] = field(default_factory=list)

    def values(self) -> list[list[Any]]:
        """Rows as the API returns them: trailing empty cells and rows left out."""
        out = []
        for row in self.rows:
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            out.append(["" if c is None else c for c in cells])
        while out and not out[-1]:
            out.pop()
        return out


@dataclass
class Book:
    spreadsheet_id: str
    title: str
    sheets: list[Sheet]
    shared_with: set[str]

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)


@dataclass
class Recorded:
    method: str
    path: str  # after the host, e.g. /v4/spreadsheets/ID/values:batchGet
    query: dict[str, list[str]]
    body: Any


class ApiError(Exception):
    def __init__(self, code: int, status: str, message: str) -> None:
        self.code, self.status, self.message = code, status, message


def _letters_to_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_A1 = re.compile(r"^(?P<col>[A-Z]*)(?P<row>\d*)$")


def parse_range(a1: str) -> tuple[str, int, int, int | None, int | None]:
    """``'it''s'!A2:P9`` -> (title, first col, first row, last col, last row), 0-based;
    None for an open end."""
    if a1.startswith("'"):
        end = a1.index("'!", 1) if "'!" in a1 else len(a1) - 1
        title = a1[1:end].replace("''", "'")
        rest = a1[end + 2 :] if "'!" in a1 else ""
    else:
        title, _, rest = a1.partition("!")
    if not rest:
        return title, 0, 0, None, None
    first, _, last = rest.partition(":")
    m1, m2 = _A1.match(first), _A1.match(last or first)
    if not m1 or not m2:
        raise ApiError(400, "INVALID_ARGUMENT", f"Unable to parse range: {a1}")
    c0 = _letters_to_index(m1["col"]) if m1["col"] else 0
    r0 = int(m1["row"]) - 1 if m1["row"] else 0
    c1 = _letters_to_index(m2["col"]) if m2["col"] else None
    r1 = int(m2["row"]) - 1 if m2["row"] else None
    return title, c0, r0, c1, r1


class FakeSheets:
    """The state and the ASGI app; ``url`` is set while served."""

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.requests: list[Recorded] = []
        self.fail_next: list[int] = []  # statuses for the next Sheets calls (429, 503...)
        self.service_keys: dict[str, rsa.RSAPublicKey] = {}  # client_email -> public key
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user email
        self.tokens: dict[str, str] = {}  # access token -> email
        self.token_calls = 0
        self.url = ""

    # -- setup ----------------------------------------------------------------------------

    def add_book(self, spreadsheet_id: str, shared_with: set[str], title: str = "KPIs") -> Book:
        book = Book(spreadsheet_id, title, [Sheet(0, "Sheet1")], set(shared_with))
        self.books[spreadsheet_id] = book
        return book

    def service_account_key(self, email: str) -> dict[str, Any]:
        """A service-account key file's content, its public half known to this fake."""
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.service_keys[email] = private.public_key()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": "xpulse-test",
            "private_key_id": secrets.token_hex(8),
            "private_key": pem,
            "client_email": email,
            "client_id": "1234567890",
            "token_uri": f"{self.url}/token",
        }

    def user_file(self, email: str) -> dict[str, Any]:
        token = "1//" + secrets.token_urlsafe(24)
        self.refresh_tokens[token] = email
        return {
            "type": "authorized_user",
            "client_id": "xpulse-test.apps.googleusercontent.com",
            "client_secret": "GOCSPX-" + secrets.token_urlsafe(12),
            "refresh_token": token,
            "token_uri": f"{self.url}/token",
        }

    # -- the token endpoint ---------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        self.token_calls += 1
        form = parse_qs((await request.body()).decode())
        grant = form.get("grant_type", [""])[0]
        email: str | None = None
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            email = self._jwt_email(form.get("assertion", [""])[0])
        elif grant == "refresh_token":
            email = self.refresh_tokens.get(form.get("refresh_token", [""])[0])
        if email is None:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid grant"}, 400
            )
        access = "ya29." + secrets.token_urlsafe(24)
        self.tokens[access] = email
        return JSONResponse(
            {"access_token": access, "expires_in": 3599, "token_type": "Bearer", "scope": SCOPE}
        )

    def _jwt_email(self, assertion: str) -> str | None:
        try:
            head, body, sig = assertion.split(".")
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            key = self.service_keys[claims["iss"]]
            key.verify(
                base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)),
                f"{head}.{body}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:  # malformed, unknown issuer or a bad signature alike
            return None
        # Google's audience for service-account assertions, whatever the token_uri.
        if claims.get("aud") != GOOGLE_TOKEN_AUD or SCOPE not in claims.get("scope", ""):
            return None
        if claims.get("exp", 0) < time.time():
            return None
        return str(claims["iss"])

    # -- the Sheets API -------------------------------------------------------------------

    async def sheets(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        query = parse_qs(request.url.query, keep_blank_values=True)
        path = request.url.path
        self.requests.append(Recorded(request.method, path, query, body))
        try:
            if self.fail_next:
                code = self.fail_next.pop(0)
                raise ApiError(
                    code, "UNAVAILABLE" if code >= 500 else "RESOURCE_EXHAUSTED", "try later"
                )
            email = self.tokens.get(
                request.headers.get("authorization", "").removeprefix("Bearer ")
            )
            if email is None:
                raise ApiError(
                    401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
                )
            rest = path.removeprefix("/v4/spreadsheets/")
            sid, _, tail = rest.partition("/")
            sid, _, verb = sid.partition(":")
            book = self.books.get(sid)
            if book is None:
                raise ApiError(404, "NOT_FOUND", "Requested entity was not found.")
            if email not in book.shared_with:
                raise ApiError(403, "PERMISSION_DENIED", "The caller does not have permission")
            return JSONResponse(self._dispatch(book, request.method, verb, tail, query, body))
        except ApiError as e:
            return JSONResponse(
                {"error": {"code": e.code, "message": e.message, "status": e.status}}, e.code
            )

    def _dispatch(
        self, book: Book, method: str, verb: str, tail: str, query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        if method == "GET" and not tail and not verb:
            return self._get(book)
        if method == "POST" and verb == "batchUpdate" and not tail:
            return self._batch_update(book, body)
        if method == "GET" and tail == "values:batchGet":
            return self._batch_get(book, query)
        if method == "POST" and tail == "values:batchUpdate":
            return self._values_update(book, body)
        if method == "POST" and tail.startswith("values/") and tail.endswith(":append"):
            a1 = tail.removeprefix("values/").removesuffix(":append")
            return self._append(book, a1, query, body)
        raise ApiError(404, "NOT_FOUND", f"no such method: {method} {tail or verb}")

    def _get(self, book: Book) -> dict[str, Any]:
        sheets = []
        for i, s in enumerate(book.sheets):
            entry: dict[str, Any] = {
                "properties": {
                    "sheetId": s.sheet_id,
                    "title": s.title,
                    "index": i,
                    "gridProperties": {"frozenRowCount": s.frozen_rows},
                }
            }
            if s.metadata:
                entry["developerMetadata"] = s.metadata
            sheets.append(entry)
        return {"spreadsheetId": book.spreadsheet_id, "sheets": sheets}

    def _batch_update(self, book: Book, body: dict[str, Any]) -> dict[str, Any]:
        replies: list[dict[str, Any]] = []
        for req in body["requests"]:
            ((kind, args),) = req.items()
            if kind == "addSheet":
                props = args["properties"]
                if book.sheet(props["title"]) is not None:
                    raise ApiError(400, "INVALID_ARGUMENT", "A sheet with that name exists")
                sheet = Sheet(
                    int(props.get("sheetId", len(book.sheets) + 7)),
                    props["title"],
                    int(props.get("gridProperties", {}).get("frozenRowCount", 0)),
                )
                book.sheets.append(sheet)
                replies.append({"addSheet": {"properties": props}})
            elif kind == "createDeveloperMetadata":
                meta = dict(args["developerMetadata"])
                sheet = self._by_id(book, meta["location"]["sheetId"])
                meta["metadataId"] = secrets.randbelow(2**31)
                sheet.metadata.append(meta)
                replies.append({"createDeveloperMetadata": {"developerMetadata": meta}})
            elif kind == "repeatCell":
                sheet = self._by_id(book, args["range"]["sheetId"])
                for col in range(
                    args["range"]["startColumnIndex"], args["range"]["endColumnIndex"]
                ):
                    sheet.formats[col] = args["cell"]["userEnteredFormat"]["numberFormat"]
                replies.append({})
            else:
                raise ApiError(400, "INVALID_ARGUMENT", f"unsupported request {kind}")
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    def _by_id(self, book: Book, sheet_id: int) -> Sheet:
        found = next((s for s in book.sheets if s.sheet_id == sheet_id), None)
        if found is None:
            raise ApiError(400, "INVALID_ARGUMENT", f"No grid with id: {sheet_id}")
        return found

    def _sheet(self, book: Book, a1: str) -> tuple[Sheet, int, int]:
        title, c0, r0, _, _ = parse_range(a1)
        sheet = book.sheet(title)
        if sheet is None:
            raise ApiError(400, "INVALID_ARGUMENT", f"Unable to parse range: {a1}")
        return sheet, c0, r0

    def _batch_get(self, book: Book, query: dict[str, list[str]]) -> dict[str, Any]:
        out = []
        for a1 in query.get("ranges", []):
            sheet, _, _ = self._sheet(book, a1)
            values = sheet.values()
            vr: dict[str, Any] = {"range": a1, "majorDimension": "ROWS"}
            if values:
                vr["values"] = values
            out.append(vr)
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": out}

    def _write(self, sheet: Sheet, c0: int, r0: int, rows: list[list[Any]], how: str) -> None:
        for i, row in enumerate(rows):
            while len(sheet.rows) <= r0 + i:
                sheet.rows.append([])
            target = sheet.rows[r0 + i]
            for j, value in enumerate(row):
                while len(target) <= c0 + j:
                    target.append(None)
                if value == "":
                    value = None
                elif how == "USER_ENTERED" and isinstance(value, str) and value.startswith("="):
                    value = Formula(value)
                target[c0 + j] = value

    def _values_update(self, book: Book, body: dict[str, Any]) -> dict[str, Any]:
        how = body["valueInputOption"]
        for vr in body["data"]:
            sheet, c0, r0 = self._sheet(book, vr["range"])
            self._write(sheet, c0, r0, vr["values"], how)
        return {"spreadsheetId": book.spreadsheet_id, "totalUpdatedRows": len(body["data"])}

    def _append(
        self, book: Book, a1: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> dict[str, Any]:
        sheet, c0, _ = self._sheet(book, a1)
        start = len(sheet.values())
        self._write(sheet, c0, start, body["values"], query["valueInputOption"][0])
        return {
            "spreadsheetId": book.spreadsheet_id,
            "updates": {"updatedRows": len(body["values"])},
        }

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token", self.token, methods=["POST"]),
                Route("/v4/spreadsheets/{rest:path}", self.sheets, methods=["GET", "POST", "PUT"]),
            ]
        )


@contextmanager
def serve(fake: FakeSheets) -> Iterator[str]:
    """Serve the fake on a free 127.0.0.1 port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Sheets API did not start")
            time.sleep(0.005)
        yield fake.url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
