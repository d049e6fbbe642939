"""The database schema and its migrations.

The schema version lives in SQLite's ``user_version``.  Migration N takes
the database from version N-1 to N; opening a store runs the missing ones in
order, under the write lock and in one transaction with the version bump, so
an older database is upgraded in place, at most once, and a crash leaves it
as it was.  Never edit a released migration: add a new one.
"""

from __future__ import annotations

import sqlite3

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
            id TEXT PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            feed TEXT NOT NULL,
            title TEXT NOT NULL,
            published TEXT,
            url TEXT,
            duration_seconds INTEGER,
            audio_url TEXT,
            chapters TEXT NOT NULL DEFAULT '[]',
            body TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX episodes_published ON episodes(published);
        CREATE TABLE items (
            rowid INTEGER PRIMARY KEY,
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
            published TEXT
        );
        CREATE INDEX items_name_key ON items(name_key, published);
        CREATE INDEX items_episode ON items(episode_id, position);
        CREATE VIRTUAL TABLE items_fts USING fts5(
            name, org, headline, summary, section,
            content='items', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
            INSERT INTO items_fts(rowid, name, org, headline, summary, section)
            VALUES (new.rowid, new.name, new.org, new.headline, new.summary, new.section);
        END;
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, name, org, headline, summary, section)
            VALUES ('delete', old.rowid, old.name, old.org, old.headline, old.summary, old.section);
        END;
        CREATE TRIGGER items_au AFTER UPDATE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, name, org, headline, summary, section)
            VALUES ('delete', old.rowid, old.name, old.org, old.headline, old.summary, old.section);
            INSERT INTO items_fts(rowid, name, org, headline, summary, section)
            VALUES (new.rowid, new.name, new.org, new.headline, new.summary, new.section);
        END;
"""

#: Scheduled posting (bot.schedule): subscriptions, the posting ledger, covered episodes.
#: A ``posts`` row is the claim on one (subscription, period): its primary key is what
#: makes a post happen once across processes.  ``covered`` remembers which episodes a
#: subscription has had, so the next weekly post lists only what is new.
_SCHEDULE = """
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
            state TEXT NOT NULL
                CHECK (state IN ('claimed', 'posted', 'retry', 'failed', 'skipped')),
            owner TEXT,
            lease_until TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            first_claimed_at TEXT,
            episodes TEXT NOT NULL DEFAULT '[]',
            message_ids TEXT NOT NULL DEFAULT '[]',
            detail TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (subscription_id, period)
        );
        CREATE INDEX posts_state ON posts(state);
        CREATE TABLE covered (
            subscription_id TEXT NOT NULL,
            episode_id TEXT NOT NULL,
            period TEXT NOT NULL,
            PRIMARY KEY (subscription_id, episode_id)
        );
