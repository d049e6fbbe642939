"""The PostgreSQL schema and its migrations.

The same tables as SQLite's (``schema.py``, at its version 8), with the same
column types as text (timestamps ISO 8601, JSON as text), so both backends
read and write identical values.  Items carry a generated ``tsv`` column
(weighted like the SQLite bm25 columns) with a GIN index in place of FTS5.

The version lives in ``digestbot_schema``; ``migrate`` runs the missing steps
in one transaction under a session advisory lock, so replicas starting at
once migrate once.  Never edit a released migration: add a new one.
"""

from __future__ import annotations

from typing import Any

from bot.errors import StorageError

#: The advisory lock key migrations run under (distinct from the leader's).
MIGRATION_LOCK = 0x6469_6765_0001

_V1 = """
CREATE TABLE sources (
    source TEXT PRIMARY KEY,
    content_hash TEXT,
    etag TEXT,
    last_modified TEXT,
    title TEXT,
    checked_at TEXT
);
CREATE TABLE episodes (
    rowid BIGSERIAL UNIQUE,
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    feed TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    url TEXT,
    duration_seconds BIGINT,
    audio_url TEXT,
    chapters TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE INDEX episodes_published ON episodes(published);
CREATE TABLE items (
    rowid BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    episode_id TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    org TEXT,
    section TEXT NOT NULL,
    section_original TEXT NOT NULL,
    headline TEXT NOT NULL,
    summary TEXT NOT NULL,
    facts TEXT NOT NULL DEFAULT '{}',
    links TEXT NOT NULL DEFAULT '[]',
    chapter TEXT,
    published TEXT,
    entity_id TEXT,
    ntok INTEGER NOT NULL DEFAULT 0,
    tsv tsvector NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX items_name_key ON items(name_key text_pattern_ops, published);
CREATE INDEX items_episode ON items(episode_id, position);
CREATE INDEX items_tsv ON items USING gin(tsv);
CREATE INDEX items_entity ON items(entity_id, published);
CREATE INDEX items_without_entity ON items(episode_id) WHERE entity_id IS NULL;
CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    family TEXT NOT NULL,
    family_key TEXT NOT NULL,
    org TEXT
);
CREATE INDEX entities_family ON entities(family_key);
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('weekly', 'on-publish')),
    day INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),
    time TEXT NOT NULL,
    tz TEXT NOT NULL,
    feeds TEXT NOT NULL DEFAULT '[]',
    sections TEXT NOT NULL DEFAULT '[]',
    keywords TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL DEFAULT 'cli',
    created_at TEXT NOT NULL,
    baseline TEXT,
    disabled_reason TEXT,
    last_error TEXT
);
CREATE INDEX subscriptions_target ON subscriptions(target);
CREATE TABLE posts (
    subscription_id TEXT NOT NULL,
    period TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'digest',
    state TEXT NOT NULL CHECK (state IN ('claimed', 'posted', 'retry', 'failed', 'skipped')),
    owner TEXT,
    lease_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    first_claimed_at TEXT,
    episodes TEXT NOT NULL DEFAULT '[]',
    message_ids TEXT NOT NULL DEFAULT '[]',
    detail TEXT,
    updated_at TEXT NOT NULL,
    digest TEXT,
    PRIMARY KEY (subscription_id, period)
);
CREATE INDEX posts_state ON posts(state);
CREATE TABLE covered (
    subscription_id TEXT NOT NULL,
    episode_id TEXT NOT NULL,
    period TEXT NOT NULL,
    PRIMARY KEY (subscription_id, episode_id)
);
CREATE TABLE llm_cache (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE slack_installations (
    client_id TEXT NOT NULL,
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    installed_at DOUBLE PRECISION NOT NULL,
    installation TEXT NOT NULL,
    PRIMARY KEY (client_id, enterprise_id, team_id, user_id)
);
CREATE TABLE slack_bots (
    client_id TEXT NOT NULL,
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    installed_at DOUBLE PRECISION NOT NULL,
    bot TEXT NOT NULL,
    PRIMARY KEY (client_id, enterprise_id, team_id)
);
CREATE TABLE slack_oauth_states (
    state TEXT PRIMARY KEY,
    expire_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE slack_seen_signatures (
    signature TEXT PRIMARY KEY,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX slack_seen_expiry ON slack_seen_signatures(expires_at);
"""

#: Replicas of ``digestbot run`` sharing the database (``digestbot status``).
_REPLICAS = """
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    leader BOOLEAN NOT NULL DEFAULT false,
    since TEXT,
    started_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
"""

#: The release-name index ``bot.store.names`` reads (SQLite keeps it as a table filled by
#: the store and triggers).  Here it is a view: PostgreSQL pushes ``key = ?`` and key
#: ranges down into the grouping, so a lookup reads the few items of its key; keys
#: compare in "C" order, as SQLite's do.
_NAMES = """
CREATE VIEW names AS
    SELECT name_key COLLATE "C" AS key,
           (array_agg(name ORDER BY published DESC NULLS LAST))[1] AS name,
           coalesce(max(published), '') AS newest
    FROM items GROUP BY name_key;
"""

