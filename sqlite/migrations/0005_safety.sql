-- Trust & Safety: notices, the moderation queue, decisions, blocked media.

-- class: personal. Notices filed at this region: the notifier's own
-- details (name, email) are sealed under a key of the notice's own.
CREATE TABLE notices (
    id              TEXT PRIMARY KEY,        -- personal: receipt ID given to the notifier
    reporter_id     TEXT NOT NULL,           -- personal: '' when anonymous
    target_region   TEXT NOT NULL,           -- regional-operational
    target_type     TEXT NOT NULL,           -- video, comment, account
    target_id       TEXT NOT NULL,
    category        TEXT NOT NULL,
    explanation     TEXT NOT NULL,           -- personal: the notifier's words
    notifier_sealed BLOB,                    -- personal: sealed {name, email, legal_ground, good_faith}
    item_id         TEXT NOT NULL,           -- regional-operational: the queue item in the target region
    created_at      INTEGER NOT NULL
);
CREATE INDEX notices_reporter ON notices(reporter_id);

-- class: regional-operational. The moderation queue of this region's content.
CREATE TABLE queue_items (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,              -- notice, appeal
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    owner_id     TEXT NOT NULL,              -- the affected person
    category     TEXT NOT NULL,
    reports      INTEGER NOT NULL,           -- distinct notifiers
    priority     INTEGER NOT NULL,           -- higher first
    status       TEXT NOT NULL,              -- open, claimed, decided
    claimed_by   TEXT NOT NULL DEFAULT '',
    claimed_at   INTEGER NOT NULL DEFAULT 0,
    appeal_of    TEXT NOT NULL DEFAULT '',   -- decision appealed
    explanation  TEXT NOT NULL DEFAULT '',   -- the first notice's or the appeal's text
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX queue_open ON queue_items(status, priority, created_at);

-- class: regional-operational. One row per notifier of an item (a keyed
-- hash of who they are), so repeated and mass reports collapse.
CREATE TABLE queue_reports (
    item_id       TEXT NOT NULL,
    reporter_hash BLOB NOT NULL,
    notice_id     TEXT NOT NULL,             -- the notice in its region
    notice_region TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (item_id, reporter_hash)
);

-- class: public (as a statement of reasons, without personal data); the
-- affected person is named only by ID. Decisions on this region's content.
CREATE TABLE decisions (
    id                  TEXT PRIMARY KEY,
    item_id             TEXT NOT NULL,
    target_type         TEXT NOT NULL,
    target_id           TEXT NOT NULL,
    owner_id            TEXT NOT NULL,
    moderator_id        TEXT NOT NULL,       -- regional-operational
    action              TEXT NOT NULL,
    ground              TEXT NOT NULL,       -- illegal, terms
    legal_ground        TEXT NOT NULL,
    category            TEXT NOT NULL,
    explanation         TEXT NOT NULL,
    facts               TEXT NOT NULL,
    automated_detection INTEGER NOT NULL,
    automated_decision  INTEGER NOT NULL,
    territorial_scope   TEXT NOT NULL,
    end_date            INTEGER NOT NULL,
    appeal_of           TEXT NOT NULL DEFAULT '',
    appealed            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);

-- class: regional-operational. Perceptual hashes of known-bad media.
CREATE TABLE blocked_media (
    hash       TEXT PRIMARY KEY,             -- hex of the frame hashes
    reason     TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- class: regional-operational. Perceptual hash of a processed video, to
-- block it from coming back once taken down.
ALTER TABLE videos ADD COLUMN phash TEXT NOT NULL DEFAULT '';
