-- class: public (of a public video; personal, like the rest of the row, of
-- any other). The sound a video's audio is: audio_print is Chromaprint's
-- print of its first 20 s (base64, '' when it has no telling audio; a
-- one-way digest, not the audio), sound_name the name its creator gave it
-- ('' for "original sound – @handle" in the reader's language).
ALTER TABLE videos ADD COLUMN audio_print TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN sound_name TEXT NOT NULL DEFAULT '';
-- class: public (of a public video). The decision (its ID) by which a
-- moderator of this region blocked the video's sound; '' when not blocked.
ALTER TABLE videos ADD COLUMN sound_block TEXT NOT NULL DEFAULT '';
-- class: public (of a public video; personal of any other). How a duet
-- is laid out: '' side by side (the new clip left), 'top' the new clip
-- above the source.
ALTER TABLE videos ADD COLUMN remix_layout TEXT NOT NULL DEFAULT '';
