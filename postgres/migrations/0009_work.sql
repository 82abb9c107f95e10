-- class: personal. How much work each person started per UTC day (uploads
-- created, exports made), for the daily quotas. A row counts work, not
-- results: deleting a video or an export gives nothing back, so
-- upload-then-delete loops still reach the cap (only an upload abandoned
-- before its last byte is given back when it is cleaned up). Rows go with
-- the person (erasure) and are pruned by the retention sweep after a few
-- days.
CREATE TABLE work_done (
    user_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    kind    TEXT NOT NULL,    -- personal: upload, export
    day     BIGINT NOT NULL,  -- personal: days since 1970-01-01 (UTC)
    n       BIGINT NOT NULL,  -- personal: how many that day
    PRIMARY KEY (user_id, kind, day)
);
CREATE INDEX work_done_day ON work_done(day);
