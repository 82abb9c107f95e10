-- class: regional-operational. The generation of the region's public log:
-- a random ID made when the log is first read and made anew by every
-- restore ("kurz restore"), sent with every log answer so that a peer
-- that sees it change re-reads the log from the start.
CREATE TABLE log_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation TEXT NOT NULL
);

-- class: regional-operational. The generation of each peer's log this
-- region has applied (kept apart from log_positions, which a re-sync
-- drops).
CREATE TABLE peer_generations (
    region     TEXT PRIMARY KEY,
    generation TEXT NOT NULL
);

-- class: regional-operational. When a queued counter delta was delivered
-- (NULL: not yet). Delivered deltas are kept a while, so that a region
-- restored from a backup is sent again those it lost (it applies each key
-- once).
ALTER TABLE deltas_out ADD COLUMN delivered_at INTEGER;
