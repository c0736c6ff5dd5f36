"""The store's tables: one SQLAlchemy Core schema for SQLite and PostgreSQL.

Posts are upserted (their text and flags can change: edits, deletions, promotion); metric
observations are appended, one row per post per read, and never updated, so the history X
forgets (private metrics after 30 days) stays. A metric column is NULL when that read did not
return it (e.g. organic_* for an app-only token), never 0.

Money is stored as integer micro-dollars (``cost_micros``) so that sums are exact and agree
to the cent with X's (or xsim's) ledger.

Indexes are cut for the two queries reports run at scale (1,000,000 posts, 10,000,000
observations): ``ix_posts_account_created`` serves "one account's posts in a period" and
``ix_obs_post_observed`` serves "latest observation per post" (an index-only descent per id).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.engine import Dialect

# Naming convention: constraint names are stable across dialects, so later migrations can
# refer to them by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# X ids are decimal strings of up to 19 digits; stored as text, as the API sends them.
ID = String(32)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every dialect.

    SQLite keeps no offset: a value is converted to UTC before it is written and read back
    as UTC, so comparisons in SQL (text order on SQLite) are time order. A naive value is
    refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, nullable: bool = True) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


# Every metric a read may carry, canonical names (X's spellings are mapped at the edge).
POST_METRICS: tuple[str, ...] = (
    "impressions",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "bookmarks",
    "url_link_clicks",
    "user_profile_clicks",
    "engagements",
)
SPLIT_METRICS: tuple[str, ...] = (
    "impressions",
    "likes",
    "reposts",
    "replies",
    "url_link_clicks",
    "user_profile_clicks",
)
OBSERVATION_METRICS: tuple[str, ...] = (
    POST_METRICS
    + tuple(f"organic_{m}" for m in SPLIT_METRICS)
    + tuple(f"promoted_{m}" for m in SPLIT_METRICS)
)
SERIES_METRICS: tuple[str, ...] = (
    "impressions",
    "engagements",
    "likes",
    "retweets",
    "replies",
    "quote_tweets",
    "bookmarks",
    "shares",
    "url_clicks",
    "user_profile_clicks",
    "detail_expands",
    "media_views",
    "media_engagements",
    "video_views",
    "follows",
    "unfollows",
    "hashtag_clicks",
    "permalink_clicks",
    "app_opens",
    "app_install_attempts",
    "email_tweet",
)
COUNT_FIELDS: tuple[str, ...] = (
    "followers_count",
    "following_count",
    "tweet_count",
    "listed_count",
)
MEDIA_METRICS: tuple[str, ...] = (
    "view_count",
    "playback_0_count",
    "playback_25_count",
    "playback_50_count",
    "playback_75_count",
    "playback_100_count",
)

accounts = Table(
    "accounts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("user_id", ID, nullable=True),  # cached after the one lookup
    Column("needs_sign_in", Boolean, nullable=False, default=False),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
)

posts = Table(
    "posts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account", String(64), ForeignKey("accounts.name"), nullable=False),
    Column("author_id", ID, nullable=False),
    Column("text", Text, nullable=False),
    _ts("created_at", nullable=False),
    Column("lang", String(16)),
    Column("conversation_id", ID),
    Column("content_type", String(16), nullable=False),
    Column("replied_to_id", ID),
    Column("quoted_id", ID),
    Column("retweeted_id", ID),
    Column("media_keys", JSON),  # list of media_key strings, in post order
    Column("is_promoted", Boolean, nullable=False, default=False),
    Column("raw", JSON, nullable=False),  # the tweet as X sent it
    Column("source_url", Text, nullable=False),  # provenance of ``raw``
    _ts("retrieved_at", nullable=False),
    _ts("first_seen_at", nullable=False),
    _ts("unavailable_at"),  # X answered "not found" (deleted/protected): no more refreshes
    Index("ix_posts_account_created", "account", "created_at"),
)

media = Table(
    "media",
    metadata,
    Column("media_key", String(64), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("url", Text),
    Column("preview_image_url", Text),
    Column("duration_ms", Integer),
    Column("width", Integer),
    Column("height", Integer),
    Column("alt_text", Text),
    Column("raw", JSON, nullable=False),
    _ts("retrieved_at", nullable=False),
)

observations = Table(
    "observations",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("post_id", ID, ForeignKey("posts.id"), nullable=False),
    _ts("observed_at", nullable=False),
    Column("source", String(64), nullable=False),  # endpoint, e.g. "/2/tweets"
    *(Column(name, BigInteger) for name in OBSERVATION_METRICS),
    # Where the figures came from: "api", or an import ("archive", "analytics-csv") whose
    # file is the ``imports`` row ``import_id`` (see xpulse.store.history).
    Column("provenance", String(16), nullable=False, server_default="api"),
    Column("import_id", Integer),
    # Covers "latest observation per post" and a post's series in time order.
    Index("ix_obs_post_observed", "post_id", "observed_at"),
    Index("ix_obs_observed", "observed_at"),
)

media_observations = Table(
    "media_observations",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("media_key", String(64), ForeignKey("media.media_key"), nullable=False),
    Column("post_id", ID, ForeignKey("posts.id"), nullable=False),
    _ts("observed_at", nullable=False),
    Column("source", String(64), nullable=False),
    *(Column(name, BigInteger) for name in MEDIA_METRICS),
    Index("ix_mobs_media_observed", "media_key", "observed_at"),
)

api_calls = Table(
    "api_calls",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    _ts("at", nullable=False),
    Column("account", String(64), nullable=False),
    Column("endpoint", String(128), nullable=False),  # templated path
    Column("method", String(8), nullable=False),
    Column("status", Integer, nullable=False),
    Column("reads", Integer, nullable=False),  # resources returned
    Column("billable_reads", Integer, nullable=False),  # after the same-UTC-day dedupe
    Column("cost_micros", BigInteger, nullable=False),
    Column("errors", Integer, nullable=False, default=0),
    Column("rl_limit", Integer),
    Column("rl_remaining", Integer),
    _ts("rl_reset"),
    Column("duration_s", Float),
    # a one-off read (a first sweep, the user lookup), not the recurring collection: the
    # cost forecast extrapolates only the recurring reads
    Column("backfill", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_calls_at", "at"),
    Index("ix_calls_account_at", "account", "at"),  # one account's cost in a period
)

# Which resources were billed on which UTC day: X charges a resource once per UTC day, so a
# re-read the same day is free. One row per (resource, day), written with the call.
billed_reads = Table(
    "billed_reads",
    metadata,
    Column("resource", String(80), primary_key=True),  # "post:<id>" or "user:<id>"
    Column("day", String(10), primary_key=True),  # UTC date, ISO
    Column("account", String(64), nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("account", String(64), ForeignKey("accounts.name"), primary_key=True),
    Column("job", String(32), primary_key=True),  # "timeline", "refresh"
    Column("since_id", ID),  # newest post id of the last completed sweep
    Column("sweep_since_id", ID),  # the since_id the in-flight sweep started from
    Column("sweep_newest_id", ID),  # newest id seen by the in-flight sweep
    _ts("sweep_start_time"),  # the in-flight sweep's start_time (its token needs the same)
    Column("pagination_token", Text),  # next page of the in-flight sweep; NULL: none
    Column("pending_ids", JSON),  # posts a page left out as unavailable: fetched by id next
    _ts("started_at"),
    _ts("updated_at", nullable=False),
)

# -- history that does not come from reading posts (xpulse.store.history) -------------

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # "archive" | "analytics-csv"
    Column("file_name", Text, nullable=False),  # the name given, for messages
    Column("sha256", String(64), nullable=False),
    Column("as_of", UTCDateTime(), nullable=False),  # export time: when the counts held
    Column("posts_new", Integer, nullable=False),
    Column("observations", Integer, nullable=False),
    Column("imported_at", UTCDateTime(), nullable=False),
    UniqueConstraint("account", "kind", "sha256", name="uq_imports_file"),
)

profile_counts = Table(
    "profile_counts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("account", String(64), nullable=False),  # own account name or "@handle"
    Column("user_id", ID),
    Column("observed_at", UTCDateTime(), nullable=False),
    Column("source", String(64), nullable=False),  # e.g. "/2/users/me"
    *(Column(name, BigInteger) for name in COUNT_FIELDS),
    Index("ix_profile_counts_account_observed", "account", "observed_at"),
)

competitors = Table(
    "competitors",
    metadata,
    Column("handle", String(64), primary_key=True),  # lower case, no "@"
    Column("display_handle", String(64), nullable=False),
    Column("group_name", String(64), nullable=False),
    Column("user_id", ID),
    Column("added_at", UTCDateTime(), nullable=False),
)

# -- metric series and refusals (xpulse.store.metric_buckets) -----------------------------------

metric_series = Table(
    "metric_series",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("post_id", ID, nullable=False),
    Column("granularity", String(8), nullable=False),  # hour | day | week | total
    Column("bucket_start", UTCDateTime(), nullable=False),
    Column("source", String(32), nullable=False),
    Column("fetched_at", UTCDateTime(), nullable=False),
    *(Column(name, BigInteger) for name in SERIES_METRICS),
    UniqueConstraint("post_id", "granularity", "bucket_start", "source"),
    Index("ix_series_post_bucket", "post_id", "bucket_start"),
)

metric_refusals = Table(
    "metric_refusals",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("account", String(64), nullable=False),
    Column("post_id", ID),  # NULL: the whole request was refused (e.g. an app-only token)
    Column("at", UTCDateTime(), nullable=False),
    Column("reason", String(32), nullable=False),  # not-owner|too-old|app-only|field-denied
    Column("fields", Text, nullable=False),  # comma-separated field groups refused
    Column("detail", Text, nullable=False),
    Index("ix_refusals_account_at", "account", "at"),
)

# -- what was delivered and which alerts went out (xpulse.store.delivery_log) ------------

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(64), nullable=False),
    Column("period", String(32), nullable=False),  # the period's label, e.g. 2026-W21
    Column("destination", String(16), nullable=False),  # slack | email | files
    Column("status", String(8), nullable=False),  # sent | failed
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("artifacts", JSON),  # the rendered files this delivery sent or wrote
    Column("first_attempt_at", UTCDateTime(), nullable=False),
    Column("last_attempt_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    UniqueConstraint("account", "period", "destination", name="uq_deliveries_key"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(160), nullable=False),
    Column("kind", String(16), nullable=False),  # budget | spike | sign-in | run-failed
    Column("account", String(64)),
    Column("title", Text, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    UniqueConstraint("key", "sent_at", name="uq_alerts_key_sent"),
)

# -- the migrations applied (xpulse.store.migrations) -------------------------------------

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("applied_at", UTCDateTime(), nullable=False),
)


# -- PostgreSQL only: state every process shares, created on first use -------------------
# Not in ``metadata`` (migrations and SQLite never see them): SQLite has one writer, so one
# process, and no use for them. Their users create them when first needed, with
# :func:`create_shared`, as the job engine's own tables are.
shared_metadata = MetaData()
SHARED_SCHEMA_LOCK = 0x78707573  # "xpus": serialises the CREATEs of concurrent first users

# The monthly budget ledger (xpulse.store.budget_ledger): per billing month (UTC) the spend
# and post reads settled so far, and the holds of calls in flight.
budget_months = Table(
    "xpulse_budget_months",
    shared_metadata,
    Column("month", Text, primary_key=True),
    Column("spent_micros", BigInteger, nullable=False, server_default=text("0")),
    Column("resync", Boolean, nullable=False, server_default=true()),
    Column("reads", BigInteger, nullable=False, server_default=text("0")),
)

budget_holds = Table(
    "xpulse_budget_holds",
    shared_metadata,
    Column("id", BigInteger, primary_key=True),  # bigserial
    Column("month", Text, nullable=False),
    Column("micros", BigInteger, nullable=False),
    Column("holder_pid", Integer, nullable=False),  # the holder's database session
    Column("holder_start", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("reads", BigInteger, nullable=False, server_default=text("0")),
    Index("ix_budget_holds_month", "month"),
)

# The workers' shared sign-ins (xpulse.store.shared_tokens): one JSON record per account.
shared_tokens = Table(
    "xpulse_tokens",
    shared_metadata,
    Column("account", Text, primary_key=True),
    Column("record", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# X's rate-limit windows as the workers last saw them (xpulse.store.rate_windows): per token
# (its key, e.g. ``user:NAME`` or ``app-bearer``, never the token) and endpoint.
rate_windows = Table(
    "xpulse_rate_windows",
    shared_metadata,
    Column("token", Text, primary_key=True),
    Column("endpoint", Text, primary_key=True),
    Column("limit", Integer, nullable=False),
    Column("remaining", Integer, nullable=False),
    Column("reset_at", DateTime(timezone=True), nullable=False),  # UTC, the server's clock
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One line per failed job attempt (xpulse.jobs): the job engine keeps a status, not an error.
job_errors = Table(
    "xpulse_job_errors",
    shared_metadata,
    Column("id", BigInteger, primary_key=True),  # bigserial
    Column("job_id", BigInteger, nullable=False),
    Column("account", Text),
    Column("task", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_job_errors_job", "job_id"),
)


def create_shared(conn: Connection, *tables: Table) -> None:
    """Create the shared ``tables`` that are missing, in ``conn``'s transaction; a concurrent
    first user waits for it on an advisory lock instead of failing on a half-made table."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SHARED_SCHEMA_LOCK})
    shared_metadata.create_all(conn, tables=list(tables))


_ensured: set[tuple[str, tuple[str, ...]]] = set()
_ensured_lock = threading.Lock()


def ensure_shared(
    engine: Engine, *tables: Table, then: Callable[[Connection], None] | None = None
) -> None:
    """:func:`create_shared` once a process and database (the coordination tables are
    made on first use, and every job asks): ``then`` runs in the same transaction, for
    what goes with the tables (upgrades, server-side functions)."""
    key = (engine.url.render_as_string(hide_password=True), tuple(t.name for t in tables))
    with _ensured_lock:
        if key in _ensured:
            return
        with engine.begin() as conn:
            create_shared(conn, *tables)
            if then is not None:
                then(conn)
        _ensured.add(key)
