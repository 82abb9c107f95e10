-- class: public. The state of this region's part as the handle directory.
-- "kurz directory export" records where the directory went (moved_to):
-- from then on this region refuses every claim and release, so no claim
-- made after its copy of the claims is lost. "kurz directory import"
-- records the ID of the directory archive it received. At most one row.
CREATE TABLE directory_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    moved_to  TEXT NOT NULL DEFAULT '',  -- public: a region's name ('' while the directory is here)
    moved_at  BIGINT NOT NULL DEFAULT 0,
    received  TEXT NOT NULL DEFAULT ''   -- public: the ID of the directory archive imported
);
