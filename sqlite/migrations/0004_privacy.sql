-- Privacy rights. (person_keys from 0001 is used only in the separate key
-- store database, keyring/keys.db, never in the main one.)

-- class: personal. Erasures asked for; the account is hidden until run_at,
-- then erased, unless the person cancels.
CREATE TABLE erasures (
    user_id      TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    requested_at INTEGER NOT NULL,
    run_at       INTEGER NOT NULL
);

-- class: personal. Messages to a person (export ready, statements of reasons).
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,               -- regional-operational
    data_sealed BLOB NOT NULL,               -- personal: sealed JSON
    created_at  INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- class: personal. Data exports; the file is sealed with the person's key.
CREATE TABLE exports (
    id         TEXT PRIMARY KEY,             -- personal: random, unguessable
    user_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,                -- pending, ready, failed
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- class: regional-operational. Every staff look at personal data, as a
-- hash chain: each entry's hash covers the previous one's, so changing or
-- removing an entry breaks verification.
CREATE TABLE access_audit (
    seq        INTEGER PRIMARY KEY,          -- regional-operational: position
    at         INTEGER NOT NULL,
    actor_id   TEXT NOT NULL,                -- who looked (staff ID)
    subject_id TEXT NOT NULL,                -- whose data (person ID)
    action     TEXT NOT NULL,                -- view, grant, export, erase
    fields     TEXT NOT NULL,                -- which fields, comma-separated
    reason     TEXT NOT NULL,                -- why (required)
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX access_audit_subject ON access_audit(subject_id);

-- class: regional-operational. Staff roles for this region (moderator,
-- admin, privacy).
CREATE TABLE roles (
    user_id    TEXT NOT NULL,                -- any region's person ID
    role       TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, role)
);
