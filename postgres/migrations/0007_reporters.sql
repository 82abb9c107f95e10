-- class: regional-operational. How often a notifier (by keyed hash, not
-- identity) reported content of this region that needed no action; repeat
-- unfounded notifiers are slowed, then suspended from reporting (DSA Art. 23).
CREATE TABLE reporter_standing (
    reporter_hash   BYTEA PRIMARY KEY,
    unfounded       BIGINT NOT NULL,
    suspended_until BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