#: Watchlists, feed health and fact filters (SQLite's _WATCHES, _HEALTH and _FACT_FILTERS
#: in one step).  ``watch_alerts.rowid`` keeps SQLite's insertion order for delivery;
#: ``incidents.id`` is an identity as SQLite's ``INTEGER PRIMARY KEY`` is.
_WATCHES = """
CREATE TABLE watches (
    id TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    query TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    orgs TEXT NOT NULL DEFAULT '[]',
    licenses TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    after_rowid BIGINT NOT NULL DEFAULT 0,
    disabled_reason TEXT
);
CREATE INDEX watches_key ON watches(kind, key);
CREATE INDEX watches_target ON watches(target);
CREATE TABLE watch_alerts (
    rowid BIGSERIAL UNIQUE,
    watch_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    episode_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    message_id TEXT,
    error TEXT,
    PRIMARY KEY (watch_id, entity_id, episode_id)
);
CREATE INDEX watch_alerts_pending ON watch_alerts(state) WHERE state = 'pending';
CREATE TABLE watch_cursor (
    name TEXT PRIMARY KEY,
    item_rowid BIGINT NOT NULL
);
INSERT INTO watch_cursor(name, item_rowid) SELECT 'items', coalesce(max(rowid), 0) FROM items;
CREATE TABLE feed_health (
    feed TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    last_ok TEXT,
    last_error TEXT,
    last_error_at TEXT
);
CREATE TABLE incidents (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    alerted_at TEXT,
    resolved_at TEXT,
    recovered_sent_at TEXT
);
CREATE UNIQUE INDEX incidents_open ON incidents(key) WHERE resolved_at IS NULL;
ALTER TABLE subscriptions ADD COLUMN orgs TEXT NOT NULL DEFAULT '[]';
ALTER TABLE subscriptions ADD COLUMN licenses TEXT NOT NULL DEFAULT '[]';
"""

#: As SQLite's ``_IMPORTED_FEEDS``: feeds imported from OPML (``digestbot import``).
_IMPORTED_FEEDS = """
CREATE TABLE imported_feeds (
    url TEXT PRIMARY KEY,
    title TEXT,
    imported_at TEXT NOT NULL
);
"""

#: The release-name index as a real table, as SQLite's (``_NAMES`` in ``schema.py``): the
#: view above grouped a million items per fuzzy lookup (its key filter did not reach the
#: index).  Inserts are indexed by the store in one statement per batch
#: (``postgres.NAME_ITEMS_AFTER``), updates and deletes by the triggers below.  A GiST
#: trigram index (``pg_trgm``) finds the keys nearest a misspelt name
#: (``bot.store.pg_names``); keys compare in "C" order, as SQLite's do.
_NAME_TABLE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP VIEW names;
CREATE TABLE names (
    key TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    newest TEXT NOT NULL DEFAULT ''
);
CREATE INDEX names_newest ON names(newest);
CREATE INDEX names_trgm ON names USING gist (key gist_trgm_ops);
INSERT INTO names(key, name, newest)
    SELECT DISTINCT ON (name_key) name_key, name, coalesce(published, '') FROM items
    ORDER BY name_key, published DESC NULLS LAST, rowid DESC;
CREATE FUNCTION digestbot_name_refresh(k TEXT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM names WHERE key = k;
    INSERT INTO names(key, name, newest)
        SELECT name_key, name, coalesce(published, '') FROM items WHERE name_key = k
        ORDER BY published DESC NULLS LAST, rowid DESC LIMIT 1;
$$;
CREATE FUNCTION digestbot_names_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM digestbot_name_refresh(OLD.name_key);
    IF TG_OP = 'UPDATE' AND NEW.name_key <> OLD.name_key THEN
        PERFORM digestbot_name_refresh(NEW.name_key);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER names_ad AFTER DELETE ON items
    FOR EACH ROW EXECUTE FUNCTION digestbot_names_changed();
CREATE TRIGGER names_au AFTER UPDATE OF name, name_key, published ON items
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
        OR OLD.name_key IS DISTINCT FROM NEW.name_key
        OR OLD.published IS DISTINCT FROM NEW.published)
    EXECUTE FUNCTION digestbot_names_changed();
"""

#: As SQLite's ``_CHANGES_HEAD``: posts headed by what changed (``--changes``).
_CHANGES_HEAD = """
ALTER TABLE subscriptions ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
"""

#: As SQLite's ``_THREADS``: threaded posts (a parent message and a reply per section).
_THREADS = """
ALTER TABLE subscriptions ADD COLUMN threads INTEGER NOT NULL DEFAULT 0;
"""

#: Migrations in order; index i takes the database to version i + 1.
PG_MIGRATIONS: list[str] = [
    _V1,
    _REPLICAS,
    _NAMES,
    _IMPORTED_FEEDS,
    _WATCHES,
    _CHANGES_HEAD,
    _THREADS,
    _NAME_TABLE,
]
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)

#: Primary keys of the tables SQLite's ``INSERT OR REPLACE`` writes (see ``postgres.py``).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "subscriptions": ("id",),
    "llm_cache": ("key",),
    "slack_installations": ("client_id", "enterprise_id", "team_id", "user_id"),
    "slack_bots": ("client_id", "enterprise_id", "team_id"),
    "covered": ("subscription_id", "episode_id"),
    "slack_seen_signatures": ("signature",),
}


def migrate(conn: Any) -> int:
    """Bring the database on ``conn`` (autocommit) to ``PG_SCHEMA_VERSION``; the start version.

    Raises ``StorageError`` for a schema newer than this code.
    """
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        with conn.transaction():
            conn.execute("CREATE TABLE IF NOT EXISTS digestbot_schema (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM digestbot_schema").fetchone()
            start = int(row[0] or 0)
            if start > PG_SCHEMA_VERSION:
                raise StorageError(
                    f"database schema version {start} is newer than this digestbot"
                    f" ({PG_SCHEMA_VERSION}): upgrade digestbot"
                )
            for version in range(start, PG_SCHEMA_VERSION):
                conn.execute(PG_MIGRATIONS[version])
            if start < PG_SCHEMA_VERSION:
                conn.execute("DELETE FROM digestbot_schema")
                conn.execute(
                    "INSERT INTO digestbot_schema(version) VALUES (%s)", (PG_SCHEMA_VERSION,)
                )
        return start
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
