"""What a reader hands the loader: posts and their counts at one instant, from one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

Kind = Literal["archive", "analytics-csv"]


@dataclass(frozen=True)
class ImportedPost:
    """One post as a file describes it. ``counts``: observation columns, None = not given."""

    id: str
    created_at: datetime
    text: str
    content_type: str
    counts: dict[str, int | None]
    lang: str | None = None
    replied_to_id: str | None = None
    quoted_id: str | None = None
    in_reply_to_user_id: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)  # media rows (media table)
    is_promoted: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Owner:
    """Who the file says it belongs to; ``how`` says where that was read."""

    user_id: str | None
    username: str | None
    how: str


@dataclass
class ImportBatch:
    kind: Kind
    path: Path
    sha256: str
    as_of: datetime  # the export's time: when the counts held
    owner: Owner | None
    posts: list[ImportedPost]
    notes: list[str] = field(default_factory=list)  # what was skipped and why
