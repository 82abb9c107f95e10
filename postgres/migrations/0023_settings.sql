-- class: public. The version of a person's profile picture ('' none): its
-- file is avatars/<id>/<version>.jpg, sealed under the person's data key.
ALTER TABLE profiles ADD COLUMN avatar TEXT NOT NULL DEFAULT '';
-- class: personal. The browser a session signed in with (sealed) and when
-- it was last used (unix ms, 0: not since sign-in), for the list of
-- sessions in settings.
ALTER TABLE sessions ADD COLUMN device_sealed BYTEA;
ALTER TABLE sessions ADD COLUMN used_at BIGINT NOT NULL DEFAULT 0;
-- class: personal. Privacy settings: whether the person's likes name them
-- to the liked video's creator, and who may comment on their videos
-- ('everyone', 'followers', 'nobody').
ALTER TABLE accounts ADD COLUMN show_likes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN comments_from TEXT NOT NULL DEFAULT 'everyone';
