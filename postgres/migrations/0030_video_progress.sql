-- class: regional-operational. How far the running processing step of a
-- video is, in percent (toward playable while processing, toward ready
-- while playable), for its owner's upload view.
ALTER TABLE videos ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
