-- us-tcpa: the opt-out kind do_not_call (docs/design.md 11.4). SQLite cannot change a CHECK, so the
-- table is rebuilt with the same columns, indexes and triggers.
DROP TRIGGER optouts_append_only_update;
DROP TRIGGER optouts_append_only_delete;
CREATE TABLE optouts_v3 (
    id         TEXT PRIMARY KEY,
    number     TEXT NOT NULL,
    advertiser TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('recht_van_verzet', 'bel_me_niet', 'revocation',
                                             'do_not_call')),
    scope      TEXT,
    charities  INTEGER CHECK (charities IN (0, 1)),
    source     TEXT NOT NULL CHECK (source IN ('ivr', 'agent', 'api', 'import')),
    agent      TEXT,
    call_id    TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revokes    TEXT REFERENCES optouts_v3 (id),
    reason     TEXT,
    requested_by TEXT,
    hash       TEXT,
    chain_seq  INTEGER
);
INSERT INTO optouts_v3 (id, number, advertiser, kind, scope, charities, source, agent, call_id,
                        created_at, created_by, revokes, reason, requested_by, hash, chain_seq)
SELECT id, number, advertiser, kind, scope, charities, source, agent, call_id,
       created_at, created_by, revokes, reason, requested_by, hash, chain_seq
FROM optouts;
DROP TABLE optouts;
ALTER TABLE optouts_v3 RENAME TO optouts;

CREATE INDEX optouts_number ON optouts (number);
CREATE INDEX optouts_advertiser_created ON optouts (advertiser, created_at);
CREATE INDEX optouts_created ON optouts (created_at);
CREATE UNIQUE INDEX optouts_one_per_call_kind ON optouts (call_id, kind)
    WHERE source = 'ivr' AND kind != 'revocation';
CREATE UNIQUE INDEX optouts_one_revocation ON optouts (revokes) WHERE revokes IS NOT NULL;
CREATE UNIQUE INDEX optouts_chain_seq ON optouts (chain_seq);
CREATE INDEX optouts_unhashed ON optouts (created_at) WHERE hash IS NULL;
CREATE INDEX optouts_call ON optouts (call_id) WHERE call_id IS NOT NULL;

CREATE TRIGGER optouts_append_only_update BEFORE UPDATE ON optouts
WHEN NOT EXISTS (SELECT 1 FROM evidence_maintenance WHERE reason = 'legacy')
BEGIN
    SELECT RAISE(ABORT, 'optouts is append-only');
END;
CREATE TRIGGER optouts_append_only_delete BEFORE DELETE ON optouts
BEGIN
    SELECT RAISE(ABORT, 'optouts is append-only');
END;
