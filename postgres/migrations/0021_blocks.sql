-- class: personal. Whom a person of this region blocked or muted (kind
-- "block", "mute"), and, kind "blocked_by", that a person of another
-- region blocked them: the notice the blocker's region sends over the
-- link (IDs only), kept here so this region, which serves the blocked
-- person, can enforce the block. Rows go with the person (erasure); a
-- notice goes when its blocker unblocks or is erased.
CREATE TABLE blocks (
    person_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    other_id   TEXT NOT NULL,                                           -- personal: a person of any region
    kind       TEXT NOT NULL,                                           -- personal: block, mute or blocked_by
    created_at BIGINT NOT NULL,                                         -- personal: unix ms
    PRIMARY KEY (person_id, other_id, kind)
);
CREATE INDEX blocks_other ON blocks (other_id, kind);