"""

#: Answers of the optional LLM summariser (bot.summarise.llm), by a hash of what was
#: asked (prompt version, model, item and passage), so re-summarising costs no calls.
_LLM_CACHE = """
        CREATE TABLE llm_cache (
            key TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            response TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
"""

#: Slack installs into several workspaces (adapters/slack/oauth.py).  An installation is
#: slack_sdk's ``Installation`` (or ``Bot``) as JSON, bot token included, keyed by the app's
#: client id and the workspace ("" for none; the installing user for installations); the
#: OAuth ``state`` of an install in progress lives until it is used or expires.
_SLACK_OAUTH = """
        CREATE TABLE slack_installations (
            client_id TEXT NOT NULL,
            enterprise_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            installed_at REAL NOT NULL,
            installation TEXT NOT NULL,
            PRIMARY KEY (client_id, enterprise_id, team_id, user_id)
        );
        CREATE TABLE slack_bots (
            client_id TEXT NOT NULL,
            enterprise_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            installed_at REAL NOT NULL,
            bot TEXT NOT NULL,
            PRIMARY KEY (client_id, enterprise_id, team_id)
        );
        CREATE TABLE slack_oauth_states (
            state TEXT PRIMARY KEY,
            expire_at REAL NOT NULL
        );
"""

#: New items are indexed by the store, one statement per batch (``Store._upsert_items``),
#: not by a trigger: FTS5 flushes its pending terms whenever a savepoint opens, and the
#: trigger's sub-statement opens one per row, so every row became a tiny index segment
#: to merge.  Measured on the ThursdAI feed: 56 ms with the trigger, 17 ms without.
#: Updates and deletes keep their triggers (rare, and they need the old values).
_BULK_FTS_INSERT = """
        DROP TRIGGER items_ai;
"""

#: The digest a claimed post is sending, as JSON (``bot.models.Digest``), kept from its first
#: attempt until the post is done: a retry or a take-over resumes the very messages that
#: were rendered, even when an episode was edited (re-ingested) in between.
_POST_DIGEST = """
        ALTER TABLE posts ADD COLUMN digest TEXT;
"""

#: Slack request signatures accepted in the last few minutes (adapters/slack/replay.py),
#: shared by every process serving this database so none accepts a replay.
_SLACK_SEEN = """
        CREATE TABLE slack_seen_signatures (
            signature TEXT PRIMARY KEY,
            expires_at REAL NOT NULL
        );
        CREATE INDEX slack_seen_expiry ON slack_seen_signatures(expires_at);
"""

#: Release entities (bot.entities): the canonical release ("Qwen3-Coder" in the "Qwen"
#: family) each item names, so mentions across episodes and shows group together.
#: ``items.entity_id`` is filled by ``Store.fill_entities`` (NULL until then; "" for a name
#: without an entity), so existing rows upgrade lazily and ingest pays nothing for it.
#: The update trigger now fires only when indexed text changes: setting an item's
#: entity must not reindex it.
_ENTITIES = """
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            family TEXT NOT NULL,
            family_key TEXT NOT NULL,
            org TEXT
        );
        CREATE INDEX entities_family ON entities(family_key);
        ALTER TABLE items ADD COLUMN entity_id TEXT;
        CREATE INDEX items_entity ON items(entity_id, published);
        CREATE INDEX items_without_entity ON items(episode_id) WHERE entity_id IS NULL;
        DROP TRIGGER items_au;
        CREATE TRIGGER items_au AFTER UPDATE OF name, org, headline, summary, section ON items
        BEGIN
            INSERT INTO items_fts(items_fts, rowid, name, org, headline, summary, section)
            VALUES ('delete', old.rowid, old.name, old.org, old.headline, old.summary, old.section);
            INSERT INTO items_fts(rowid, name, org, headline, summary, section)
            VALUES (new.rowid, new.name, new.org, new.headline, new.summary, new.section);
        END;
