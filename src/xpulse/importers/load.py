"""An :class:`ImportBatch` into the store, in ONE transaction (a dry run rolls it back).

- Posts are matched by id. A post the store already holds (from the API or an earlier
  import) keeps its row: an import never replaces what an API read stored. A post held for
  another account is left alone and counted.
- A file's counts are appended as observations at the export's time (``as_of``), with
  ``provenance`` = the file's kind and ``import_id`` = its ``imports`` row. Reports take
  each metric's newest value by observation time, so an API read made after the export
  wins, and an export made after an API read wins, whatever the order of the imports.
- The same file twice (same SHA-256 for the same account) changes nothing; a different
  file holding the same counts at the same instant adds no observation either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from xpulse.errors import ImportFileError
from xpulse.importers.model import ImportBatch, ImportedPost
from xpulse.store import history, queries
from xpulse.store.schema import OBSERVATION_METRICS, imports, media, observations, posts

CHUNK = 500


@dataclass(frozen=True)
class Target:
    """The configured account the file is imported for."""

    name: str
    username: str


@dataclass
class ImportResult:
    kind: str
    file: str
    account: str
    as_of: datetime
    in_file: int
    new_posts: int = 0
    known_posts: int = 0
    other_account: int = 0
    observations: int = 0
    already_imported_at: datetime | None = None
    dry_run: bool = False
    owner: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        """The file holds nothing the store lacks (e.g. the unpacked copy of an imported zip):
        nothing is recorded, not even the file."""
        return self.already_imported_at is None and not self.new_posts and not self.observations

    def summary(self) -> str:
        if self.already_imported_at is not None:
            return (
                f"{self.file}: already imported for {self.account} on "
                f"{self.already_imported_at:%Y-%m-%d %H:%M} UTC; nothing changed"
            )
        verb = "would import" if self.dry_run else "imported"
        lines = [
            f"{self.file}: {verb} {self.in_file:,} posts for {self.account} "
            f"(counts as of {self.as_of:%Y-%m-%d %H:%M} UTC, source: {self.kind})",
            f"  new posts: {self.new_posts:,}; already stored: {self.known_posts:,}"
            f" (their stored rows kept); observations added: {self.observations:,}",
        ]
        if self.other_account:
            lines.append(f"  left alone: {self.other_account:,} posts stored for another account")
        if self.owner:
            lines.append(f"  owner: {self.owner}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.dry_run:
            lines.append("  dry run: nothing was written")
        elif self.nothing_new:
            lines.append("  nothing new: the store already holds all of it; nothing changed")
        return "\n".join(lines)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def check_owner(batch: ImportBatch, target: Target, stored_user_id: str | None) -> str:
    """Refuse a file of another account; returns how the owner was checked (for the summary)."""
    owner = batch.owner
    if owner is None:
        return "not stated in the file (not checked)"
    named = f"account {target.name} (@{target.username})"
    if owner.username and owner.username.lower() != target.username.lower():
        raise ImportFileError(
            batch.path,
            f"this is @{owner.username}'s {batch.kind} (per {owner.how}), not {named}; "
            "pass --account for the account it belongs to",
        )
    if owner.user_id and stored_user_id and owner.user_id != stored_user_id:
        raise ImportFileError(
            batch.path,
            f"this is the {batch.kind} of user id {owner.user_id} (per {owner.how}), "
            f"not {named} (user id {stored_user_id})",
        )
    return f"@{owner.username or target.username} (per {owner.how})"


def import_batches(
    engine: Engine,
    batches: Sequence[ImportBatch],
    target: Target,
    now: datetime,
    *,
    dry_run: bool = False,
) -> list[ImportResult]:
    """Write the files in ONE transaction: every file or, on any error, none."""
    results = []
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            for batch in batches:
                result = ImportResult(
                    batch.kind, str(batch.path), target.name, batch.as_of, len(batch.posts),
                    dry_run=dry_run, notes=list(batch.notes),
                )  # fmt: skip
                _write(conn, batch, target, now, result)
                results.append(result)
        except BaseException:
            trans.rollback()
            raise
        if dry_run or all(r.already_imported_at is not None or r.nothing_new for r in results):
            trans.rollback()
        else:
            trans.commit()
    return results


def _write(
    conn: Connection, batch: ImportBatch, target: Target, now: datetime, result: ImportResult
) -> None:
    account = queries.ensure_account(conn, target.name, target.username, now)
    stored_uid = account["user_id"]
    result.owner = check_owner(batch, target, stored_uid)
    done = history.find_import(conn, target.name, batch.kind, batch.sha256)
    if done is not None:
        result.already_imported_at = done["imported_at"]
        return
    ids = [p.id for p in batch.posts]
    known: dict[str, str] = {}
    from_csv: set[str] = set()  # posts an analytics export created: the archive knows better
    for chunk in _chunks(ids):
        stmt = select(posts.c.id, posts.c.account, posts.c.source_url).where(posts.c.id.in_(chunk))
        for post_id, owner, source_url in conn.execute(stmt):
            known[str(post_id)] = str(owner)
            if str(source_url).startswith("analytics-csv:"):
                from_csv.add(str(post_id))
    mine = [p for p in batch.posts if known.get(p.id, target.name) == target.name]
    result.other_account = len(batch.posts) - len(mine)
    new = [p for p in mine if p.id not in known]
    result.new_posts, result.known_posts = len(new), len(mine) - len(new)
    author = (batch.owner.user_id if batch.owner else None) or stored_uid or ""
    source_url = f"{batch.kind}:{batch.path.name}"
    if batch.kind == "archive":
        for p in mine:
            if p.id in from_csv:
                row = _post_row(p, target.name, author, source_url, now)
                del row["first_seen_at"], row["id"]
                conn.execute(posts.update().where(posts.c.id == p.id).values(**row))
    for i in range(0, len(new), CHUNK):
        part = new[i : i + CHUNK]
        conn.execute(
            posts.insert(), [_post_row(p, target.name, author, source_url, now) for p in part]
        )
        media_rows = [{**m, "retrieved_at": now} for p in part for m in p.media]
        if media_rows:
            dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
            conn.execute(dialect.insert(media).on_conflict_do_nothing(), media_rows)
    import_id = history.record_import(
        conn,
        {
            "account": target.name,
            "kind": batch.kind,
            "file_name": batch.path.name,
            "sha256": batch.sha256,
            "as_of": batch.as_of,
            "posts_new": len(new),
            "observations": 0,
            "imported_at": now,
        },
    )
    counted = [p for p in mine if any(v is not None for v in p.counts.values())]
    already: set[str] = set()
    for chunk in _chunks([p.id for p in counted]):
        stmt = select(observations.c.post_id).where(
            observations.c.post_id.in_(chunk),
            observations.c.observed_at == batch.as_of,
            observations.c.provenance == batch.kind,
        )
        already.update(str(i) for i in conn.execute(stmt).scalars())
    blank = dict.fromkeys(OBSERVATION_METRICS)
    rows = [
        {
            **blank,
            **{k: v for k, v in p.counts.items() if k in blank},
            "post_id": p.id,
            "observed_at": batch.as_of,
            "source": batch.kind,
            "provenance": batch.kind,
            "import_id": import_id,
        }
        for p in counted
        if p.id not in already
    ]
    for i in range(0, len(rows), CHUNK * 4):
        conn.execute(observations.insert(), rows[i : i + CHUNK * 4])
    result.observations = len(rows)
    conn.execute(imports.update().where(imports.c.id == import_id).values(observations=len(rows)))


def _post_row(
    p: ImportedPost, account: str, author: str, source_url: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": p.id,
        "account": account,
        "author_id": author,
        "text": p.text,
        "created_at": p.created_at,
        "lang": p.lang,
        "conversation_id": None,
        "content_type": p.content_type,
        "replied_to_id": p.replied_to_id,
        "quoted_id": p.quoted_id,
        "retweeted_id": None,
        "media_keys": [m["media_key"] for m in p.media],
        "is_promoted": p.is_promoted,
        "raw": p.raw,
        "source_url": source_url,
        "retrieved_at": now,
        "first_seen_at": now,
        "unavailable_at": None,
    }
