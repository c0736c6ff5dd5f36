"""Where a report's figures came from: the X API, the data archive, analytics exports (pure).

A post's figures are, per metric, its newest value at the report instant; the post counts
under the source of its newest observation. Imported files are listed with the instant
their counts held, so a reader sees how old an imported figure is.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

SOURCE_NAMES = {
    "api": "the X API",
    "archive": "X's data archive",
    "analytics-csv": "X's analytics export",
}


class ImportedFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(description="archive | analytics-csv")
    file: str = Field(description="Untrusted: the file's name as given.")
    counts_as_of: datetime = Field(description="When the file's counts held (export time).")
    posts: int = Field(description="The period's posts whose newest figures came from it.")


class FigureSources(BaseModel):
    """How many of the period's posts got their figures from each source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    posts_by_source: dict[str, int] = Field(description="api / archive / analytics-csv → posts.")
    files: list[ImportedFile]
    note: str = Field(description="The rule, in words.")


RULE = (
    "each metric is its newest value at the report instant, whatever its source: a later API "
    "read wins over an older import, a later export over an older API read"
)
