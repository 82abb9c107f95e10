-- class: public. Moderation restrictions on a video: comma-separated
-- reduced (kept out of For You), age_restricted (not shown to minors),
-- label:<text>.
ALTER TABLE videos ADD COLUMN restrictions TEXT NOT NULL DEFAULT '';

-- class: personal. A suspended account cannot sign in until then (unix ms).
ALTER TABLE accounts ADD COLUMN suspended_until INTEGER NOT NULL DEFAULT 0;