"""

#: The release-name index (``bot.store.names``): one row per distinct ``items.name_key``
#: with the display name and date of its newest item, kept by triggers, so a process
#: never rebuilds it from ``GROUP BY name_key`` (2.2 s at 1M items) and a write
#: (a post, a subscription) leaves it as it is.  Inserted items are added by the store
#: in one statement per batch (``index_items_after``, as for full text: a per-row insert
#: trigger cost 30 ms of a ThursdAI ingest); delete and rename triggers recompute their
#: key from ``items_name_key`` (one index probe).
#: No ``OR IGNORE`` inside: the conflict clause of the statement firing a trigger
#: overrides the trigger's own.
_NAMES = """
        CREATE TABLE names (
            key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            newest TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        CREATE INDEX names_newest ON names(newest);
        INSERT INTO names(key, name, newest)
            SELECT name_key, name, coalesce(max(published), '') FROM items GROUP BY name_key;
        CREATE TRIGGER names_ad AFTER DELETE ON items BEGIN
            DELETE FROM names WHERE key = old.name_key;
            INSERT INTO names(key, name, newest)
                SELECT name_key, name, coalesce(published, '') FROM items
                WHERE name_key = old.name_key ORDER BY published DESC LIMIT 1;
        END;
        CREATE TRIGGER names_au AFTER UPDATE OF name, name_key, published ON items BEGIN
            DELETE FROM names WHERE key IN (old.name_key, new.name_key);
            INSERT INTO names(key, name, newest)
                SELECT name_key, name, coalesce(published, '') FROM items
                WHERE name_key = old.name_key ORDER BY published DESC LIMIT 1;
            INSERT INTO names(key, name, newest)
                SELECT name_key, name, coalesce(published, '') FROM items
                WHERE name_key = new.name_key AND new.name_key <> old.name_key
                ORDER BY published DESC LIMIT 1;
        END;
"""

#: Replicas of ``digestbot run`` (bot/store/replicas.py): heartbeat rows for ``status``.
_REPLICAS = """
        CREATE TABLE replicas (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            leader INTEGER NOT NULL DEFAULT 0,
            since TEXT,
            started_at TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
"""

#: Feeds imported from an OPML file (``digestbot import``): polled by ``run`` as the
#: config's feeds are, and listed by ``digestbot export --format opml``.
_IMPORTED_FEEDS = """
        CREATE TABLE imported_feeds (
            url TEXT PRIMARY KEY,
            title TEXT,
            imported_at TEXT NOT NULL
        );
"""

#: Watchlists (bot/watch/): who watches which release or family, and each alert once.
#: ``watch_alerts`` is the delivery ledger: one row per watch, release and episode, so
#: a re-ingest or a restart never alerts twice.  ``watch_cursor`` is the newest item
#: already matched (existing items are never news: it starts at the newest one).
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
            after_rowid INTEGER NOT NULL DEFAULT 0,
            disabled_reason TEXT
        );
        CREATE INDEX watches_key ON watches(kind, key);
        CREATE INDEX watches_target ON watches(target);
        CREATE TABLE watch_alerts (
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
            item_rowid INTEGER NOT NULL
        );
        INSERT INTO watch_cursor(name, item_rowid)
            SELECT 'items', coalesce(max(rowid), 0) FROM items;
"""

#: Feed health (bot/alerts.py): each feed's last success and error, and the incidents
#: alerted (one row each, so an incident is alerted once and recovered once).
_HEALTH = """
        CREATE TABLE feed_health (
            feed TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            last_ok TEXT,
            last_error TEXT,
            last_error_at TEXT
        );
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
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
"""

#: Fact filters of subscriptions (bot/factfilter.py): organisations and licences, JSON lists.
_FACT_FILTERS = """
        ALTER TABLE subscriptions ADD COLUMN orgs TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE subscriptions ADD COLUMN licenses TEXT NOT NULL DEFAULT '[]';
"""

#: Subscriptions whose posts open with what changed per release family (``--changes``).
_CHANGES_HEAD = """
        ALTER TABLE subscriptions ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
"""

#: Threaded posts (bot/threads.py): a parent message, then one reply per section.
_THREADS = """
        ALTER TABLE subscriptions ADD COLUMN threads INTEGER NOT NULL DEFAULT 0;
"""

#: Migrations in order, as SQL scripts; index i takes the database to version i + 1.
MIGRATIONS: list[str] = [
    _V1,
    _SCHEDULE,
    _LLM_CACHE,
    _SLACK_OAUTH,
    _BULK_FTS_INSERT,
    _POST_DIGEST,
    _SLACK_SEEN,
    _ENTITIES,
    _NAMES,
    _REPLICAS,
    _IMPORTED_FEEDS,
    _WATCHES,
    _HEALTH,
    _FACT_FILTERS,
    _CHANGES_HEAD,
    _THREADS,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection) -> int:
    """Bring ``db`` to ``SCHEMA_VERSION``; return the version it started at.

    The missing steps run in one ``BEGIN IMMEDIATE`` transaction that re-reads
    the version once it holds the write lock, so processes opening a new
    database at once migrate it once: the others wait, then find it done.
    ``db`` must be in autocommit mode (``isolation_level=None``).

    Raises ``sqlite3.DatabaseError`` for a database newer than this code.
    """
    if _version(db) == SCHEMA_VERSION:
        return SCHEMA_VERSION  # the common case: no write lock taken
    db.execute("BEGIN IMMEDIATE")
    try:
        start = _version(db)
        for version in range(start, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[version]):
                db.execute(statement)
        if start < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return start


def _version(db: sqlite3.Connection) -> int:
    """The schema version; raises for a database newer than this code."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"database schema version {version} is newer than this digestbot ({SCHEMA_VERSION})"
        )
    return int(version)


def _statements(script: str) -> list[str]:
    """A migration script as single statements (``executescript`` would commit the transaction)."""
    statements: list[str] = []
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):  # a trigger's body holds ';' of its own
            if pending.strip(" \n\t;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n\t;"):
        raise ValueError(f"incomplete SQL at the end of a migration: {pending.strip()[:60]!r}")
    return statements
