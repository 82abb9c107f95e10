-- class: public. A comment whose author's home region hid them (a
-- termination) stays stored, out of every list, until a reversal shows
-- it again; the video's comment count leaves it out.
ALTER TABLE comments ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0; -- public: 1 while its author is terminated
