-- Moderation as transactions, with pseudonymous parties: who an item or
-- decision is about by keyed hash, one appeal per party, targets locked
-- while a notice joins their item, and items resolved without a decision.

-- class: regional-operational. The affected person of an item or decision
-- by keyed hash and home region; owner_id now holds only a person of this
-- region ('' for a comment's author from elsewhere).
ALTER TABLE queue_items ADD COLUMN owner_hash BYTEA NOT NULL DEFAULT '';
ALTER TABLE queue_items ADD COLUMN owner_region TEXT NOT NULL DEFAULT '';
-- class: regional-operational. How a resolved item ended without a
-- decision: removed_by_author.
ALTER TABLE queue_items ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN owner_hash BYTEA NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN owner_region TEXT NOT NULL DEFAULT '';
UPDATE queue_items SET owner_region = split_part(owner_id, '_', 1) WHERE position('_' in owner_id) > 1;
UPDATE decisions SET owner_region = split_part(owner_id, '_', 1) WHERE position('_' in owner_id) > 1;
DROP INDEX queue_open;
CREATE INDEX queue_open ON queue_items(status, priority DESC, created_at, id);
CREATE INDEX decisions_created ON decisions(created_at, id);

-- class: regional-operational. One appeal per party of a decision (the
-- affected person, each notifier), the party named only by a keyed hash.
CREATE TABLE appeals (
    decision_id   TEXT NOT NULL,
    party_hash    BYTEA NOT NULL,
    party         TEXT NOT NULL,             -- affected, notifier
    item_id       TEXT NOT NULL,             -- the appeal's queue item
    notice_id     TEXT NOT NULL DEFAULT '',  -- a notifier's notice, for the statement
    notice_region TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (decision_id, party_hash)
);
CREATE INDEX appeals_item ON appeals(item_id);

-- Appeals filed before this migration kept a notifier's person ID as
-- their queue_reports hash: move them here under their notice ID (not a
-- person's) and drop the ID. The affected person's appeals get a
-- placeholder party.
INSERT INTO appeals (decision_id, party_hash, party, item_id, notice_id, notice_region, created_at)
    SELECT i.appeal_of, convert_to('notice:' || r.notice_id, 'UTF8'), 'notifier', i.id, r.notice_id, r.notice_region, r.created_at
    FROM queue_items i JOIN queue_reports r ON r.item_id = i.id WHERE i.kind = 'appeal';
INSERT INTO appeals (decision_id, party_hash, party, item_id, created_at)
    SELECT i.appeal_of, convert_to('item:' || i.id, 'UTF8'), 'affected', i.id, i.created_at
    FROM queue_items i WHERE i.kind = 'appeal' AND NOT EXISTS (SELECT 1 FROM queue_reports r WHERE r.item_id = i.id);
DELETE FROM queue_reports WHERE item_id IN (SELECT id FROM queue_items WHERE kind = 'appeal');

-- class: regional-operational. A row per (kind, target) that a notice
-- locks while it joins or opens the target's item.
CREATE TABLE queue_targets (
    kind      TEXT NOT NULL,
    target_id TEXT NOT NULL,
    locked_at BIGINT NOT NULL,
    PRIMARY KEY (kind, target_id)
);
