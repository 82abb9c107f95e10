-- class: personal. Who asked to follow a private account (or a 13-15 year
-- old's, always private), and whom its owner approved: kept in the
-- followee's region, which decides who sees their followers-only videos.
-- Rows go with the followee (erasure).
CREATE TABLE follow_requests (
    followee_id     TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    follower_id     TEXT NOT NULL,                                           -- personal: a person of any region
    follower_handle TEXT NOT NULL,                                           -- public: their handle
    approved        BIGINT NOT NULL DEFAULT 0,                          -- personal: 1 once the owner approved
    created_at      BIGINT NOT NULL,                                        -- personal: unix ms
    PRIMARY KEY (followee_id, follower_id)
);
