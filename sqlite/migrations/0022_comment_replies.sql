-- Comment replies (one level), likes on comments, and the comment a
-- video's owner pinned. See social/COMMENTS.md.

-- class: public. A reply belongs to a top-level comment of the same video
-- and names whom it answers; a comment's likes are folded in from the
-- likers' regions as anonymous counter deltas.
ALTER TABLE comments ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';       -- public: the top-level comment a reply belongs to ('' for a top-level one)
ALTER TABLE comments ADD COLUMN reply_to_id TEXT NOT NULL DEFAULT '';     -- public: the author a reply answers (any region)
ALTER TABLE comments ADD COLUMN reply_to_handle TEXT NOT NULL DEFAULT ''; -- public: their handle
ALTER TABLE comments ADD COLUMN likes INTEGER NOT NULL DEFAULT 0;         -- public: counter
CREATE INDEX comments_parent ON comments(parent_id, created_at);

-- class: public. The one comment the video's owner pinned ('' none).
ALTER TABLE videos ADD COLUMN pinned_comment TEXT NOT NULL DEFAULT ''; -- public

-- class: personal. Which comments people of this region liked.
CREATE TABLE comment_likes (
    user_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal: the actor
    comment_id TEXT NOT NULL,               -- personal (with user_id): the comment liked, any region
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, comment_id)
);
