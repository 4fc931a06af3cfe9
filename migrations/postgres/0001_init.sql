-- unionwire PostgreSQL store, schema version 1. Applied by `PgStore::migrate` in one transaction; the
-- version applied is recorded in uw_schema (created by the migrator itself, before this file runs).

-- Counters kept in the database so every process sees them: generation (the feed cache key), articles,
-- stories.
CREATE TABLE uw_meta (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO uw_meta (name, value) VALUES ('generation', 0), ('articles', 0), ('stories', 0);

-- One row per stored article. record is the whole StoredArticle as JSON; the other columns are what the
-- indexes and queries need. fp_simhash/fp_anchors are the near-duplicate fingerprint the article is
-- indexed under (it may differ from record.simhash after a mirror's copy was refused).
CREATE TABLE uw_articles (
    id         bytea PRIMARY KEY,
    story      bytea  NOT NULL,
    source     text   NOT NULL,
    sort_time  bigint NOT NULL,
    fp_simhash bigint NOT NULL,
    fp_anchors bigint[] NOT NULL,
    record     json   NOT NULL
);
-- A source's articles newest first.
CREATE INDEX uw_articles_source_time ON uw_articles (source, sort_time DESC, id DESC);

-- URL identity keys (dedup::url_key) of every URL an article was reached through.
CREATE TABLE uw_urls (
    url_key text PRIMARY KEY,
    article bytea NOT NULL
);
CREATE INDEX uw_urls_article ON uw_urls (article);

-- Stories: members in lead order (dedup::story::Member as JSON), the lead's sort time.
CREATE TABLE uw_stories (
    id        bytea PRIMARY KEY,
    sort_time bigint NOT NULL,
    members   json   NOT NULL
);
CREATE INDEX uw_stories_time ON uw_stories (sort_time DESC, id DESC);

-- The near-duplicate indexes: one row per (band, article) and per (anchor, article).
CREATE TABLE uw_bands (
    band_no smallint NOT NULL,
    band    integer  NOT NULL,
    simhash bigint   NOT NULL,
    article bytea    NOT NULL,
    PRIMARY KEY (band_no, band, article)
);
CREATE INDEX uw_bands_article ON uw_bands (article);

CREATE TABLE uw_anchors (
    anchor  bigint NOT NULL,
    article bytea  NOT NULL,
    story   bytea  NOT NULL,
    PRIMARY KEY (anchor, article)
);
CREATE INDEX uw_anchors_article ON uw_anchors (article);

-- Conditional-fetch state per URL identity key, and source health.
CREATE TABLE uw_fetch_state (
    url_key text PRIMARY KEY,
    state   json NOT NULL
);
CREATE TABLE uw_source_state (
    source text PRIMARY KEY,
    state  json NOT NULL
);
