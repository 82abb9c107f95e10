-- class: public (of a public video; personal, like the rest of the row, of
-- any other). How and from which public video a video was made (sound,
-- duet, stitch), the sound it uses ('' for its own), and what its creator
-- lets others do with it (bit flags: 1 duet, 2 stitch, 4 download; off for
-- videos made before creators could choose).
ALTER TABLE videos ADD COLUMN remix_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN remix_of TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN sound_id TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN allow INTEGER NOT NULL DEFAULT 0;
