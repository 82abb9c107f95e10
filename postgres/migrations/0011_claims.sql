-- class: regional-operational. Which person holds an email, so that one
-- email has one account across regions; only the directory region's table
-- is used. No email is here: the key is the directory's own keyed hash of
-- the email locator (itself a keyed hash the home region computes), so
-- without both the link secret and this region's keys it leads back to no
-- address. The holder's home region releases the claim at erasure.
CREATE TABLE email_claims (
    email_key  BYTEA PRIMARY KEY,          -- keyed hash of an email locator
    user_id    TEXT NOT NULL,              -- public ID (carries the home region)
    claimed_at BIGINT NOT NULL
);
CREATE INDEX email_claims_user ON email_claims(user_id);

-- Look-alike handles collide: a claim's key is the confusable skeleton of
-- its handle (kurz.HandleKey), unique. Claims made before have none until
-- the directory fills it in at start (accounts.BackfillHandleKeys).
ALTER TABLE handle_claims ADD COLUMN handle_key TEXT; -- public
CREATE UNIQUE INDEX handle_claims_key ON handle_claims(handle_key);
