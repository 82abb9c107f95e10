-- Accounts people can trust: verified email, mail, second factors.

-- class: personal. When the person confirmed their email (unix ms; 0: not
-- yet). Accounts from before verification existed count as confirmed at
-- their creation.
ALTER TABLE accounts ADD COLUMN email_verified_at BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET email_verified_at = created_at;
-- class: personal. The TOTP secret, sealed with the person's data key
-- (NULL: none), and the last time step a code was accepted for, so a
-- code is never accepted twice.
ALTER TABLE accounts ADD COLUMN totp_sealed BYTEA;
ALTER TABLE accounts ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;
-- class: personal. The session was opened with a second factor (TOTP, a
-- recovery code or a passkey): only such sessions may take staff actions.
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;

-- class: personal. The outgoing-mail queue: one row per message, sealed
-- with the recipient's data key (it holds the address), deleted once sent.
-- A River job per row delivers it.
CREATE TABLE mail_queue (
    id         TEXT PRIMARY KEY,                                        -- regional-operational
    user_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    sealed     BYTEA NOT NULL,                                           -- personal: sealed message
    created_at BIGINT NOT NULL                                         -- unix ms
);

-- class: personal. Single-use tokens of a person by purpose (email
-- confirmation, email change, recovery codes, ending a session from an
-- alert) and the devices they signed in from: only hashes are stored; data
-- (a new address) is sealed. Rows go with the person.
CREATE TABLE account_tokens (
    token_hash  BYTEA PRIMARY KEY,                                        -- personal: SHA-256
    user_id     TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    purpose     TEXT NOT NULL,                                           -- personal
    data_sealed BYTEA,                                                    -- personal: sealed
    created_at  BIGINT NOT NULL,                                        -- unix ms
    expires_at  BIGINT NOT NULL                                         -- unix ms
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose);

-- class: personal. Passkeys (WebAuthn credentials), the credential sealed
-- with the person's data key.
CREATE TABLE passkeys (
    credential_id BYTEA PRIMARY KEY,                                      -- personal
    user_id       TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    sealed        BYTEA NOT NULL,                                         -- personal: sealed credential
    created_at    BIGINT NOT NULL                                       -- unix ms
);
CREATE INDEX passkeys_user ON passkeys(user_id);
