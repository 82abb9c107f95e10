-- Log compaction: the public log keeps the latest entry per object.
CREATE INDEX public_log_object ON public_log(object_id, seq);

-- class: regional-operational. How far compaction has dropped tombstones
-- ("gone" entries): a peer whose position is below the horizon may have
-- missed a removal and re-reads the whole (compacted) log instead.
CREATE TABLE log_compaction (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    horizon      BIGINT NOT NULL,            -- highest seq of a dropped tombstone
    compacted_at BIGINT NOT NULL             -- unix ms
);
