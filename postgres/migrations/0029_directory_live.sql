-- class: public. When "kurz directory import" finished here (0: never, or
-- an import under way): from then on this region is the live directory,
-- takes claims, and refuses another import, which would drop the claims
-- made since. While an import is under way (received set, live_at 0) it
-- takes no claim.
ALTER TABLE directory_state ADD COLUMN live_at BIGINT NOT NULL DEFAULT 0;
