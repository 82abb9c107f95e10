-- The inbox: read state and grouping of notifications, each person's
-- inbox switches, and the note a counter delta may carry to the inbox of
-- the object's owner (see cell/inbox.go and docs in ARCHITECTURE.md).

-- class: personal (as the notification). NULL while unread.
ALTER TABLE notifications ADD COLUMN read_at BIGINT;
-- class: personal. What a notification groups with ("like:<video id>"),
-- and the keyed pseudonym of its actor within the group, so one person's
-- like, unlike and like again notifies once.
ALTER TABLE notifications ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN actor_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX notifications_actor ON notifications(user_id, group_key, actor_key) WHERE actor_key <> '';
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

-- class: personal. A person's inbox switches: the kinds they turned off
-- (space-separated) and whether a like of theirs names them.
CREATE TABLE inbox_settings (
    user_id    TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    show_likes INTEGER NOT NULL DEFAULT 0,   -- personal
    muted      TEXT NOT NULL DEFAULT ''      -- personal
);

-- class: personal (the actor's, kept in their region until delivered):
-- the inbox note of a like or follow, JSON of what the actor made public
-- (handle, display name) and a keyed pseudonym; empty for none.
ALTER TABLE deltas_out ADD COLUMN note TEXT NOT NULL DEFAULT '';
