-- class: personal. Strikes against a person of this region, whichever
-- region's decision gave them, counted toward a suspension by the strike
-- rule (standing.StrikeRule) in their home region. Rows go with the
-- person (erasure).
CREATE TABLE strikes (
    person_id   TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE, -- personal
    decision_id TEXT NOT NULL,                                           -- personal: the strike's decision (any region)
    created_at  BIGINT NOT NULL,                                         -- personal: unix ms
    counted_by  TEXT NOT NULL DEFAULT '',                                -- personal: the suspension it counted toward
    PRIMARY KEY (person_id, decision_id)
);
