-- Data classes (DESIGN.md §1): every table states its class; columns that
-- differ from their table's class say so. "personal" rows stay in the home
-- region and their personal fields are sealed with the person's data key.

-- class: public. The public face of a person; replicated to every region.
CREATE TABLE profiles (
    id            TEXT PRIMARY KEY,          -- public: region-prefixed ID
    handle        TEXT NOT NULL UNIQUE,      -- public: case-folded handle
    display_name  TEXT NOT NULL DEFAULT '',  -- public
    bio           TEXT NOT NULL DEFAULT '',  -- public
    private       SMALLINT NOT NULL DEFAULT 0,-- public: account is private
    created_at    BIGINT NOT NULL           -- public: unix ms
);

-- class: personal. Sign-in data of a person; never leaves the home region.
CREATE TABLE accounts (
    user_id           TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE, -- public ID
    email_index       BYTEA NOT NULL UNIQUE,  -- personal: blind index (keyed hash) of the email
    email_sealed      BYTEA NOT NULL,         -- personal: sealed with the person's data key
    birth_date_sealed BYTEA NOT NULL,         -- personal: sealed
    country_sealed    BYTEA NOT NULL,         -- personal: sealed
    password_hash     TEXT NOT NULL,         -- personal: argon2id PHC string
    minor             SMALLINT NOT NULL DEFAULT 0, -- personal: 13-15 years old
    created_at        BIGINT NOT NULL       -- personal: unix ms
);

-- class: personal. A person's data key, wrapped by the region's KEK.
-- Deleting the row crypto-shreds every sealed field of the person.
CREATE TABLE person_keys (
    user_id     TEXT PRIMARY KEY,            -- public ID
    wrapped_key BYTEA NOT NULL,               -- personal: AES-GCM(KEK, data key)
    created_at  BIGINT NOT NULL
);

-- class: personal. Signed-in devices; only a hash of the token is stored.
CREATE TABLE sessions (
    token_hash  BYTEA PRIMARY KEY,            -- personal: SHA-256 of the token
    user_id     TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    ip_sealed   BYTEA,                        -- personal: sign-in IP, sealed
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- class: public. Handle claims; only the directory region's table is used.
CREATE TABLE handle_claims (
    handle     TEXT PRIMARY KEY,             -- public
    user_id    TEXT NOT NULL,                -- public ID (carries the home region)
    claimed_at BIGINT NOT NULL
);
