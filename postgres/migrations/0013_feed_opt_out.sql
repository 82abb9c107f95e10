-- class: personal. The person turned personalised feeds off (DSA Art. 38):
-- their For You is the Popular feed, ranked without their history.
ALTER TABLE accounts ADD COLUMN feed_opt_out BIGINT NOT NULL DEFAULT 0;
