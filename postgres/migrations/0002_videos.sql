-- class: public, with exceptions per column. A video's public metadata is
-- public once it is published with visibility 'public'; the caption of a
-- followers-only or private video is personal and kept sealed instead.
CREATE TABLE videos (
    id             TEXT PRIMARY KEY,         -- public: region-prefixed ID, also the upload ID
    owner_id       TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- public
    status         TEXT NOT NULL,            -- public: uploading, processing, ready, failed, removed
    visibility     TEXT NOT NULL,            -- public: public, followers, private
    caption        TEXT NOT NULL DEFAULT '', -- public: only ever set for public videos
    caption_sealed BYTEA,                     -- personal: caption of non-public videos, sealed
    error          TEXT NOT NULL DEFAULT '', -- personal: why processing failed (shown to the owner)
    duration_ms    BIGINT NOT NULL DEFAULT 0, -- public
    width          BIGINT NOT NULL DEFAULT 0, -- public
    height         BIGINT NOT NULL DEFAULT 0, -- public
    renditions     TEXT NOT NULL DEFAULT '', -- public: JSON list of renditions
    upload_size    BIGINT NOT NULL DEFAULT 0, -- regional-operational
    job_gen        BIGINT NOT NULL DEFAULT 0, -- regional-operational: processing attempt generation
    worker         TEXT NOT NULL DEFAULT '', -- regional-operational: node processing it
    likes          BIGINT NOT NULL DEFAULT 0, -- public: counter
    comments       BIGINT NOT NULL DEFAULT 0, -- public: counter
    views          BIGINT NOT NULL DEFAULT 0, -- public: counter
    created_at     BIGINT NOT NULL,         -- public
    updated_at     BIGINT NOT NULL          -- public
);
CREATE INDEX videos_owner ON videos(owner_id, created_at);
CREATE INDEX videos_status ON videos(status, worker);

-- class: public. Hashtags of public videos only (a private caption's tags
-- are as personal as the caption).
CREATE TABLE video_hashtags (
    video_id   TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE, -- public
    tag        TEXT NOT NULL,                -- public: lower-cased, without '#'
    created_at BIGINT NOT NULL,             -- public
    PRIMARY KEY (video_id, tag)
);
CREATE INDEX video_hashtags_tag ON video_hashtags(tag, created_at);
