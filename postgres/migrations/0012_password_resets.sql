-- class: personal. One-time links that set a new password, printed to the
-- operator by "kurz admin reset-password". Only a hash of the token is
-- kept; a link is used once (its row is deleted when used) and expires.
-- Rows go with the person (erasure).
CREATE TABLE password_resets (
    token_hash BYTEA PRIMARY KEY,                                     -- personal: SHA-256 of the token
    user_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    created_at BIGINT NOT NULL,                                       -- personal: unix ms
    expires_at BIGINT NOT NULL                                        -- personal: unix ms
);
CREATE INDEX password_resets_user ON password_resets(user_id);
