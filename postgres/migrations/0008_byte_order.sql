-- Hashtags sort byte by byte, as in SQLite, whatever locale the server was
-- initialised with: under en-US, "a_b" would sort before "a1" and "été"
-- before "f", and a video's tags would read in another order here than in
-- a SQLite region. IDs need no such care: their alphabet (a region prefix,
-- '_' and lower-case base32) sorts the same in every locale.
ALTER TABLE video_hashtags ALTER COLUMN tag TYPE TEXT COLLATE "C";
