-- unionwire PostgreSQL store, schema version 2: leases for crawlers sharing the store.

-- Source leases: a row per source any crawler has looked at. owner/expires are NULL when no crawler
-- holds it; expires is in milliseconds since the Unix epoch on the claimer's clock. A crawler claims due
-- sources with SELECT … FOR UPDATE SKIP LOCKED, renews its leases while it crawls and clears them when
-- done; an expired lease is taken over by the next claim.
CREATE TABLE uw_source_leases (
    source  text PRIMARY KEY,
    owner   text,
    expires bigint
);

-- Politeness per host across every crawler, on the database's clock (microseconds since the Unix
-- epoch): who has a request in flight there and until when that claim stands, the earliest start of the
-- next request, and the end of a Retry-After hold.
CREATE TABLE uw_host_turns (
    host           text PRIMARY KEY,
    holder         text,
    holder_expires bigint NOT NULL DEFAULT 0,
    next_start     bigint NOT NULL DEFAULT 0,
    hold_until     bigint NOT NULL DEFAULT 0
);
