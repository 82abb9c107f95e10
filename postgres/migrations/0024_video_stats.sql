-- class: regional-operational. The creator studio's numbers: anonymous
-- counts per video of this region and day (UTC), folded in by the video's
-- region from the counter deltas every region sends (views, likes,
-- comments, shares, watch time, watches, completions). Nothing in a row
-- says who; only the video's owner is shown them (package studio).
-- Dropped with the video.
CREATE TABLE video_stats (
    video_id    TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    day         BIGINT NOT NULL,           -- days since 1970-01-01 (UTC)
    views       BIGINT NOT NULL DEFAULT 0,
    likes       BIGINT NOT NULL DEFAULT 0, -- net: likes minus likes taken back
    comments    BIGINT NOT NULL DEFAULT 0,
    shares      BIGINT NOT NULL DEFAULT 0,
    watch_ms    BIGINT NOT NULL DEFAULT 0, -- summed watch time of the watches
    watches     BIGINT NOT NULL DEFAULT 0, -- views whose watch time was reported
    completions BIGINT NOT NULL DEFAULT 0, -- watches that reached the end
    PRIMARY KEY (video_id, day)
);
