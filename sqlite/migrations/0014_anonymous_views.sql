-- class: regional-operational. Views by signed-out visitors, counted once
-- per network and video and day: the key is a keyed hash of the visitor's
-- address (an IPv6 /64), the video and the day, and nothing else is kept.
-- Rows are forgotten the day after.
CREATE TABLE anonymous_views (
  key BLOB PRIMARY KEY,
  day INTEGER NOT NULL
);
CREATE INDEX anonymous_views_day ON anonymous_views (day);
