-- Social features and the public log.

-- class: personal. What people of this region liked.
CREATE TABLE likes (
    user_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal: the actor
    video_id   TEXT NOT NULL,                -- personal (with user_id): what they liked, any region
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, video_id)
);

-- class: personal. Whom people of this region follow.
CREATE TABLE follows (
    follower_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    followee_id TEXT NOT NULL,               -- personal (with follower_id); any region
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);

-- class: personal. Watch history: one row per person, video and day.
CREATE TABLE views (
    user_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    video_id   TEXT NOT NULL,                -- personal (with user_id)
    day        INTEGER NOT NULL,             -- personal: days since 1970-01-01 (UTC)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, video_id, day)
);

-- class: public. Comments on this region's videos (a published comment is
-- public; it lives with the video it answers).
CREATE TABLE comments (
    id            TEXT PRIMARY KEY,          -- public: ID in the video's region
    video_id      TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE, -- public
    author_id     TEXT NOT NULL,             -- public: the author's ID (any region)
    author_handle TEXT NOT NULL,             -- public
    text          TEXT NOT NULL,             -- public
    created_at    INTEGER NOT NULL           -- public
);
CREATE INDEX comments_video ON comments(video_id, created_at);
CREATE INDEX comments_author ON comments(author_id);

-- class: public. Profile counters kept by the profile's home region.
ALTER TABLE profiles ADD COLUMN followers INTEGER NOT NULL DEFAULT 0; -- public: counter
ALTER TABLE profiles ADD COLUMN following INTEGER NOT NULL DEFAULT 0; -- public: counter

-- class: regional-operational. Counter deltas on their way to the region
-- owning the object, until it acknowledges them. The key is random: it
-- says nothing about who acted.
CREATE TABLE deltas_out (
    key        TEXT PRIMARY KEY,             -- regional-operational: random idempotency key
    region     TEXT NOT NULL,                -- regional-operational: the owning region
    object_id  TEXT NOT NULL,                -- public: the video or profile
    field      TEXT NOT NULL,                -- regional-operational: likes, views, comments, followers
    delta      INTEGER NOT NULL,             -- regional-operational
    created_at INTEGER NOT NULL
);

-- class: regional-operational. Keys of applied incoming deltas.
CREATE TABLE deltas_in (
    key        TEXT PRIMARY KEY,             -- regional-operational
    applied_at INTEGER NOT NULL
);

-- class: public. The public log: facts that every region may replicate,
-- written in the same transaction as the change (transactional outbox).
CREATE TABLE public_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT, -- public: position
    kind       TEXT NOT NULL,                -- public: video, video_gone, profile
    object_id  TEXT NOT NULL,                -- public
    data       TEXT NOT NULL,                -- public: JSON snapshot of public fields
    created_at INTEGER NOT NULL
);

-- class: public. Read-only replicas of other regions' public objects.
CREATE TABLE replicas (
    kind       TEXT NOT NULL,                -- public: video, profile
    id         TEXT NOT NULL,                -- public
    data       TEXT NOT NULL,                -- public: JSON snapshot
    seq        INTEGER NOT NULL,             -- public: source log position
    PRIMARY KEY (kind, id)
);

-- class: regional-operational. How far this region has read each peer's log.
CREATE TABLE log_positions (
    region     TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
